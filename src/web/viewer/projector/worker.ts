// The projector's worker: holds one embedding and computes projections (PCA, t-SNE, UMAP) and
// nearest neighbours off the page's thread. Invariant: one job at a time; a new `project` request
// cancels the iterative one running (t-SNE and UMAP yield between batches of steps, so a cancel
// lands within one batch), and every answer names the request id it belongs to.
import { UMAP } from 'umap-js';
import { nearest, pca, sampleIndices, takeRows, Tsne, type Metric } from './math.js';

export type Method = 'pca' | 'tsne' | 'umap';

export type WorkerRequest =
  | { type: 'load'; data: Float32Array; rows: number; cols: number }
  | { type: 'project'; id: number; method: Method; dims: 2 | 3 }
  | { type: 'neighbors'; id: number; index: number; k: number; metric: Metric };

export type WorkerAnswer =
  | {
      type: 'projection';
      id: number;
      method: Method;
      /** rows × 3 positions; rows not in `sample` (t-SNE, UMAP) are NaN. */
      positions: Float32Array;
      /** Done iterating (always for PCA). */
      done: boolean;
      iteration: number;
      /** Compute time so far, ms (worker clock). */
      ms: number;
      variance?: number[];
      sampled: number;
    }
  | { type: 'neighbors'; id: number; index: number; neighbors: { index: number; distance: number }[] }
  | { type: 'error'; id: number; message: string };

/** TensorBoard's projector samples t-SNE and UMAP too; exact t-SNE is O(s²) per iteration. */
export const TSNE_SAMPLE = 2_000;
export const UMAP_SAMPLE = 5_000;
const TSNE_ITERATIONS = 500;

interface Ctx {
  postMessage(message: WorkerAnswer, transfer?: Transferable[]): void;
  onmessage: ((ev: MessageEvent<WorkerRequest>) => void) | null;
}
const ctx = self as unknown as Ctx;

let data: Float32Array = new Float32Array(0);
let rows = 0;
let cols = 0;
let current = 0;

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

function scatter(sample: Int32Array, pos: Float32Array | number[][], dims: number): Float32Array {
  const out = new Float32Array(rows * 3).fill(NaN);
  for (let j = 0; j < sample.length; j++) {
    for (let c = 0; c < 3; c++) {
      const v = c >= dims ? 0 : Array.isArray(pos) ? pos[j][c] : pos[j * 3 + c];
      out[sample[j] * 3 + c] = v;
    }
  }
  return out;
}

async function project(id: number, method: Method, dims: 2 | 3): Promise<void> {
  const t0 = performance.now();
  if (method === 'pca') {
    const r = pca(data, rows, cols, dims);
    ctx.postMessage({ type: 'projection', id, method, positions: r.positions, done: true, iteration: 0, ms: performance.now() - t0, variance: r.variance, sampled: rows }, [r.positions.buffer]);
    return;
  }
  if (method === 'tsne') {
    const sample = sampleIndices(rows, TSNE_SAMPLE);
    const t = new Tsne(takeRows(data, cols, sample), sample.length, cols, dims);
    while (t.iteration < TSNE_ITERATIONS) {
      const batchEnd = performance.now() + 100;
      while (t.iteration < TSNE_ITERATIONS && performance.now() < batchEnd) t.step();
      const done = t.iteration >= TSNE_ITERATIONS;
      const positions = scatter(sample, t.positions, dims);
      ctx.postMessage({ type: 'projection', id, method, positions, done, iteration: t.iteration, ms: performance.now() - t0, sampled: sample.length }, [positions.buffer]);
      await tick();
      if (current !== id) return;
    }
    return;
  }
  const sample = sampleIndices(rows, UMAP_SAMPLE);
  const sub = takeRows(data, cols, sample);
  const vectors: number[][] = [];
  for (let j = 0; j < sample.length; j++) vectors.push(Array.from(sub.subarray(j * cols, j * cols + cols)));
  let s = 12345;
  const random = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const umap = new UMAP({ nComponents: dims, nNeighbors: Math.max(2, Math.min(15, sample.length - 1)), minDist: 0.1, random });
  const epochs = umap.initializeFit(vectors);
  await tick();
  if (current !== id) return;
  let epoch = 0;
  while (epoch < epochs) {
    const batchEnd = performance.now() + 100;
    while (epoch < epochs && performance.now() < batchEnd) epoch = umap.step();
    const done = epoch >= epochs;
    const positions = scatter(sample, umap.getEmbedding(), dims);
    ctx.postMessage({ type: 'projection', id, method, positions, done, iteration: epoch, ms: performance.now() - t0, sampled: sample.length }, [positions.buffer]);
    await tick();
    if (current !== id) return;
  }
}

ctx.onmessage = (ev) => {
  const m = ev.data;
  if (m.type === 'load') {
    data = m.data;
    rows = m.rows;
    cols = m.cols;
    current = 0;
    return;
  }
  if (m.type === 'project') {
    current = m.id;
    project(m.id, m.method, m.dims).catch((err: unknown) => ctx.postMessage({ type: 'error', id: m.id, message: err instanceof Error ? err.message : String(err) }));
    return;
  }
  try {
    ctx.postMessage({ type: 'neighbors', id: m.id, index: m.index, neighbors: nearest(data, rows, cols, m.index, m.k, m.metric) });
  } catch (err) {
    ctx.postMessage({ type: 'error', id: m.id, message: err instanceof Error ? err.message : String(err) });
  }
};
