// The PR-curve and histogram logic of the viewer (src/web/viewer/pr-points.ts, hist-math.ts), run
// under Node as the page runs it: one vertex per threshold in TensorBoard's order whatever the
// recall values, the step a run's slider picks, the vertex under the pointer, and rebinning that
// keeps every count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalTags, entryAtStep, nearestVertex, parsePrEntry, prVertices } from '../web/viewer/pr-points.js';
import { binOf, extent, overlayPick, pickEvenly, rebin } from '../web/viewer/hist-math.js';
import { prCurveData } from '../writer/index.js';

/** An entry as the route serves it, built from the writer's [6, n] rows (TP, FP, TN, FN, P, R). */
function routeEntry(labels: number[], preds: number[], n: number, step = 1): Record<string, unknown> {
  const d = prCurveData(labels, preds, n);
  const row = (r: number): number[] => Array.from(d.subarray(r * n, (r + 1) * n));
  return {
    wall_time: 100 + step, step,
    precision: row(4), recall: row(5),
    true_positives: row(0), false_positives: row(1), true_negatives: row(2), false_negatives: row(3),
    thresholds: Array.from({ length: n }, (_, i) => (i + 1) / n),
  };
}

test('a perfect classifier keeps one vertex per threshold though every recall is 1', () => {
  // Positives score 0.9+, negatives 0.1-: recall stays 1 up to the top thresholds.
  const labels = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0];
  const preds = [0.99, 0.97, 0.95, 0.93, 0.05, 0.04, 0.03, 0.02, 0.01, 0.0];
  const e = parsePrEntry(routeEntry(labels, preds, 21));
  const vs = prVertices(e);
  assert.equal(vs.length, e.precision.length, 'no vertex merged');
  assert.ok(vs.filter((v) => v.recall === 1).length > 10, 'many vertices share recall 1');
  // TensorBoard's order: the route's arrays reversed (highest threshold first).
  assert.deepEqual(vs.map((v) => v.i), Array.from({ length: e.precision.length }, (_, k) => e.precision.length - 1 - k));
});

test('vertices follow the thresholds even when recall goes back along x', () => {
  const e = parsePrEntry({ step: 3, wall_time: 1, precision: [0.5, 0.8, 0.6, 1], recall: [1, 0.4, 0.7, 0.2], thresholds: [0.25, 0.5, 0.75, 1],
    true_positives: [4, 2, 3, 1], false_positives: [4, 0, 2, 0], true_negatives: [0, 4, 2, 4], false_negatives: [0, 2, 1, 3] });
  assert.deepEqual(prVertices(e).map((v) => [v.recall, v.precision]), [[0.2, 1], [0.7, 0.6], [0.4, 0.8], [1, 0.5]]);
});

test('non-finite points are left out of the path, the rest keep their indices', () => {
  const e = parsePrEntry({ step: 1, wall_time: 1, precision: [0.5, 'NaN', 1], recall: [1, 0.5, 'Infinity'], thresholds: [0.3, 0.6, 1] });
  assert.deepEqual(prVertices(e).map((v) => v.i), [0]);
  assert.equal(e.tp.length, 3, 'missing count columns are NaN, not a shorter entry');
  assert.ok(Number.isNaN(e.tp[0]));
});

test('columns of different lengths are cut to the shortest so every index has all its numbers', () => {
  const e = parsePrEntry({ step: 1, wall_time: 1, precision: [1, 1, 1], recall: [1, 1], thresholds: [0.5, 1, 1.5], true_positives: [1, 1, 1] });
  assert.equal(e.precision.length, 2);
  assert.equal(e.thresholds.length, 2);
  assert.equal(prVertices(e).length, 2);
});

