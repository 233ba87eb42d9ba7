// NaN and infinities must reach the client as TensorBoard's strings, never as null.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SLICE_MS } from '../events/slices.js';
import { scalarTriplesBuffer, scalarTriplesBufferAsync, tbStringify, TRIPLES_SLICE } from './tb-json.js';
import { scalarCsv, scalarTriplesJson } from '../testing/tb-json-oracle.js';

describe('TensorBoard JSON encoding', () => {
  it('sends NaN and ±Infinity as "NaN", "Infinity", "-Infinity" anywhere in a value', () => {
    assert.equal(tbStringify({ a: [NaN, Infinity, -Infinity, 1.5] }), '{"a":["NaN","Infinity","-Infinity",1.5]}');
  });

  it('writes scalar triples with the same encoding, optionally through chosen indices', () => {
    const s = { wallTimes: [10.5, 11, 12], steps: [0, 1, 2], values: [NaN, -Infinity, 0.25] };
    assert.deepEqual(JSON.parse(scalarTriplesJson(s)), [[10.5, 0, 'NaN'], [11, 1, '-Infinity'], [12, 2, 0.25]]);
    assert.deepEqual(JSON.parse(scalarTriplesJson(s, [0, 2])), [[10.5, 0, 'NaN'], [12, 2, 0.25]]);
    assert.equal(scalarTriplesJson(s, undefined, 0), '[]');
  });

  it('writes the same bytes from the Buffer writer as from the string writer, for any numbers', () => {
    const num = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(0, -0, 1e15, 1e15 - 1, 2 ** 53, -1, NaN, Infinity, -Infinity, 1780000000.01));
    fc.assert(
      fc.property(fc.array(fc.tuple(num, num, num), { maxLength: 200 }), (rows) => {
        const s = { wallTimes: rows.map((r) => r[0]), steps: rows.map((r) => r[1]), values: rows.map((r) => r[2]) };
        const text = scalarTriplesJson(s);
        assert.equal(scalarTriplesBuffer(s).toString('latin1'), text);
        assert.equal(JSON.parse(text).length, rows.length);
        const idx = rows.map((_, i) => i).filter((i) => i % 3 === 0);
        assert.equal(scalarTriplesBuffer(s, idx).toString('latin1'), scalarTriplesJson(s, idx));
        assert.equal(scalarTriplesBuffer(s, idx, undefined, 'csv').toString('latin1'), scalarCsv(s, idx));
      }),
      { numRuns: 300 },
    );
  });

  it('asked in a turn already spent, writes nothing before the event loop has had its turn', async () => {
    // A viewer's six series requests arrive in one turn; each used to write a whole slice first.
    const n = TRIPLES_SLICE * 3;
    let read = 0;
    const values = new Proxy(Float64Array.from({ length: n }, (_, i) => i / 7), {
      get(target, key) {
        if (typeof key === 'string' && /^\d+$/.test(key)) read++;
        return Reflect.get(target, key) as unknown;
      },
    });
    const s = { wallTimes: new Float64Array(n).fill(1.7e9), steps: Float64Array.from({ length: n }, (_, i) => i), values };
    const t0 = performance.now();
    while (performance.now() - t0 < SLICE_MS + 2); // this turn's budget, spent
    const answers = [scalarTriplesBufferAsync(s), scalarTriplesBufferAsync(s)];
    assert.equal(read, 0, 'nothing written in the spent turn');
    let otherRequest = -1;
    setImmediate(() => (otherRequest = read));
    const [a, b] = await Promise.all(answers);
    assert.ok(otherRequest < 2 * n, `another callback ran after ${otherRequest} of ${2 * n} values were written`);
    assert.deepEqual(a, scalarTriplesBuffer(s));
    assert.deepEqual(b, a);
  });

  it('writes the same bytes in event-loop slices as in one go', async () => {
    const n = TRIPLES_SLICE * 2 + 17;
    const s = {
      wallTimes: Float64Array.from({ length: n }, (_, i) => 1_700_000_000 + i / 3),
      steps: Float64Array.from({ length: n }, (_, i) => i),
      values: Float64Array.from({ length: n }, (_, i) => (i % 1000 === 0 ? NaN : Math.fround(Math.sin(i)))),
    };
    const whole = scalarTriplesBuffer(s);
    assert.deepEqual(await scalarTriplesBufferAsync(s), whole);
    assert.deepEqual(await scalarTriplesBufferAsync(s, undefined, undefined, 'csv'), scalarTriplesBuffer(s, undefined, undefined, 'csv'));
    const idx = Uint32Array.from({ length: TRIPLES_SLICE + 5 }, (_, k) => k * 2);
    assert.deepEqual(await scalarTriplesBufferAsync(s, idx), scalarTriplesBuffer(s, idx));
    assert.equal((JSON.parse(whole.toString('latin1')) as unknown[]).length, n);
  });

  it('writes CSV like Python csv: header, CRLF rows, nan/inf', () => {
    const s = { wallTimes: [10.5, 11], steps: [0, 1], values: [NaN, Infinity] };
    assert.equal(scalarCsv(s), 'Wall time,Step,Value\r\n10.5,0,nan\r\n11,1,inf\r\n');
    assert.equal(scalarTriplesBuffer(s, undefined, undefined, 'csv').toString('latin1'), scalarCsv(s));
  });
});
