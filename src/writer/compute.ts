// What PyTorch computes before writing a histogram or a PR curve, from raw values. Invariant: pure
// functions of their inputs (the encoder writes whatever they return).
import type { RawHistogram } from './types.js';

export function bucketize(values: ArrayLike<number>, bins: number): RawHistogram {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sumSquares = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    sumSquares += v * v;
  }
  if (values.length === 0) min = max = 0;
  const n = Math.max(1, Math.floor(bins));
  const width = (max - min) / n || 1;
  const counts = new Array<number>(n).fill(0);
  for (let i = 0; i < values.length; i++) counts[Math.min(n - 1, Math.floor((values[i] - min) / width))]++;
  const limits: number[] = [];
  for (let i = 1; i <= n; i++) limits.push(i === n ? max : min + i * width);
  return { min, max, num: values.length, sum, sumSquares, bucketLimits: limits, bucketCounts: counts };
}

/** TensorBoard's pr_curve summary computation: thresholds i/(n-1), counts per threshold. */
export function prCurveData(labels: ArrayLike<number | boolean>, predictions: ArrayLike<number>, n: number): Float64Array {
  const tpBuckets = new Float64Array(n);
  const fpBuckets = new Float64Array(n);
  for (let i = 0; i < predictions.length; i++) {
    const b = Math.min(n - 1, Math.max(0, Math.floor(predictions[i] * (n - 1))));
    if (labels[i]) tpBuckets[b]++;
    else fpBuckets[b]++;
  }
  const out = new Float64Array(6 * n);
  let tp = 0;
  let fp = 0;
  for (let i = n - 1; i >= 0; i--) {
    tp += tpBuckets[i];
    fp += fpBuckets[i];
    out[i] = tp;
    out[n + i] = fp;
  }
  const totalTp = out[0];
  const totalFp = out[n];
  for (let i = 0; i < n; i++) {
    const tpi = out[i];
    const fpi = out[n + i];
    out[2 * n + i] = totalFp - fpi;
    out[3 * n + i] = totalTp - tpi;
    out[4 * n + i] = tpi / Math.max(1e-7, tpi + fpi);
    out[5 * n + i] = tpi / Math.max(1e-7, totalTp);
  }
  return out;
}
