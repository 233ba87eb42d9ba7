// Distributions are histograms compressed to nine basis points (the normal distribution's
// −∞, −1.5σ, −σ, −0.5σ, 0, 0.5σ, σ, 1.5σ, +∞ quantiles), computed as TensorBoard's compressor
// does — cumulative weights, linear interpolation inside the bucket a basis point falls in — so
// the bands match TensorBoard's for the same histogram.

export const NORMAL_HISTOGRAM_BPS = [0, 668, 1587, 3085, 5000, 6915, 8413, 9332, 10000] as const;

function lerp(x: number, x0: number, x1: number, y0: number, y1: number): number {
  return y0 + ((x - x0) * (y1 - y0)) / (x1 - x0);
}

/** `buckets`: flat [left, right, count, …]. Returns [[basis_point, value] × 9]. */
export function compressHistogram(buckets: ArrayLike<number>, bps: readonly number[] = NORMAL_HISTOGRAM_BPS): [number, number][] {
  const k = Math.floor(buckets.length / 3);
  if (k === 0) return bps.map((b) => [b, 0]);
  const minmin = buckets[0];
  const maxmax = buckets[(k - 1) * 3 + 1];
  let total = 0;
  for (let i = 0; i < k; i++) total += buckets[i * 3 + 2];
  const scale = bps[bps.length - 1] / (total || 1);
  const weights = new Float64Array(k);
  let acc = 0;
  for (let i = 0; i < k; i++) {
    acc += buckets[i * 3 + 2] * scale;
    weights[i] = acc;
  }
  const result: [number, number][] = [];
  let bp = 0;
  outer: while (bp < bps.length) {
    // searchsorted(weights, bps[bp], side="right")
    let lo = 0;
    let hi = k;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (weights[mid] <= bps[bp]) lo = mid + 1;
      else hi = mid;
    }
    let i = lo;
    while (i < k) {
      const cumsum = weights[i];
      const prev = i > 0 ? weights[i - 1] : 0;
      if (cumsum === prev) {
        i++;
        continue;
      }
      const lhs = i === 0 || prev === 0 ? minmin : Math.max(buckets[(i - 1) * 3 + 1], minmin);
      const rhs = Math.min(buckets[i * 3 + 1], maxmax);
      result.push([bps[bp], lerp(bps[bp], prev, cumsum, lhs, rhs)]);
      bp++;
      continue outer;
    }
    break;
  }
  while (bp < bps.length) result.push([bps[bp++], maxmax]);
  return result;
}
