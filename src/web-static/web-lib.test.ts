// The browser's pure logic, run under Node: TensorBoard's smoothing, the pixel reduction that lets
// a 1,000,000-point series draw, and the create form's rules (which must agree with the API's).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { smoothDebiased } from '../web/lib/smooth.js';
import { pixelReduce, pixelMarks, marksToIndices, nearestIndex } from '../web/lib/pixel-reduce.js';
import { validateCreate, trainUrlProblem, type CreateForm } from '../web/lib/validate.js';
import { parseTrainUrl } from '../storage/train-url.js';
import { appRoot } from '../web/lib/app-root.js';
import { formatTick } from '../web/lib/format.js';

test('smoothing with weight 0 returns the values unchanged', () => {
  assert.deepEqual([...smoothDebiased([3, 1, 4, 1, 5], 0)], [3, 1, 4, 1, 5]);
});

test('smoothing is the debiased EMA: the first point is itself, later ones the debiased average', () => {
  const w = 0.6;
  const out = smoothDebiased([1, 2, 3], w);
  assert.equal(out[0], 1);
  const l1 = (1 - w) * 1;
  const l2 = l1 * w + (1 - w) * 2;
  const l3 = l2 * w + (1 - w) * 3;
  assert.ok(Math.abs(out[1] - l2 / (1 - w ** 2)) < 1e-12);
  assert.ok(Math.abs(out[2] - l3 / (1 - w ** 3)) < 1e-12);
});

test('smoothing passes non-finite points through without advancing the average', () => {
  const out = smoothDebiased([1, NaN, Infinity, 3], 0.5);
  assert.ok(Number.isNaN(out[1]));
  assert.equal(out[2], Infinity);
  // As if the series were [1, 3]: last = 0.5*0.5 + 0.5*3 = 1.75, debias 1 - 0.25.
  assert.ok(Math.abs(out[3] - 1.75 / 0.75) < 1e-12);
});

test('smoothing into a given array of the right length fills that array', () => {
  const out = new Float64Array(3);
  assert.equal(smoothDebiased([1, 2, 3], 0.5, out), out);
  assert.deepEqual([...out], [...smoothDebiased([1, 2, 3], 0.5)]);
  assert.notEqual(smoothDebiased([1, 2, 3], 0.5, new Float64Array(2)).length, 2);
});

test('smoothing leaves a constant series alone', () => {
  assert.deepEqual([...smoothDebiased([2, 2, 2, 2], 0.9)], [2, 2, 2, 2]);
});

test('smoothed values stay within the range of the finite inputs', () => {
  fc.assert(fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 200 }), fc.double({ min: 0, max: 0.999, noNaN: true }), (vals, w) => {
    const out = smoothDebiased(vals, w);
    const lo = Math.min(...vals);
    const hi = Math.max(...vals);
    const eps = 1e-9 * Math.max(1, Math.abs(lo), Math.abs(hi));
    for (const v of out) assert.ok(v >= lo - eps && v <= hi + eps, `${v} outside [${lo}, ${hi}]`);
  }));
});

test('pixel reduction keeps every point when there are few', () => {
  const xs = Float64Array.from({ length: 100 }, (_, i) => i);
  assert.equal(pixelReduce(xs, [xs], 0, 99, 400).length, 100);
});

test('pixel reduction of 1,000,000 points keeps each column\'s first, last, min and max', () => {
  const n = 1_000_000;
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    xs[i] = i;
    ys[i] = Math.sin(i / 1000) + ((i * 2654435761) % 1000) / 5000;
  }
  ys[123_457] = 50; // a spike must survive
  ys[765_431] = -50;
  const cols = 800;
  const idx = pixelReduce(xs, [ys], 0, n - 1, cols);
  assert.ok(idx.length <= cols * 4 + 8, `kept ${idx.length}`);
  const kept = new Set(idx);
  assert.ok(kept.has(0) && kept.has(n - 1));
  assert.ok(kept.has(123_457) && kept.has(765_431));
  for (let i = 1; i < idx.length; i++) assert.ok(idx[i] > idx[i - 1], 'ascending');
  // Every column's extreme values are among the kept points.
  const scale = cols / (n - 1);
  const colMin = new Float64Array(cols + 1).fill(Infinity);
  const colMax = new Float64Array(cols + 1).fill(-Infinity);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(xs[i] * scale);
    colMin[c] = Math.min(colMin[c], ys[i]);
    colMax[c] = Math.max(colMax[c], ys[i]);
  }
  const keptMin = new Float64Array(cols + 1).fill(Infinity);
  const keptMax = new Float64Array(cols + 1).fill(-Infinity);
  for (const i of idx) {
    const c = Math.floor(xs[i] * scale);
    keptMin[c] = Math.min(keptMin[c], ys[i]);
    keptMax[c] = Math.max(keptMax[c], ys[i]);
  }
  assert.deepEqual(keptMin, colMin);
  assert.deepEqual(keptMax, colMax);
});

test('pixel reduction of a zoomed range keeps one point beyond each edge', () => {
  const xs = Float64Array.from({ length: 10_000 }, (_, i) => i);
  const idx = pixelReduce(xs, [xs], 2000.5, 3000.5, 50);
  assert.equal(idx[0], 2000);
  assert.equal(idx[idx.length - 1], 3001);
});

