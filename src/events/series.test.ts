import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeriesStore } from './series.js';

test('scalar columns keep every step and value exactly, whether or not they fit int32 / float32', () => {
  const s = new SeriesStore<never>(true);
  const want: Array<[number, number, number]> = [];
  for (let i = 0; i < 10_000; i++) {
    // Mostly narrow samples; now and then a huge or fractional step and a double-only value,
    // including at chunk starts and ends (4096), so narrow and widened chunks alternate.
    const odd = i % 997 === 0 || i === 4095 || i === 4096 || i === 8191;
    const step = odd ? (i % 2 ? 2 ** 40 + i : -(2 ** 33) - i) : i;
    const value = odd ? 0.1 * i : Math.fround(Math.sin(i));
    want.push([step, 1.7e9 + i * 0.01, value]);
    s.pushScalar(step, 1.7e9 + i * 0.01, value);
  }
  s.pushScalar(10_000, 1, NaN);
  s.pushScalar(10_001, 2, -0);
  want.push([10_000, 1, NaN], [10_001, 2, -0]);
  assert.equal(s.length, want.length);
  assert.deepEqual([...s.steps], want.map((w) => w[0]));
  assert.deepEqual([...s.wallTimes], want.map((w) => w[1]));
  assert.deepEqual([...s.values], want.map((w) => w[2]));
  assert.ok(Object.is(s.values[s.length - 1], -0));
  assert.equal(s.minStep, Math.min(...want.map((w) => w[0])));
  assert.equal(s.maxStep, Math.max(...want.map((w) => w[0])));
  // Appending after a read and purging keep working on the compacted columns.
  s.pushScalar(3, 3, 0.5);
  s.purgeFrom(5000);
  assert.ok([...s.steps].every((x) => x < 5000));
  assert.equal(s.values[s.length - 1], 0.5);
});

test('item columns keep fractional and huge steps exactly', () => {
  const s = new SeriesStore<string>(false);
  s.pushItem(1, 10, 'a');
  s.pushItem(2 ** 45, 11, 'b');
  s.pushItem(2.5, 12, 'c');
  assert.deepEqual([...s.steps], [1, 2 ** 45, 2.5]);
  assert.deepEqual([...s.wallTimes], [10, 11, 12]);
  assert.deepEqual(s.items, ['a', 'b', 'c']);
});

test('wall times come back bit-exact, whether consecutive gaps fit a float32 delta or not', () => {
  const s = new SeriesStore<never>(true);
  const walls: number[] = [];
  let w = 1_732_000_000.123456;
  for (let i = 0; i < 9000; i++) {
    // time.time()-like gaps, with now and then a gap no float32 holds exactly, a jump back,
    // and special values, some at chunk boundaries (4096).
    if (i % 1500 === 7) w += 12345.678901234;
    else if (i % 2000 === 11) w -= 3600.000001;
    else w += 0.01 + (i % 7) * 1e-6;
    const special = i === 4096 ? -0 : i === 5000 ? NaN : i === 5001 ? Infinity : i === 5002 ? 0 : i === 5003 ? 1e-300 : undefined;
    walls.push(special ?? w);
    s.pushScalar(i, special ?? w, 1);
  }
  const got = s.wallTimes;
  assert.equal(got.length, walls.length);
  for (let i = 0; i < walls.length; i++) assert.ok(Object.is(got[i], walls[i]), `wall ${i}: ${got[i]} !== ${walls[i]}`);
});

test('steps come back exactly whether consecutive gaps fit a byte delta or not', () => {
  const s = new SeriesStore<never>(true);
  const steps: number[] = [];
  let step = 0;
  for (let i = 0; i < 9000; i++) {
    // Mostly +1, with gaps of 255, 256 and 1000, steps going back, repeats, and int32 / 2^53 edges.
    if (i % 700 === 3) step += 256;
    else if (i % 700 === 5) step += 255;
    else if (i % 1100 === 9) step -= 50;
    else if (i % 900 === 13) step += 1000;
    else if (i % 300 !== 0) step += 1;
    const v = i === 4000 ? 2 ** 31 + 5 : i === 4001 ? 2 ** 53 - 1 : i === 4002 ? 2.5 : step;
    steps.push(v);
    s.pushScalar(v, 1, 1);
  }
  assert.deepEqual([...s.steps], steps);
  assert.equal(s.minStep, Math.min(...steps));
  assert.equal(s.maxStep, Math.max(...steps));
});
