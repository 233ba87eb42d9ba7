// Growable columnar storage of one tag's samples. Columns are typed arrays that double when full
// and are trimmed after each reload, so a million scalar points cost ~24 MB, not a million
// objects. Samples are only appended, or removed by a SessionLog purge (filtered in place).

const INITIAL = 64;

function grow(a: Float64Array, need: number): Float64Array {
  if (need <= a.length) return a;
  let cap = a.length || INITIAL;
  while (cap < need) cap *= 2;
  const b = new Float64Array(cap);
  b.set(a);
  return b;
}

/** Columns of steps and wall times plus, for non-scalar kinds, one item per sample. */
export class SeriesStore<T> {
  length = 0;
  steps: Float64Array = new Float64Array(INITIAL);
  wallTimes: Float64Array = new Float64Array(INITIAL);
  /** Scalar values (scalar series only; empty otherwise). */
  values: Float64Array = new Float64Array(0);
  items: T[] = [];
  minStep = NaN;
  maxStep = NaN;

  constructor(readonly scalar: boolean) {
    if (scalar) this.values = new Float64Array(INITIAL);
  }

  pushScalar(step: number, wall: number, value: number): void {
    const n = this.length;
    if (n === this.steps.length) this.growTo(n + 1);
    this.steps[n] = step;
    this.wallTimes[n] = wall;
    this.values[n] = value;
    this.length = n + 1;
    this.noteStep(step);
  }

  pushItem(step: number, wall: number, item: T): void {
    const n = this.length;
    if (n === this.steps.length) this.growTo(n + 1);
    this.steps[n] = step;
    this.wallTimes[n] = wall;
    this.items.push(item);
    this.length = n + 1;
    this.noteStep(step);
  }

  private noteStep(step: number): void {
    if (!(step >= this.minStep)) this.minStep = step;
    if (!(step <= this.maxStep)) this.maxStep = step;
  }

  private growTo(need: number): void {
    this.steps = grow(this.steps, need);
    this.wallTimes = grow(this.wallTimes, need);
    if (this.scalar) this.values = grow(this.values, need);
  }

  /** Drops spare capacity (after a reload) so memory tracks the samples kept. */
  trim(): void {
    const n = this.length;
    if (this.steps.length - n <= 16) return;
    this.steps = this.steps.slice(0, n);
    this.wallTimes = this.wallTimes.slice(0, n);
    if (this.scalar) this.values = this.values.slice(0, n);
  }

  /** SessionLog START purge: removes every sample with step ≥ `step`, keeping order. */
  purgeFrom(step: number): void {
    let w = 0;
    const keptItems: T[] = [];
    this.minStep = NaN;
    this.maxStep = NaN;
    for (let r = 0; r < this.length; r++) {
      const s = this.steps[r];
      if (s >= step) continue;
      this.steps[w] = s;
      this.wallTimes[w] = this.wallTimes[r];
      if (this.scalar) this.values[w] = this.values[r];
      else keptItems.push(this.items[r]);
      this.noteStep(s);
      w++;
    }
    this.length = w;
    if (!this.scalar) this.items = keptItems;
  }

  memoryBytes(itemBytes: (item: T) => number): number {
    let bytes = (this.steps.length + this.wallTimes.length + this.values.length) * 8;
    for (const it of this.items) bytes += itemBytes(it);
    return bytes;
  }
}
