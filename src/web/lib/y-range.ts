// The y range a chart shows. Auto: every finite value in the x range, padded 5 %. Ignoring
// outliers: TensorBoard's rule, the 5th to 95th percentile of the values shown, so one spike no
// longer flattens every curve. Percentiles come from at most SAMPLE values spread evenly over each
// series (a 1,000,000-point run does not sort a million numbers per redraw); extremes matter only
// in the auto range, which is exact.

const SAMPLE = 200_000;

export interface YSource {
  xs: Float64Array;
  ys: ArrayLike<number>[];
}

/** [lo, hi) index window of xs (sorted) inside [x0, x1]. */
function window(xs: Float64Array, x0: number, x1: number): [number, number] {
  let a = 0;
  let b = xs.length;
  while (a < b) { const m = (a + b) >>> 1; if (xs[m] < x0) a = m + 1; else b = m; }
  const lo = a;
  b = xs.length;
  while (a < b) { const m = (a + b) >>> 1; if (xs[m] <= x1) a = m + 1; else b = m; }
  return [lo, a];
}

function ok(v: number, log: boolean): boolean {
  return v - v === 0 && (!log || v > 0);
}

/** Min and max of the values with x in [x0, x1]; undefined when there is none. */
export function extentIn(src: YSource, x0: number, x1: number, log: boolean): [number, number] | undefined {
  const [a, b] = window(src.xs, x0, x1);
  let lo = Infinity;
  let hi = -Infinity;
  for (const ys of src.ys) {
    for (let i = a; i < b; i++) {
      const v = ys[i];
      if (!ok(v, log)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo <= hi ? [lo, hi] : undefined;
}

/** The 5th and 95th percentiles of every source's values with x in [x0, x1]. */
export function quantileRange(sources: YSource[], x0: number, x1: number, log: boolean, q = 0.05): [number, number] | undefined {
  let total = 0;
  const windows = sources.map((s) => {
    const w = window(s.xs, x0, x1);
    total += (w[1] - w[0]) * s.ys.length;
    return w;
  });
  if (total === 0) return undefined;
  const stride = Math.max(1, Math.ceil(total / SAMPLE));
  const vals = new Float64Array(Math.ceil(total / stride) + sources.length * 2);
  let n = 0;
  sources.forEach((s, k) => {
    const [a, b] = windows[k];
    for (const ys of s.ys) {
      for (let i = a; i < b; i += stride) {
        const v = ys[i];
        if (ok(v, log) && n < vals.length) vals[n++] = v;
      }
    }
  });
  if (n === 0) return undefined;
  const sorted = vals.subarray(0, n).sort();
  const at = (p: number): number => {
    const pos = (n - 1) * p;
    const i = Math.floor(pos);
    const f = pos - i;
    return i + 1 < n ? sorted[i] * (1 - f) + sorted[i + 1] * f : sorted[i];
  };
  return [at(q), at(1 - q)];
}

/** A range with room around the data; a single value gets a band around it. */
export function padded([lo, hi]: [number, number], log: boolean): [number, number] {
  if (log) {
    const a = Math.log10(lo);
    const b = Math.log10(hi);
    const pad = b > a ? (b - a) * 0.05 : 0.5;
    return [10 ** (a - pad), 10 ** (b + pad)];
  }
  if (hi === lo) {
    const d = Math.abs(lo) * 0.1 || 1;
    return [lo - d, hi + d];
  }
  const pad = (hi - lo) * 0.05;
  return [lo - pad, hi + pad];
}