test('uniting per-series marks keeps exactly what reducing the series together keeps', () => {
  fc.assert(fc.property(fc.array(fc.tuple(fc.double({ noNaN: true, min: -1e3, max: 1e3 }), fc.double({ min: -1e3, max: 1e3 })), { minLength: 1, maxLength: 3000 }), fc.integer({ min: 1, max: 200 }), (pairs, cols) => {
    const xs = Float64Array.from({ length: pairs.length }, (_, i) => i);
    const a = Float64Array.from(pairs, (p) => p[0]);
    const b = Float64Array.from(pairs, (p) => p[1]);
    const together = pixelReduce(xs, [a, b], 0, xs.length - 1, cols);
    const united = marksToIndices([pixelMarks(xs, [a], 0, xs.length - 1, cols), pixelMarks(xs, [b], 0, xs.length - 1, cols)]);
    assert.deepEqual([...united], [...together]);
  }), { numRuns: 60 });
});

test('nearestIndex finds the closest x', () => {
  const xs = Float64Array.from([0, 10, 20, 30]);
  assert.equal(nearestIndex(xs, 14), 1);
  assert.equal(nearestIndex(xs, 16), 2);
  assert.equal(nearestIndex(xs, -5), 0);
  assert.equal(nearestIndex(xs, 99), 3);
});

const form = (over: Partial<CreateForm>): CreateForm => ({ job_name: 'job_1', job_desc: '', train_url: '/bucket/dir/', job_type: 'tensorboard', schedule_hours: '', ...over });

test('the create form accepts what the API accepts and builds its body', () => {
  const r = validateCreate(form({ job_desc: 'd', schedule_hours: '3', train_url: 'obs://my-bucket/logs/' }));
  assert.ok('body' in r);
  assert.deepEqual(r.body, { job_name: 'job_1', job_desc: 'd', train_url: 'obs://my-bucket/logs/', job_type: 'tensorboard', schedule: { type: 'stop', time_unit: 'HOURS', duration: 3 } });
});

test('the create form refuses bad names, long descriptions, bad train_urls and schedules', () => {
  const r = validateCreate(form({ job_name: 'x'.repeat(21), job_desc: 'd'.repeat(257), train_url: 'http://x/', schedule_hours: '25' }));
  assert.ok('errors' in r);
  assert.deepEqual(Object.keys(r.errors).sort(), ['job_desc', 'job_name', 'schedule_hours', 'train_url']);
  assert.ok('errors' in validateCreate(form({ job_name: '' })));
  assert.ok('errors' in validateCreate(form({ job_name: 'has space' })));
  assert.ok('errors' in validateCreate(form({ schedule_hours: '1.5' })));
  assert.ok('body' in validateCreate(form({ schedule_hours: '0' })));
});

test('the form\'s train_url rule agrees with the server\'s parser', () => {
  const samples = ['/bucket/dir/', '/bucket', 'obs://bucket/a/b/', 's3://bkt/x', 'S3://bkt/x', 'file:///etc/', '/b/', '/bucket//x', '/bucket/../x',
    '/Bucket/x', 'bucket/x', '', '/bucket/./x', '/1.2.3.4/x', '/a..b/x', '/bucket/x\\y', 'http://bucket/x', '/my.bucket-1/dir'];
  for (const s of samples) {
    let serverOk = true;
    try { parseTrainUrl(s); } catch { serverOk = false; }
    assert.equal(trainUrlProblem(s) === undefined, serverOk, `train_url ${JSON.stringify(s)}`);
  }
});

test('the app root is what precedes a viewer path, or the console page\'s directory', () => {
  const cases: [string, string][] = [
    ['/', '/'],
    ['/index.html', '/'],
    ['/vizjobs/', '/vizjobs/'],
    ['/visualization/p1/7/', '/'],
    ['/visualization/p1/7', '/'],
    ['/visualization/p1/7/scalars/x', '/'],
    ['/a/b/visualization/p1/7/', '/a/b/'],
    ['/a/visualization/p1/7/images', '/a/'],
  ];
  for (const [path, root] of cases) assert.equal(appRoot(path), root, path);
});

test('tick labels keep 4 significant digits, group thousands, and use an exponent only for extremes', () => {
  assert.equal(formatTick(1234.56), '1,235');
  assert.equal(formatTick(12.3456), '12.35');
  assert.equal(formatTick(0.5), '0.5');
  assert.equal(formatTick(0.00123456), '0.001235');
  assert.equal(formatTick(-250000), '-250,000');
  assert.equal(formatTick(0), '0');
  assert.equal(formatTick(2.5e7), '2.5e7');
  assert.equal(formatTick(1e-4), '1.0e-4');
  // The same label as the per-call locale formatting it replaced, across magnitudes.
  for (const v of [1, 9.99999, 123456.7, 0.0010004, -3.14159, 999999]) {
    assert.equal(formatTick(v), Number(v.toPrecision(4)).toLocaleString('en-US', { maximumFractionDigits: 6 }));
  }
});
