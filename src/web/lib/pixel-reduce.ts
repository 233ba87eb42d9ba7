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
  const scale = span > 0 ? cols / span : 0;
  const picked = new Uint8Array(count);
  const k = ysList.length;
  const minIdx = new Int32Array(k);
  const maxIdx = new Int32Array(k);
  let col = -2;
  let firstOfCol = -1;
  let lastOfCol = -1;
  const flush = (): void => {
    if (firstOfCol < 0) return;
    picked[firstOfCol - lo] = 1;
    picked[lastOfCol - lo] = 1;
    for (let s = 0; s < k; s++) {
      if (minIdx[s] >= 0) picked[minIdx[s] - lo] = 1;
      if (maxIdx[s] >= 0) picked[maxIdx[s] - lo] = 1;
    }
  };
  for (let i = lo; i < hi; i++) {
    let c = Math.floor((xs[i] - xMin) * scale);
    if (c < 0) c = -1;
    else if (c >= cols) c = cols;
    if (c !== col) {
      flush();
      col = c;
      firstOfCol = i;
      minIdx.fill(-1);
      maxIdx.fill(-1);
    }
    lastOfCol = i;
    for (let s = 0; s < k; s++) {
      const y = ysList[s][i];
      if (!Number.isFinite(y)) continue;
      if (minIdx[s] < 0 || y < ysList[s][minIdx[s]]) minIdx[s] = i;
      if (maxIdx[s] < 0 || y > ysList[s][maxIdx[s]]) maxIdx[s] = i;
    }
  }
  flush();
  let m = 0;
  for (let i = 0; i < count; i++) m += picked[i];
  const out = new Uint32Array(m);
  let j = 0;
  for (let i = 0; i < count; i++) if (picked[i]) out[j++] = lo + i;
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