test('a run shows the first entry at or after its slider step, else its last (TensorBoard\'s card)', () => {
  const entries = [{ step: 10 }, { step: 20 }, { step: 40 }];
  assert.equal(entryAtStep(entries, undefined)?.step, 40);
  assert.equal(entryAtStep(entries, 0)?.step, 10);
  assert.equal(entryAtStep(entries, 20)?.step, 20);
  assert.equal(entryAtStep(entries, 21)?.step, 40);
  assert.equal(entryAtStep(entries, 99)?.step, 40);
  assert.equal(entryAtStep([], 5), undefined);
  fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 1000 }), { minLength: 1 }), fc.integer({ min: -5, max: 1005 }), (steps, cap) => {
    const es = [...steps].sort((a, b) => a - b).map((step) => ({ step }));
    const got = entryAtStep(es, cap);
    const want = es.find((x) => x.step >= cap) ?? es[es.length - 1];
    assert.equal(got, want);
  }));
});

test('each run\'s step slider follows its smallest PR tag', () => {
  const m = canonicalTags(new Map([['pr/b', ['r1', 'r2']], ['pr/a', ['r2']], ['pr/c', ['r3']]]));
  assert.deepEqual([...m].sort(), [['r1', 'pr/b'], ['r2', 'pr/a'], ['r3', 'pr/c']]);
});

test('the pointer picks the nearest vertex in pixels, telling apart points stacked at one recall', () => {
  const e = parsePrEntry({ step: 1, wall_time: 1, precision: [0.1, 0.5, 1], recall: [1, 1, 1], thresholds: [0.3, 0.6, 1] });
  const vs = prVertices(e);
  const toX = (v: number): number => v * 100;
  const toY = (v: number): number => 100 - v * 100;
  assert.equal(nearestVertex(vs, 100, 52, toX, toY)?.vertex.i, 1);
  assert.equal(nearestVertex(vs, 90, 95, toX, toY)?.vertex.i, 0);
  assert.equal(nearestVertex([], 0, 0, toX, toY), undefined);
});

test('rebinning keeps every count inside the range', () => {
  fc.assert(fc.property(fc.array(fc.tuple(fc.double({ min: -10, max: 10, noNaN: true }), fc.double({ min: 0, max: 5, noNaN: true }), fc.integer({ min: 0, max: 1000 })), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 64 }), (raw, bins) => {
    const buckets = raw.map(([l, w, c]) => [l, l + w, c] as [number, number, number]);
    const ext = extent([buckets]);
    if (!ext) return;
    const out = rebin(buckets, ext[0], ext[1], bins);
    const want = buckets.reduce((a, b) => a + (b[2] > 0 ? b[2] : 0), 0);
    const got = out.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(got - want) <= 1e-6 * Math.max(1, want), `${got} vs ${want}`);
  }));
});

test('the steps drawn are spread evenly and always include the first and the newest', () => {
  const items = Array.from({ length: 137 }, (_, i) => i);
  const got = pickEvenly(items, 50);
  assert.equal(got.length, 50);
  assert.equal(got[0], 0);
  assert.equal(got[49], 136);
  for (let i = 1; i < got.length; i++) assert.ok(got[i] > got[i - 1]);
  assert.deepEqual(pickEvenly([1, 2, 3], 50), [1, 2, 3]);
  assert.deepEqual(pickEvenly([1, 2, 3], 1), [3]);
});

test('overlay mode picks the step whose curve passes nearest the pointer, the newest on a tie', () => {
  const binned = [Float64Array.from([0, 5, 0]), Float64Array.from([0, 9, 1]), Float64Array.from([0, 9, 3])];
  assert.equal(overlayPick(binned, 1, 4), 0);
  assert.equal(overlayPick(binned, 1, 8.9), 2, 'steps 1 and 2 tie: the newest, drawn on top');
  assert.equal(overlayPick(binned, 2, 1.2), 1);
  assert.equal(binOf(-1, 0, 10, 5), 0);
  assert.equal(binOf(10, 0, 10, 5), 4);
  assert.equal(binOf(4.1, 0, 10, 5), 2);
});
