// Columnar storage of one tag's samples. Appends go to fixed-size chunks (never copied while
// loading: on small VMs first-touching fresh memory costs more than decoding, so doubling arrays
// would pay it twice); readers get contiguous typed arrays, built once by compact() and reused
// until new samples arrive. Samples are only appended, or removed by a SessionLog purge.

const CHUNK = 4096;

export class SeriesStore<T> {
  length = 0;
  /** Contiguous head: samples [0, headLen). */
  private headSteps: Float64Array = new Float64Array(0);
  private headWalls: Float64Array = new Float64Array(0);
  private headValues: Float64Array = new Float64Array(0);
  private headLen = 0;
  /** Full chunks after the head, then the chunk being filled. */
  private chunks: Float64Array[][] = [];
  private cur: Float64Array[] | undefined;
  private curLen = 0;
  items: T[] = [];
  minStep = NaN;
  maxStep = NaN;

  constructor(readonly scalar: boolean) {}

  private newChunk(): Float64Array[] {
    if (this.cur) this.chunks.push(this.cur);
    const c = this.scalar ? [new Float64Array(CHUNK), new Float64Array(CHUNK), new Float64Array(CHUNK)] : [new Float64Array(CHUNK), new Float64Array(CHUNK)];
    this.cur = c;
    this.curLen = 0;
    return c;
  }

  pushScalar(step: number, wall: number, value: number): void {
    const c = this.cur !== undefined && this.curLen < CHUNK ? this.cur : this.newChunk();
    const i = this.curLen++;
    c[0][i] = step;
    c[1][i] = wall;
    c[2][i] = value;
    this.length++;
    if (!(step >= this.minStep)) this.minStep = step;
    if (!(step <= this.maxStep)) this.maxStep = step;
  }

  pushItem(step: number, wall: number, item: T): void {
    const c = this.cur !== undefined && this.curLen < CHUNK ? this.cur : this.newChunk();
    const i = this.curLen++;
    c[0][i] = step;
    c[1][i] = wall;
    this.items.push(item);
    this.length++;
    if (!(step >= this.minStep)) this.minStep = step;
    if (!(step <= this.maxStep)) this.maxStep = step;
  }

  /** Moves every chunk into one exact-size head (no-op when already contiguous). */
  private compact(): void {
    if (this.headLen === this.length) return;
    const n = this.length;
    const cols = this.scalar ? 3 : 2;
    const heads = [this.headSteps, this.headWalls, this.headValues];
    const out: Float64Array[] = [];
    for (let k = 0; k < cols; k++) {
      const a = new Float64Array(n);
      a.set(heads[k].subarray(0, this.headLen));
      let o = this.headLen;
      for (const c of this.chunks) {
        a.set(c[k], o);
        o += CHUNK;
      }
      if (this.cur) a.set(this.cur[k].subarray(0, this.curLen), o);
      out.push(a);
    }
    this.headSteps = out[0];
    this.headWalls = out[1];
    if (this.scalar) this.headValues = out[2];
    this.headLen = n;
    this.chunks = [];
    this.cur = undefined;
    this.curLen = 0;
  }

  get steps(): Float64Array {
    this.compact();
    return this.headSteps.subarray(0, this.length);
  }

  get wallTimes(): Float64Array {
    this.compact();
    return this.headWalls.subarray(0, this.length);
  }

  get values(): Float64Array {
    this.compact();
    return this.headValues.subarray(0, this.length);
  }

  /** SessionLog START purge: removes every sample with step ≥ `step`, keeping order. */
  purgeFrom(step: number): void {
    this.compact();
    const steps = this.headSteps;
    const walls = this.headWalls;
    const values = this.headValues;
    const keptItems: T[] = [];
    let w = 0;
    this.minStep = NaN;
    this.maxStep = NaN;
    for (let r = 0; r < this.length; r++) {
      const s = steps[r];
      if (s >= step) continue;
      steps[w] = s;
      walls[w] = walls[r];
      if (this.scalar) values[w] = values[r];
      else keptItems.push(this.items[r]);
      if (!(s >= this.minStep)) this.minStep = s;
      if (!(s <= this.maxStep)) this.maxStep = s;
      w++;
    }
    this.length = w;
    this.headLen = w;
    if (!this.scalar) this.items = keptItems;
  }

  memoryBytes(itemBytes: (item: T) => number): number {
    const cols = this.scalar ? 3 : 2;
    let bytes = (this.headSteps.length + this.headWalls.length + this.headValues.length) * 8;
    bytes += (this.chunks.length + (this.cur ? 1 : 0)) * cols * CHUNK * 8;
    for (const it of this.items) bytes += itemBytes(it);
    return bytes;
  }
}
