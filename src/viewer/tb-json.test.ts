// NaN and infinities must reach the client as TensorBoard's strings, never as null.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { scalarCsv, scalarTriplesJson, tbStringify } from './tb-json.js';

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

  it('writes CSV like Python csv: header, CRLF rows, nan/inf', () => {
    const s = { wallTimes: [10.5, 11], steps: [0, 1], values: [NaN, Infinity] };
    assert.equal(scalarCsv(s), 'Wall time,Step,Value\r\n10.5,0,nan\r\n11,1,inf\r\n');
  });
});
