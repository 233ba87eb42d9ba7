// The projector's numerics, free of the DOM so the worker and Node tests share them: PCA (the
// covariance of the centred data, d × d, and its top eigenvectors by power iteration with
// deflation: d is a few hundred at most, so this is O(n·d² + k·iters·d²), ~0.1 s for 10,000 × 128),
// exact t-SNE on a sample (O(s²) per iteration), and nearest neighbours in the original space.
// Invariant: inputs are never modified; outputs are fresh arrays of n × 3 (z = 0 in 2-D).

export interface Pca {
  /** n × 3 positions (components beyond `dims` are 0). */
  positions: Float32Array;
  /** Fraction of the total variance each of the `dims` components explains. */
  variance: number[];
}

/** Top `dims` (≤ 3) principal components of rows × cols `data`. */
export function pca(data: Float32Array, rows: number, cols: number, dims: number): Pca {
  const mean = new Float64Array(cols);
  for (let i = 0; i < rows; i++) for (let k = 0; k < cols; k++) mean[k] += data[i * cols + k];
  for (let k = 0; k < cols; k++) mean[k] /= rows || 1;
  // Covariance, upper triangle accumulated row by row (one centred row at a time).
  const cov = new Float64Array(cols * cols);
  const x = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let k = 0; k < cols; k++) x[k] = data[o + k] - mean[k];
    for (let a = 0; a < cols; a++) {
      const xa = x[a];
      if (xa === 0) continue;
      const r = a * cols;
      for (let b = a; b < cols; b++) cov[r + b] += xa * x[b];
    }
  }
  let trace = 0;
  for (let a = 0; a < cols; a++) {
    for (let b = a; b < cols; b++) cov[b * cols + a] = cov[a * cols + b];
    trace += cov[a * cols + a];
  }
  const comps: Float64Array[] = [];
  const variance: number[] = [];
  const v = new Float64Array(cols);
  const w = new Float64Array(cols);
  for (let c = 0; c < Math.min(dims, cols); c++) {
    // A fixed, non-degenerate start so the same data projects the same way every time.
    for (let k = 0; k < cols; k++) v[k] = 1 + ((k * 7919 + c * 104729) % 97) / 97;
    let lambda = 0;
    for (let it = 0; it < 500; it++) {
      for (let a = 0; a < cols; a++) {
        let s = 0;
        const r = a * cols;
        for (let b = 0; b < cols; b++) s += cov[r + b] * v[b];
        w[a] = s;
      }
      for (const p of comps) {
        let d = 0;
        for (let k = 0; k < cols; k++) d += w[k] * p[k];
        for (let k = 0; k < cols; k++) w[k] -= d * p[k];
      }
      let norm = 0;
      for (let k = 0; k < cols; k++) norm += w[k] * w[k];
      norm = Math.sqrt(norm);
      if (norm === 0) break;
      let delta = 0;
      for (let k = 0; k < cols; k++) {
        const nv = w[k] / norm;
        delta += Math.abs(nv - v[k]);
        v[k] = nv;
      }
      lambda = norm;
      if (delta < 1e-9 * cols) break;
    }
    comps.push(Float64Array.from(v));
    variance.push(trace > 0 ? lambda / trace : 0);
  }
  const positions = new Float32Array(rows * 3);
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let c = 0; c < comps.length; c++) {
      const p = comps[c];
      let s = 0;
      for (let k = 0; k < cols; k++) s += (data[o + k] - mean[k]) * p[k];
      positions[i * 3 + c] = s;
    }
  }
  return { positions, variance };
}

export type Metric = 'cosine' | 'euclidean';

export interface Neighbor {
  index: number;
  distance: number;
}

/** The `k` points nearest to point `of` in the original space (itself excluded), nearest first. */
export function nearest(data: Float32Array, rows: number, cols: number, of: number, k: number, metric: Metric): Neighbor[] {
  const q = data.subarray(of * cols, of * cols + cols);
  let qn = 0;
  for (let t = 0; t < cols; t++) qn += q[t] * q[t];
  qn = Math.sqrt(qn);
  const best: Neighbor[] = [];
  for (let i = 0; i < rows; i++) {
    if (i === of) continue;
    const o = i * cols;
    let d: number;
    if (metric === 'euclidean') {
      let s = 0;
      for (let t = 0; t < cols; t++) {
        const e = data[o + t] - q[t];
        s += e * e;
      }
      d = Math.sqrt(s);
    } else {
      let dot = 0;
      let n = 0;
      for (let t = 0; t < cols; t++) {
        dot += data[o + t] * q[t];
        n += data[o + t] * data[o + t];
      }
      const den = Math.sqrt(n) * qn;
      d = den > 0 ? 1 - dot / den : 1;
    }
    if (best.length < k || d < best[best.length - 1].distance) {
      let at = best.length < k ? best.length : best.length - 1;
      if (best.length < k) best.push({ index: i, distance: d });
      while (at > 0 && best[at - 1].distance > d) {
        best[at] = best[at - 1];
        at--;
      }
      best[at] = { index: i, distance: d };
    }
  }
  return best;
}

