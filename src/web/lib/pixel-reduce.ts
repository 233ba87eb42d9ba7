// Reduces a sorted series to what a chart `buckets` pixels wide can show, so a 1,000,000-point
// series draws as fast as a 4,000-point one. Each pixel column keeps its first and last point and,
// for every y series given, the points holding its minimum and maximum: the drawn envelope (spikes
// included) is identical to drawing every point. Hand-written single pass because it runs on every
// zoom and every refresh of every visible chart.

/**
 * Indices (ascending) of the points of `xs` to draw for the x range [xMin, xMax]. One point on each
 * side outside the range is kept too so lines run to the chart's edges. Non-finite y values are
 * never chosen as a minimum or maximum.
 */
export function pixelReduce(
  xs: ArrayLike<number>,
  ysList: ReadonlyArray<ArrayLike<number>>,
  xMin: number,
  xMax: number,
  buckets: number,
): Uint32Array {
  const n = xs.length;
  if (n === 0) return new Uint32Array(0);
  let lo = lowerBound(xs, xMin);
  let hi = upperBound(xs, xMax); // exclusive
  if (lo > 0) lo--;
  if (hi < n) hi++;
  const count = hi - lo;
  const cols = Math.max(1, Math.floor(buckets));
  if (count <= cols * 4) {
    const all = new Uint32Array(count);
    for (let i = 0; i < count; i++) all[i] = lo + i;
    return all;
  }
  const span = xMax - xMin;
  const picked = new Uint8Array(count);
  const pick = (i: number): void => {
    if (i >= 0) picked[i - lo] = 1;
  };
  // Walk column by column: each column's end is found by comparing x against its right edge, so
  // the inner loops only compare values (no division or flooring per point).
  let i = lo;
  for (let c = 0; i < hi; c++) {
    const edge = c >= cols - 1 || span <= 0 ? Infinity : xMin + ((c + 1) * span) / cols;
    const start = i;
    while (i < hi && xs[i] < edge) i++;
    if (i === start) continue;
    pick(start);
    pick(i - 1);
    for (const ys of ysList) {
      let mi = -1;
      let ma = -1;
      let vmin = Infinity;
      let vmax = -Infinity;
      for (let j = start; j < i; j++) {
        const y = ys[j];
        if (y - y !== 0) continue; // NaN or ±Infinity: never a column's extreme
        if (y < vmin) { vmin = y; mi = j; }
        if (y > vmax) { vmax = y; ma = j; }
      }
      pick(mi);
      pick(ma);
    }
  }
  let m = 0;
  for (let k = 0; k < count; k++) m += picked[k];
  const out = new Uint32Array(m);
  let j = 0;
  for (let k = 0; k < count; k++) if (picked[k]) out[j++] = lo + k;
  return out;
}

/** First index with xs[i] >= x. */
export function lowerBound(xs: ArrayLike<number>, x: number): number {
  let a = 0;
  let b = xs.length;
  while (a < b) {
    const mid = (a + b) >>> 1;
    if (xs[mid] < x) a = mid + 1;
    else b = mid;
  }
  return a;
}

/** First index with xs[i] > x. */
export function upperBound(xs: ArrayLike<number>, x: number): number {
  let a = 0;
  let b = xs.length;
  while (a < b) {
    const mid = (a + b) >>> 1;
    if (xs[mid] <= x) a = mid + 1;
    else b = mid;
  }
  return a;
}

/** Index of the point whose x is nearest to `x` (xs sorted ascending, non-empty). */
export function nearestIndex(xs: ArrayLike<number>, x: number): number {
  const i = lowerBound(xs, x);
  if (i <= 0) return 0;
  if (i >= xs.length) return xs.length - 1;
  return x - xs[i - 1] <= xs[i] - x ? i - 1 : i;
}
