// Reduces a sorted series to what a chart `buckets` pixels wide can show, so a 1,000,000-point
// series draws as fast as a 4,000-point one. Each pixel column keeps its first and last point and,
// for every y series given, the points holding its minimum and maximum: the drawn envelope (spikes
// included) is identical to drawing every point. Hand-written single pass because it runs on every
// zoom and every refresh of every visible chart.

/** Which points of a range to keep: index `lo + k` is kept when `marks[k]` is 1. */
export interface PixelMarks {
  lo: number;
  marks: Uint8Array;
}

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
  return marksToIndices([pixelMarks(xs, ysList, xMin, xMax, buckets)]);
}

/**
 * The marks behind pixelReduce. Marks of different y series over the same xs, range and buckets
 * cover the same points and can be united (marksToIndices), so a chart reduces an unchanged raw
 * series once and only the re-smoothed one again when the smoothing weight moves.
 */
export function pixelMarks(
  xs: ArrayLike<number>,
  ysList: ReadonlyArray<ArrayLike<number>>,
  xMin: number,
  xMax: number,
  buckets: number,
): PixelMarks {
  const n = xs.length;
  let lo = lowerBound(xs, xMin);
  let hi = upperBound(xs, xMax); // exclusive
  if (lo > 0) lo--;
  if (hi < n) hi++;
  const count = Math.max(0, hi - lo);
  const cols = Math.max(1, Math.floor(buckets));
  const marks = new Uint8Array(count);
  if (count <= cols * 4) {
    marks.fill(1);
    return { lo, marks };
  }
  const span = xMax - xMin;
  // Walk column by column: each column's end is found by comparing x against its right edge, so
  // the inner loops only compare values (no division or flooring per point).
  let i = lo;
  for (let c = 0; i < hi; c++) {
    const edge = c >= cols - 1 || span <= 0 ? Infinity : xMin + ((c + 1) * span) / cols;
    const start = i;
    while (i < hi && xs[i] < edge) i++;
    if (i === start) continue;
    marks[start - lo] = 1;
    marks[i - 1 - lo] = 1;
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
      if (mi >= 0) marks[mi - lo] = 1;
      if (ma >= 0) marks[ma - lo] = 1;
    }
  }
  return { lo, marks };
}

/** Ascending indices kept by any of `parts` (all made over the same xs, range and buckets). */
export function marksToIndices(parts: ReadonlyArray<PixelMarks>): Uint32Array {
  if (parts.length === 0) return new Uint32Array(0);
  const { lo } = parts[0];
  let marks = parts[0].marks;
  if (parts.length > 1) {
    marks = Uint8Array.from(marks);
    for (let p = 1; p < parts.length; p++) {
      const other = parts[p].marks;
      for (let k = 0; k < marks.length; k++) marks[k] |= other[k];
    }
  }
  let m = 0;
  for (let k = 0; k < marks.length; k++) m += marks[k];
  const out = new Uint32Array(m);
  let j = 0;
  for (let k = 0; j < m; k++) if (marks[k]) out[j++] = lo + k;
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
