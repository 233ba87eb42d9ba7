// §4's rule for long series: up to `limit` points are returned whole; a longer series is cut into
// limit/4 equal runs of consecutive samples and each keeps its first, last, minimum and maximum,
// in sample order. So every spike survives (a chart drawn from it has the same envelope as one
// drawn from every sample), the first and last samples are always present, and the output never
// exceeds `limit` points. Hand-written over the engine's typed arrays: it runs on every request
// for a 1,000,000-point tag, so it makes one pass and allocates only the result.

export const DEFAULT_SAMPLE_LIMIT = 10_000;

/**
 * Indices (ascending) of the samples to send, or undefined when all `n` fit in `limit`.
 * NaN values never win a minimum or maximum; a bucket of only NaN keeps its first and last.
 */
export function downsampleIndices(values: ArrayLike<number>, n: number, limit: number): Uint32Array | undefined {
  if (n <= limit) return undefined;
  if (limit <= 0) return new Uint32Array(0);
  if (limit < 4) {
    // Too few for min/max: the first, the last, and evenly spaced ones between.
    const out = new Uint32Array(limit);
    for (let k = 0; k < limit; k++) out[k] = limit === 1 ? 0 : Math.round((k * (n - 1)) / (limit - 1));
    return out;
  }
  const buckets = Math.floor(limit / 4);
  const out = new Uint32Array(buckets * 4);
  let m = 0;
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor((b * n) / buckets);
    const end = Math.floor(((b + 1) * n) / buckets); // exclusive
    if (end <= start) continue;
    let minI = -1;
    let maxI = -1;
    let minV = Infinity;
    let maxV = -Infinity;
    // The hot loop: plain comparisons only (NaN fails both, so it never wins).
    for (let i = start; i < end; i++) {
      const v = values[i];
      if (v < minV) {
        minV = v;
        minI = i;
      }
      if (v > maxV) {
        maxV = v;
        maxI = i;
      }
    }
    // A bucket whose values are all +Infinity (or all -Infinity) never beat the sentinels.
    if (minI < 0) minI = firstEqual(values, start, end, Infinity);
    if (maxI < 0) maxI = firstEqual(values, start, end, -Infinity);
    const last = end - 1;
    // Emit first, min, max, last in index order without duplicates.
    let a = minI < 0 ? start : minI;
    let c = maxI < 0 ? start : maxI;
    if (a > c) [a, c] = [c, a];
    out[m++] = start;
    if (a !== start) out[m++] = a;
    if (c !== a && c !== start) out[m++] = c;
    if (last !== c && last !== a && last !== start) out[m++] = last;
  }
  return out.subarray(0, m);
}

function firstEqual(values: ArrayLike<number>, start: number, end: number, x: number): number {
  for (let i = start; i < end; i++) if (values[i] === x) return i;
  return -1;
}

/**
 * The point budget a query asks for: `samples=all` → every sample, `samples=N` (N ≥ 1) → N,
 * otherwise the default of §4. Returns undefined for a value that is neither.
 */
export function parseSamples(raw: unknown): number | undefined {
  if (raw === undefined || raw === '') return DEFAULT_SAMPLE_LIMIT;
  if (typeof raw !== 'string') return undefined;
  if (raw === 'all') return Infinity;
  if (!/^[0-9]{1,9}$/.test(raw)) return undefined;
  const n = Number(raw);
  return n >= 1 ? n : undefined;
}
