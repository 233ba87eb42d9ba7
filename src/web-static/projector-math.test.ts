// The Projector's numerics (src/web/viewer/projector/math.ts, run in the page's worker) checked in
// Node against answers known in closed form or computed here the slow way.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { nearest, pca, sampleIndices, Tsne } from '../web/viewer/projector/math.js';
import { seeded } from '../testing/embeddings.js';

it('PCA finds the direction of greatest variance and its share of the total', () => {
  // Points on the line t·(3, 4, 0)/5 plus a small independent wobble on z.
  const rnd = seeded(3);
  const rows = 500;
  const data = new Float32Array(rows * 3);
  for (let i = 0; i < rows; i++) {
    const t = (rnd() - 0.5) * 100;
    data.set([(t * 3) / 5, (t * 4) / 5, (rnd() - 0.5) * 1], i * 3);
  }
  const r = pca(data, rows, 3, 2);
  assert.ok(r.variance[0] > 0.999, String(r.variance));
  assert.ok(r.variance[1] < 0.001);
  // The first coordinate is the position along the line (up to sign): |pc1| ≈ |t|.
  for (let i = 0; i < rows; i += 50) {
    const t = Math.hypot(data[i * 3], data[i * 3 + 1]);
    const mean = 0; // t is centred (uniform around 0) within sampling error
    assert.ok(Math.abs(Math.abs(r.positions[i * 3]) - Math.abs(t - mean)) < 3, `${r.positions[i * 3]} vs ${t}`);
  }
  assert.equal(r.positions[2], 0, 'z is 0 in a 2-D projection');
});

it('nearest neighbours agree with a brute-force sort, for cosine and euclidean', () => {
  const rnd = seeded(9);
  const rows = 300;
  const cols = 7;
  const data = Float32Array.from({ length: rows * cols }, () => rnd() - 0.5);
  const row = (i: number): number[] => Array.from(data.subarray(i * cols, i * cols + cols));
  const dist = (a: number[], b: number[], m: 'cosine' | 'euclidean'): number => {
    if (m === 'euclidean') return Math.hypot(...a.map((x, k) => x - b[k]));
    const dot = a.reduce((s, x, k) => s + x * b[k], 0);
    return 1 - dot / (Math.hypot(...a) * Math.hypot(...b));
  };
  for (const metric of ['cosine', 'euclidean'] as const) {
    for (const of of [0, 17, 299]) {
      const oracle = [...Array(rows).keys()].filter((i) => i !== of).sort((a, b) => dist(row(a), row(of), metric) - dist(row(b), row(of), metric)).slice(0, 10);
      assert.deepEqual(nearest(data, rows, cols, of, 10, metric).map((n) => n.index), oracle, `${metric} ${of}`);
    }
  }
});

it('t-SNE keeps two far-apart clusters apart', () => {
  const rnd = seeded(5);
  const rows = 60;
  const cols = 10;
  const data = Float32Array.from({ length: rows * cols }, (_, k) => (Math.floor(k / cols) < 30 ? 0 : 20) + rnd());
  const t = new Tsne(data, rows, cols, 2, 10);
  for (let i = 0; i < 300; i++) t.step();
  const centre = (from: number): number[] => [0, 1].map((c) => Array.from({ length: 30 }, (_, j) => t.positions[(from + j) * 3 + c]).reduce((a, b) => a + b, 0) / 30);
  const spread = (from: number, m: number[]): number => Math.max(...Array.from({ length: 30 }, (_, j) => Math.hypot(t.positions[(from + j) * 3] - m[0], t.positions[(from + j) * 3 + 1] - m[1])));
  const a = centre(0);
  const b = centre(30);
  assert.ok(Math.hypot(a[0] - b[0], a[1] - b[1]) > 2 * Math.max(spread(0, a), spread(30, b)), 'clusters separate');
});

it('samples evenly and never more than asked', () => {
  assert.deepEqual([...sampleIndices(5, 10)], [0, 1, 2, 3, 4]);
  assert.deepEqual([...sampleIndices(10, 4)], [0, 2, 5, 7]);
});
