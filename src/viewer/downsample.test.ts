// §4's downsampling: whole up to the budget; beyond it, at most the budget, always the first and
// last sample, and every bucket's extremes — checked against brute force on random series.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DEFAULT_SAMPLE_LIMIT, downsampleIndices, parseSamples } from './downsample.js';

describe('downsampleIndices', () => {
  it('returns undefined (send everything) when the series fits the budget', () => {
    assert.equal(downsampleIndices(new Float64Array(10_000), 10_000, 10_000), undefined);
  });

  it('keeps first, last, global min and max and stays within budget, in ascending order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 3000 }),
        fc.integer({ min: 4, max: 400 }),
        (arr, limit) => {
          const values = Float64Array.from(arr);
          const idx = downsampleIndices(values, values.length, limit);
          if (values.length <= limit) return idx === undefined;
          assert.ok(idx);
          assert.ok(idx.length <= limit);
          for (let i = 1; i < idx.length; i++) assert.ok(idx[i] > idx[i - 1]);
          assert.equal(idx[0], 0);
          assert.equal(idx[idx.length - 1], values.length - 1);
          const kept = Array.from(idx, (i) => values[i]);
          // `===`, not Object.is: -0 and 0 are the same value on a chart (fast-check found [-0,0,0,0,-0]).
          assert.ok(Math.min(...kept) === Math.min(...arr));
          assert.ok(Math.max(...kept) === Math.max(...arr));
          return true;
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps a single spike in a 1,000,000-point series', () => {
    const n = 1_000_000;
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = Math.sin(i / 1000);
    v[654_321] = 50;
    v[123_457] = -50;
    const idx = downsampleIndices(v, n, DEFAULT_SAMPLE_LIMIT);
    assert.ok(idx);
    assert.ok(idx.length <= DEFAULT_SAMPLE_LIMIT && idx.length >= DEFAULT_SAMPLE_LIMIT / 4);
    assert.ok(idx.includes(654_321));
    assert.ok(idx.includes(123_457));
  });

  it('never lets NaN win a minimum or maximum', () => {
    const v = Float64Array.from([1, NaN, 5, NaN, -2, 3, NaN, 0, 4, 2]);
    const idx = downsampleIndices(v, v.length, 4);
    assert.deepEqual(Array.from(idx ?? []), [0, 2, 4, 9]);
  });
});

describe('downsampleIndices with infinities', () => {
  it('keeps infinite extremes, including buckets of only +Infinity or -Infinity', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(Infinity, -Infinity, NaN, 0, 1, -1), { minLength: 9, maxLength: 400 }), (arr) => {
        const values = Float64Array.from(arr);
        const idx = downsampleIndices(values, values.length, 8);
        assert.ok(idx && idx.length <= 8);
        const kept = Array.from(idx, (i) => values[i]).filter((v) => !Number.isNaN(v));
        const finiteOrInf = arr.filter((v) => !Number.isNaN(v));
        if (finiteOrInf.length) {
          assert.ok(kept.length > 0);
          assert.ok(Math.max(...kept) === Math.max(...finiteOrInf));
          assert.ok(Math.min(...kept) === Math.min(...finiteOrInf));
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseSamples', () => {
  it('reads the default, all, and positive integers, and refuses the rest', () => {
    assert.equal(parseSamples(undefined), DEFAULT_SAMPLE_LIMIT);
    assert.equal(parseSamples('all'), Infinity);
    assert.equal(parseSamples('250'), 250);
    for (const bad of ['0', '-1', '1.5', 'x', '1e3', ['1', '2']]) assert.equal(parseSamples(bad), undefined, String(bad));
  });
});
