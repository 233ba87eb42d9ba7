// PR-curve logic without the DOM (tested under Node): an entry of `pr_curves` as typed columns,
// the entry a run shows for its step slider, the curve's vertices and the vertex nearest a point.
// Invariant: one vertex per threshold the route sent whose precision and recall are finite, in
// TensorBoard's drawing order (highest threshold first, so recall mostly grows along the path);
// nothing is sorted by recall, merged or de-duplicated — a good classifier whose thresholds all
// sit at recall 1 draws its whole vertical run of points, as TensorBoard does.

export interface PrEntry {
  step: number;
  wall: number;
  thresholds: number[];
  precision: number[];
  recall: number[];
  tp: number[];
  fp: number[];
  tn: number[];
  fn: number[];
}

/** One drawn point: `i` is its index in the route's arrays. */
export interface PrVertex {
  i: number;
  recall: number;
  precision: number;
}

/** TensorBoard's JSON numbers: finite numbers, or "NaN" / "Infinity" / "-Infinity" strings. */
function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return NaN;
}

function column(v: unknown): number[] {
  return Array.isArray(v) ? v.map(num) : [];
}

/** An entry as `pr_curves` serves it; columns cut to the shortest so indices always line up. */
export function parsePrEntry(e: Record<string, unknown>): PrEntry {
  const cols = {
    thresholds: column(e.thresholds),
    precision: column(e.precision),
    recall: column(e.recall),
    tp: column(e.true_positives),
    fp: column(e.false_positives),
    tn: column(e.true_negatives),
    fn: column(e.false_negatives),
  };
  // An answer without counts (older servers send precision and recall only) still draws.
  const present = Object.values(cols).filter((c) => c.length > 0);
  const n = present.length ? Math.min(...present.map((c) => c.length)) : 0;
  const cut = (c: number[]): number[] => (c.length ? c.slice(0, n) : new Array<number>(n).fill(NaN));
  return {
    step: num(e.step),
    wall: num(e.wall_time),
    thresholds: cut(cols.thresholds),
    precision: cut(cols.precision),
    recall: cut(cols.recall),
    tp: cut(cols.tp),
    fp: cut(cols.fp),
    tn: cut(cols.tn),
    fn: cut(cols.fn),
  };
}

/** The curve's vertices in TensorBoard's order: the route's arrays reversed, non-finite points left out. */
export function prVertices(e: PrEntry): PrVertex[] {
  const out: PrVertex[] = [];
  for (let i = e.precision.length - 1; i >= 0; i--) {
    const recall = e.recall[i];
    const precision = e.precision[i];
    if (Number.isFinite(recall) && Number.isFinite(precision)) out.push({ i, recall, precision });
  }
  return out;
}

/**
 * The entry a run shows when its slider is at `stepCap`: TensorBoard's card takes the first entry
 * whose step is at least the cap, else the last. Entries are in step order, as the route sends them.
 */
export function entryAtStep<T extends { step: number }>(entries: readonly T[], stepCap: number | undefined): T | undefined {
  if (entries.length === 0) return undefined;
  if (stepCap === undefined) return entries[entries.length - 1];
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (entries[mid].step < stepCap) lo = mid + 1;
    else hi = mid;
  }
  return entries[Math.min(lo, entries.length - 1)];
}

/**
 * For each run, the tag whose entries give the run's step slider, as TensorBoard picks it: of the
 * tags the run has PR curves for, the smallest name.
 */
export function canonicalTags(tagToRuns: ReadonlyMap<string, readonly string[]>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [tag, runs] of tagToRuns) {
    for (const run of runs) {
      const had = out.get(run);
      if (had === undefined || tag < had) out.set(run, tag);
    }
  }
  return out;
}

/**
 * The vertex nearest (px, py) in screen space, `toX`/`toY` mapping data to pixels; undefined for
 * no vertices. Distance in pixels, so a vertical run of points at one recall is told apart by y.
 */
export function nearestVertex(vs: readonly PrVertex[], px: number, py: number, toX: (v: number) => number, toY: (v: number) => number): { vertex: PrVertex; dist: number } | undefined {
  let best: PrVertex | undefined;
  let bestD = Infinity;
  for (const v of vs) {
    const dx = toX(v.recall) - px;
    const dy = toY(v.precision) - py;
    const d = dx * dx + dy * dy;
    if (d < bestD) {
      bestD = d;
      best = v;
    }
  }
  return best ? { vertex: best, dist: Math.sqrt(bestD) } : undefined;
}
