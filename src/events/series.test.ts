import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SampleArena, SeriesStore } from './series.js';

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

test("series sharing a run's arena read back exactly, interleaved, before and after they outgrow it", () => {
  const arena = new SampleArena();
  const tags = Array.from({ length: 7 }, (_, t) => ({ store: new SeriesStore<never>(true, arena), want: [] as Array<[number, number, number]> }));
  // Tag t gets 3 + 5t samples (3 … 33: some stay in the arena, some outgrow its 16), interleaved as
  // a writer writes them, with values and steps the arena's narrow columns cannot hold at first.
  for (let step = 0; step < 40; step++) {
    tags.forEach(({ store, want }, t) => {
      if (step >= 3 + 5 * t) return;
      const s = t === 2 && step === 1 ? 2 ** 40 : t === 3 && step === 2 ? 2.5 : step;
      const v = t === 4 && step === 0 ? 0.1 : step === 5 ? NaN : step === 6 ? -0 : Math.fround(step / 3 + t);
      const w = 1.7e9 + step * 0.25 + t;
      want.push([s, w, v]);
      store.pushScalar(s, w, v);
    });
    if (step === 20) arena.trim();
  }
  for (const [t, { store, want }] of tags.entries()) {
    assert.equal(store.length, want.length, `tag ${t}`);
    assert.deepEqual([...store.steps], want.map((x) => x[0]), `tag ${t}`);
    assert.deepEqual([...store.wallTimes], want.map((x) => x[1]), `tag ${t}`);
    const values = [...store.values];
    want.forEach((x, i) => assert.ok(Object.is(values[i], x[2]), `tag ${t} value ${i}: ${values[i]} vs ${x[2]}`));
    assert.equal(store.minStep, Math.min(...want.map((x) => x[0])));
    assert.equal(store.maxStep, Math.max(...want.map((x) => x[0])));
  }
  // After a read the series goes on in its own chunks (never back into the arena), and purges work.
  const { store, want } = tags[1];
  const before = arena.len;
  for (let step = 100; step < 140; step++) {
    store.pushScalar(step, step, step);
    want.push([step, step, step]);
  }
  assert.equal(arena.len, before);
  assert.deepEqual([...store.steps], want.map((x) => x[0]));
  store.purgeFrom(120);
  assert.deepEqual([...store.steps], want.map((x) => x[0]).filter((x) => x < 120));
  // Memory estimates count arena samples.
  assert.ok(tags[0].store.memoryBytes(() => 0) > 0);
});

test('item series in an arena keep their steps, wall times and items together', () => {
  const arena = new SampleArena();
  const a = new SeriesStore<string>(false, arena);
  const b = new SeriesStore<string>(false, arena);
  for (let i = 0; i < 30; i++) {
    a.pushItem(i, 100 + i, `a${i}`);
    if (i % 2) b.pushItem(i * 10, 200 + i, `b${i}`);
  }
  assert.deepEqual([...a.steps], Array.from({ length: 30 }, (_, i) => i));
  assert.deepEqual([...a.wallTimes], Array.from({ length: 30 }, (_, i) => 100 + i));
  assert.deepEqual(a.items, Array.from({ length: 30 }, (_, i) => `a${i}`));
  assert.deepEqual([...b.steps], Array.from({ length: 15 }, (_, i) => (2 * i + 1) * 10));
  assert.deepEqual(b.items, Array.from({ length: 15 }, (_, i) => `b${2 * i + 1}`));
  assert.deepEqual(new SeriesStore<string>(false, arena).items, []);
});