/** Evenly spaced indices of at most `cap` of `n` points (t-SNE and UMAP run on a sample, as TensorBoard's do). */
export function sampleIndices(n: number, cap: number): Int32Array {
  if (n <= cap) return Int32Array.from({ length: n }, (_, i) => i);
  return Int32Array.from({ length: cap }, (_, i) => Math.floor((i * n) / cap));
}

/** Rows `idx` of `data` as a new matrix. */
export function takeRows(data: Float32Array, cols: number, idx: Int32Array): Float32Array {
  const out = new Float32Array(idx.length * cols);
  for (let j = 0; j < idx.length; j++) out.set(data.subarray(idx[j] * cols, idx[j] * cols + cols), j * cols);
  return out;
}

/**
 * Exact t-SNE (van der Maaten & Hinton, 2008) over rows × cols `data`: perplexity-calibrated
 * affinities, early exaggeration for the first 100 iterations, momentum 0.5 then 0.8. `step()`
 * runs one iteration; positions are rows × 3.
 */
export class Tsne {
  readonly positions: Float32Array;
  private readonly p: Float64Array;
  private readonly gains: Float64Array;
  private readonly update: Float64Array;
  private readonly num: Float64Array;
  iteration = 0;

  constructor(
    data: Float32Array,
    private readonly n: number,
    cols: number,
    private readonly dims: number,
    perplexity = 30,
    seed = 1,
  ) {
    const d2 = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        let s = 0;
        for (let t = 0; t < cols; t++) {
          const e = data[i * cols + t] - data[j * cols + t];
          s += e * e;
        }
        d2[i * n + j] = d2[j * n + i] = s;
      }
    }
    const perp = Math.min(perplexity, Math.max(1, (n - 1) / 3));
    const target = Math.log(perp);
    const cond = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      let lo = 0;
      let hi = Infinity;
      let beta = 1;
      for (let it = 0; it < 60; it++) {
        let sum = 0;
        let h = 0;
        for (let j = 0; j < n; j++) {
          if (j === i) continue;
          const pj = Math.exp(-d2[i * n + j] * beta);
          cond[i * n + j] = pj;
          sum += pj;
        }
        if (sum === 0) sum = 1e-12;
        for (let j = 0; j < n; j++) {
          if (j === i) continue;
          const pj = cond[i * n + j] / sum;
          cond[i * n + j] = pj;
          if (pj > 1e-12) h -= pj * Math.log(pj);
        }
        if (Math.abs(h - target) < 1e-5) break;
        if (h > target) {
          lo = beta;
          beta = hi === Infinity ? beta * 2 : (beta + hi) / 2;
        } else {
          hi = beta;
          beta = (beta + lo) / 2;
        }
      }
    }
    this.p = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) this.p[i * n + j] = Math.max((cond[i * n + j] + cond[j * n + i]) / (2 * n), 1e-12);
    let s = seed >>> 0;
    const rnd = (): number => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 4294967296 - 0.5;
    };
    this.positions = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) for (let c = 0; c < dims; c++) this.positions[i * 3 + c] = rnd() * 1e-3;
    this.gains = new Float64Array(n * 3).fill(1);
    this.update = new Float64Array(n * 3);
    this.num = new Float64Array(n * n);
  }

  step(): void {
    const { n, dims, positions: y, p, num } = this;
    const exaggeration = this.iteration < 100 ? 4 : 1;
    const momentum = this.iteration < 250 ? 0.5 : 0.8;
    let z = 0;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        let d = 0;
        for (let c = 0; c < dims; c++) {
          const e = y[i * 3 + c] - y[j * 3 + c];
          d += e * e;
        }
        const q = 1 / (1 + d);
        num[i * n + j] = num[j * n + i] = q;
        z += 2 * q;
      }
    }
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < dims; c++) {
        let g = 0;
        for (let j = 0; j < n; j++) {
          if (j === i) continue;
          const q = num[i * n + j];
          g += 4 * (exaggeration * p[i * n + j] - q / z) * q * (y[i * 3 + c] - y[j * 3 + c]);
        }
        const k = i * 3 + c;
        this.gains[k] = Math.sign(g) !== Math.sign(this.update[k]) ? this.gains[k] + 0.2 : Math.max(0.01, this.gains[k] * 0.8);
        this.update[k] = momentum * this.update[k] - 200 * this.gains[k] * g;
      }
    }
    for (let c = 0; c < dims; c++) {
      let mean = 0;
      for (let i = 0; i < n; i++) {
        y[i * 3 + c] += this.update[i * 3 + c];
        mean += y[i * 3 + c];
      }
      mean /= n;
      for (let i = 0; i < n; i++) y[i * 3 + c] -= mean;
    }
    this.iteration++;
  }
}
