// Histogram logic without the DOM (tested under Node): rebinning a histogram's buckets onto equal
// bins, choosing which steps to draw, and which step the pointer is on in each mode. Invariant:
// counts are only moved between bins in proportion to overlap, never created or lost inside
// [lo, hi]; the newest step is always among those drawn.

export type Buckets = Array<[number, number, number]>;

/**
 * Spreads a histogram's counts over `bins` equal-width bins of [lo, hi], each bucket's count
 * shared in proportion to its overlap. Writers use exponentially spaced buckets (tiny ones near
 * zero), so drawing raw bucket densities gives needles; TensorBoard rebins the same way. [lo, hi]
 * is meant to hold every bucket (extent() below): each count lands whole in the bins.
 */
export function rebin(buckets: Buckets, lo: number, hi: number, bins: number): Float64Array {
  const out = new Float64Array(bins);
  const width = (hi - lo) / bins;
  if (!(width > 0)) {
    // A range too narrow to split (its bin width underflows): one bin holds everything.
    for (const [l, r, c] of buckets) if (Number.isFinite(l) && Number.isFinite(r) && c > 0 && bins > 0) out[0] += c;
    return out;
  }
  const shares: number[] = [];
  for (const [l, r, c] of buckets) {
    if (!Number.isFinite(l) || !Number.isFinite(r) || !(c > 0)) continue;
    const first = binOf(l, lo, hi, bins);
    const last = Math.max(first, binOf(r, lo, hi, bins));
    // Overlaps as weights, normalised: rounding at bin edges (or a bucket of zero width) moves a
    // count to a neighbouring bin, never drops it.
    let sum = 0;
    shares.length = 0;
    for (let b = first; b <= last; b++) {
      const b0 = lo + b * width;
      const w = r > l ? Math.max(0, Math.min(r, b0 + width) - Math.max(l, b0)) : 0;
      shares.push(w);
      sum += w;
    }
    if (!(sum > 0)) {
      out[binOf((l + r) / 2, lo, hi, bins)] += c;
      continue;
    }
    for (let b = first; b <= last; b++) out[b] += (c * shares[b - first]) / sum;
  }
  return out;
}

/** Evenly spaced items, always keeping the first and the newest (last). */
export function pickEvenly<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return items.slice();
  if (max <= 1) return items.slice(-1);
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(items[Math.round((i * (items.length - 1)) / (max - 1))]);
  return out;
}

/** The [lo, hi] every drawn histogram fits in: the finite edges of buckets that hold something. */
export function extent(all: readonly Buckets[]): [number, number] | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (const buckets of all) {
    for (const [l, r, c] of buckets) {
      if (!Number.isFinite(l) || !Number.isFinite(r) || !(c > 0)) continue;
      lo = Math.min(lo, l);
      hi = Math.max(hi, r);
    }
  }
  return hi > lo ? [lo, hi] : undefined;
}

/**
 * Overlay mode: the step whose curve passes nearest `value` at bin `k` (all curves share one
 * count axis there). Ties go to the newest, which is drawn on top.
 */
export function overlayPick(binned: readonly Float64Array[], k: number, value: number): number {
  let best = -1;
  let bestD = Infinity;
  for (let i = 0; i < binned.length; i++) {
    const d = Math.abs(binned[i][k] - value);
    if (d <= bestD) {
      bestD = d;
      best = i;
    }
  }
  return best;
}

/** The bin of [lo, hi] a value falls in, clamped to the bins. */
export function binOf(v: number, lo: number, hi: number, bins: number): number {
  const b = Math.floor(((v - lo) / (hi - lo)) * bins);
  return Number.isFinite(b) ? Math.min(bins - 1, Math.max(0, b)) : 0;
}
