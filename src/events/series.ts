// Reservoir stage (TensorBoard's data server: reservoir), except that every sample is kept.
// Columnar storage of one tag's samples. Appends go to fixed-size chunks (never copied while
// loading: on small VMs first-touching fresh memory costs more than decoding, so doubling arrays
// would pay it twice); readers get contiguous Float64 columns, built once by compact() and reused
// until new samples arrive. Samples are only appended, or removed by a SessionLog purge.
// Chunks start narrow because nearly every step is a small integer close to the previous one and
// nearly every scalar a float32 (simple_value, DT_FLOAT tensors): steps as Uint8 deltas from the
// previous step (re-homed as absolute Int32, or Float64, the first time a gap is outside 0..255),
// wall times as Float32 deltas while exact (consecutive time.time() values differ by a multiple of
// their ulp, so gaps under ~4 s are), scalar values as Float32 — 9 bytes a point instead of 24
// while loading, and fresh pages are what a cold load pays most for. A column widens the first time
// a sample does not fit exactly, so nothing is ever rounded; compact() widens to Float64 anyway.

// A series' first ARENA_SAMPLES samples are not in columns of its own but in its run's
// SampleArena: a sweep's tags hold ~10 points each, and three typed arrays (an object, an
// ArrayBuffer and a backing store each), a chunk object and a chunk list per tag cost ~900 bytes of
// heap for ~100 bytes of samples, and 10 objects per tag is what V8's full collections walk (at
// 100,000 runs a 1.7 GB heap of them paused the event loop for half a second). The arena holds
// every run's early samples in one plain array of doubles, linked per series: one object and one
// unscanned backing store per run, inside V8's heap (off-heap typed arrays per run were 400,000
// ArrayBuffers at 100,000 runs, whose external memory triggered full collections of their own). A
// series that grows past ARENA_SAMPLES goes on in chunks of its own, once (a read compacts it into
// its own head: its arena samples are then dead, at most ARENA_SAMPLES per series, until the run
// is read again from scratch).

const ARENA_SAMPLES = 16;
/** Numbers per arena sample: step, wall time, value, index of the series' next sample. */
const SLOT = 4;

/** A plain array whose elements V8 keeps as unboxed doubles (it never goes back to a more general kind). */
function doubleArray(): number[] {
  const a = [0.5];
  a.length = 0;
  return a;
}

/** Early samples of every series of one run, in insertion order, each linked to its series' next. */
export class SampleArena {
  private cols: number[] = doubleArray();
  /** Samples at the last trim(). */
  private trimmed = 0;

  get len(): number {
    return this.cols.length / SLOT;
  }

  /** Appends a sample (exact: steps, wall times and values are kept as doubles); returns its index. */
  push(step: number, wall: number, value: number): number {
    const c = this.cols;
    const i = c.length / SLOT;
    c.push(step, wall, value, -1);
    return i;
  }

  link(from: number, to: number): void {
    this.cols[from * SLOT + 3] = to;
  }

  /** Copies the samples of the series starting at `head` (`count` of them) into the columns at `at`. */
  copy(head: number, count: number, steps: Float64Array, walls: Float64Array, values: Float64Array | undefined, at: number): void {
    const c = this.cols;
    let i = head * SLOT;
    for (let k = 0; k < count; k++) {
      steps[at + k] = c[i];
      walls[at + k] = c[i + 1];
      if (values !== undefined) values[at + k] = c[i + 2];
      i = c[i + 3] * SLOT;
    }
  }

  /**
   * Reallocates the samples at their exact length (a file of the run has been read): an array that
   * grew by pushes has up to half its capacity unused, and a sweep is 10,000s of runs.
   */
  trim(): void {
    const n = this.cols.length;
    if (n === this.trimmed) return;
    this.cols = this.cols.slice();
    this.trimmed = n;
  }

  /** Bytes per sample, for memory estimates. */
  get sampleBytes(): number {
    return SLOT * 8;
  }
}

const CHUNK = 4096;
/** Shared empty lists (frozen: a push would be a bug, and throws). */
const NO_CHUNKS: Chunk[] = Object.freeze([]) as unknown as Chunk[];
const NO_ITEMS: unknown[] = Object.freeze([]) as unknown as unknown[];
// A store's first chunk is small so that pushScalar's chunk-full branch runs within the first few
// hundred records of a load, while the code is still unoptimized and gathering type feedback: first
// reached at sample 4,097 (after TurboFan had compiled the loop), it deoptimized the hot path.
// Chunks then grow 4× up to CHUNK, so a sweep's short series (10 points × 100,000 tags) cost bytes
// in proportion to their points: a 16-sample chunk's columns (16 + 64 + 64 bytes) are each under
// V8's 64-byte limit for typed arrays kept inside the heap, so they need no ArrayBuffer and no
// off-heap backing store (~250 bytes each), which is what 4,096-sample or even 32-sample chunks cost.
const FIRST_CHUNK = 16;
const GROWTH = 4;
/** The columns of a store that has none yet (or had every sample purged): shared, never written. */
const EMPTY_F64 = new Float64Array(0);

interface Chunk {
  /** Uint8: deltas, step[i] = step[i-1] + delta[i] from stepBase (delta[0] = 0); else absolute. */
  steps: Uint8Array | Int32Array | Float64Array;
  stepBase: number;
  /** Float32: deltas, wall[i] = wall[i-1] + delta[i] summed in double from wallBase (delta[0] = 0). */
  walls: Float32Array | Float64Array;
  wallBase: number;
  /** Samples the chunk holds when full. */
  capacity: number;
  /** Scalar stores only. */
  values: Float32Array | Float64Array | undefined;
}

export class SeriesStore<T> {
  length = 0;
  /** Contiguous head: samples [0, headLen). */
  private headSteps: Float64Array = EMPTY_F64;
  private headWalls: Float64Array = EMPTY_F64;
  private headValues: Float64Array = EMPTY_F64;
  private headLen = 0;
  /** Chunks after the head, the last being the one filled (`cur`). */
  /** NO_CHUNKS (shared, never written) until the first chunk: an array per series is 32 bytes more. */
  private chunks: Chunk[] = NO_CHUNKS;
  /** The chunk being filled: narrow columns until a sample does not fit, then wide ones. */
  private cur: Chunk | undefined;
  private curLen = 0;
  /** Capacity of `cur` (0 when there is none, so the first push makes one). */
  private curCap = 0;
  private steps8: Uint8Array | undefined;
  private steps32: Int32Array | undefined;
  private values32: Float32Array | undefined;
  private steps64: Float64Array | undefined;
  private values64: Float64Array | undefined;
  private walls32: Float32Array | undefined;
  private walls64: Float64Array | undefined;
  /** Wall time of the last sample of the current chunk (what the next delta is taken from). */
  private prevWall = 0;
  /** Step of the last sample of the current chunk (what the next step delta is taken from). */
  private prevStep = 0;
  /** Non-scalar series' items; a scalar series keeps the shared empty NO_ITEMS. */
  items: T[] = NO_ITEMS as T[];
  /**
   * Smallest and largest step, undefined while empty. Not ±Infinity: a field that ever holds a
   * non-integer number keeps every value boxed in a heap number of its own (two objects more per
   * series, 2,000,000 at 100,000 runs for V8's collections to walk); a field first given
   * `undefined` holds integer steps in place. Stored on every push: a store first reached by a new
   * tag's first sample, after the hot path was optimized, deoptimized it.
   */
  private lo: number | undefined = undefined;
  private hi: number | undefined = undefined;

  /** ±Infinity while empty (readers check length). */
  get minStep(): number {
    return this.lo ?? Infinity;
  }

  get maxStep(): number {
    return this.hi ?? -Infinity;
  }

  private noteStep(step: number): void {
    const lo = this.lo;
    const hi = this.hi;
    this.lo = lo === undefined || step < lo ? step : lo;
    this.hi = hi === undefined || step > hi ? step : hi;
  }

  /** The series' samples in the run's arena: the first at arenaHead, the last at arenaTail. */
  private arenaCount = 0;
  private arenaHead = -1;
  private arenaTail = -1;
  /** The arena takes no more samples of this series (it grew past it, or was compacted). */
  private arenaDone: boolean;

  /** `arena`: the run's (see SampleArena); without one, every sample goes into chunks. */
  constructor(
    readonly scalar: boolean,
    private readonly arena?: SampleArena,
  ) {
    this.arenaDone = arena === undefined;
  }

  /** Takes the sample into the arena if the series is still there; reached only at a chunk boundary. */
  private toArena(step: number, wall: number, value: number): boolean {
    if (this.arenaDone || this.arenaCount === ARENA_SAMPLES) {
      this.arenaDone = true;
      return false;
    }
    const a = this.arena as SampleArena;
    const i = a.push(step, wall, value);
    if (this.arenaCount === 0) this.arenaHead = i;
    else a.link(this.arenaTail, i);
    this.arenaTail = i;
    this.arenaCount++;
    return true;
  }

  private newChunk(step: number, wall: number): void {
    const cap = this.curCap === 0 ? FIRST_CHUNK : Math.min(CHUNK, this.curCap * GROWTH);
    this.steps8 = new Uint8Array(cap);
    this.steps32 = undefined;
    this.steps64 = undefined;
    this.prevStep = step;
    // A column the last chunk had to widen starts wide: a log of doubles (double_val tensors) or of
    // wall times 0.01 s apart would otherwise fill, then copy, a narrow column in every chunk.
    this.walls32 = this.wideWalls ? undefined : new Float32Array(cap);
    this.walls64 = this.wideWalls ? new Float64Array(cap) : undefined;
    this.prevWall = wall;
    this.values32 = this.scalar && !this.wideValues ? new Float32Array(cap) : undefined;
    this.values64 = this.scalar && this.wideValues ? new Float64Array(cap) : undefined;
    this.curCap = cap;
    this.cur = { steps: this.steps8, stepBase: step, walls: this.walls32 ?? (this.walls64 as Float64Array), wallBase: wall, capacity: cap, values: this.values32 ?? this.values64 };
    // Listed from the start (not when full), so the first chunk runs the same code as the rest:
    // code first reached at sample 4,097 deoptimized the hot path.
    // A literal for the first: push() on an empty array reserves 16 slots, 144 bytes per series.
    if (this.chunks.length === 0) this.chunks = [this.cur];
    else this.chunks.push(this.cur);
    this.curLen = 0;
  }

  /** Re-homes the current chunk's first `n` step deltas as absolute steps (a gap outside 0..255 arrived). */
  private widenSteps8(n: number): void {
    const c = this.cur as Chunk;
    const deltas = this.steps8 as Uint8Array;
    const abs = new Float64Array(this.curCap);
    undelta(c.stepBase, deltas, n, abs, 0);
    let fits = true;
    for (let k = 0; k < n; k++) if ((abs[k] | 0) !== abs[k]) fits = false;
    this.steps8 = undefined;
    if (fits) {
      const s32 = new Int32Array(this.curCap);
      s32.set(abs.subarray(0, n));
      this.steps32 = s32;
      c.steps = s32;
    } else {
      this.steps64 = abs;
      c.steps = abs;
    }
  }

  /** Re-homes the current chunk's steps in a Float64 column (a step outside int32 arrived). */
  private widenSteps(): Float64Array {
    const wide = new Float64Array(this.curCap);
    if (this.steps32) wide.set(this.steps32.subarray(0, this.curLen));
    this.steps32 = undefined;
    this.steps64 = wide;
    (this.cur as Chunk).steps = wide;
    return wide;
  }

  /** The last chunk widened its values / wall times: the next starts wide. */
  private wideValues = false;
  private wideWalls = false;

  /** Re-homes the current chunk's values in a Float64 column (a value float32 cannot hold arrived). */
  private widenValues(): Float64Array {
    this.wideValues = true;
    const wide = new Float64Array(this.curCap);
    if (this.values32) wide.set(this.values32.subarray(0, this.curLen));
    this.values32 = undefined;
    this.values64 = wide;
    (this.cur as Chunk).values = wide;
    return wide;
  }

  /** Re-homes the current chunk's wall times as absolute Float64 (a gap float32 cannot hold arrived). */
  private widenWalls(): Float64Array {
    this.wideWalls = true;
    const c = this.cur as Chunk;
    const wide = new Float64Array(this.curCap);
    if (this.walls32) undelta(c.wallBase, this.walls32, this.curLen, wide, 0);
    this.walls32 = undefined;
    this.walls64 = wide;
    c.walls = wide;
    return wide;
  }

  private putWall(i: number, wall: number): void {
    const w32 = this.walls32;
    if (w32 !== undefined) {
      const prev = this.prevWall;
      const d = Math.fround(wall - prev);
      // The reader will compute exactly prev + d: keep the delta only if that gives `wall` back.
      if (Object.is(prev + d, wall)) {
        w32[i] = d;
        this.prevWall = wall;
        return;
      }
    }
    (this.walls64 ?? this.widenWalls())[i] = wall;
  }

  private putStep(i: number, step: number): void {
    const s8 = this.steps8;
    if (s8 !== undefined) {
      const prev = this.prevStep;
      const d = step - prev;
      // The reader will compute exactly prev + d: keep the delta only if that gives `step` back.
      if (d >= 0 && d < 256 && prev + d === step) {
        s8[i] = d;
        this.prevStep = step;
        return;
      }
      this.widenSteps8(i);
    }
    const s32 = this.steps32;
    if (s32 !== undefined && (step | 0) === step) s32[i] = step;
    else (this.steps64 ?? this.widenSteps())[i] = step;
  }

  pushScalar(step: number, wall: number, value: number): void {
    if (this.curLen === this.curCap) {
      if (this.toArena(step, wall, value)) {
        this.length++;
        this.noteStep(step);
        return;
      }
      this.newChunk(step, wall);
    }
    const i = this.curLen++;
    this.putStep(i, step);
    this.putWall(i, wall);
    const v32 = this.values32;
    // NaN fits (it stays NaN); -0 fits (fround keeps the sign).
    if (v32 !== undefined && (Math.fround(value) === value || value !== value)) v32[i] = value;
    else (this.values64 ?? this.widenValues())[i] = value;
    this.length++;
    this.noteStep(step);
  }

  pushItem(step: number, wall: number, item: T): void {
    if (this.items === NO_ITEMS) this.items = [item];
    else this.items.push(item);
    if (this.curLen === this.curCap) {
      if (this.toArena(step, wall, 0)) {
        this.length++;
        this.noteStep(step);
        return;
      }
      this.newChunk(step, wall);
    }
    const i = this.curLen++;
    this.putStep(i, step);
    this.putWall(i, wall);
    this.length++;
    this.noteStep(step);
  }

  /** Moves every chunk into one exact-size Float64 head (no-op when already contiguous). */
  private compact(): void {
    if (this.headLen === this.length) return;
    const n = this.length;
    const all = this.chunks;
    const steps = new Float64Array(n);
    const walls = new Float64Array(n);
    const values = this.scalar ? new Float64Array(n) : this.headValues;
    steps.set(this.headSteps.subarray(0, this.headLen));
    walls.set(this.headWalls.subarray(0, this.headLen));
    if (this.scalar) values.set(this.headValues.subarray(0, this.headLen));
    let o = this.headLen;
    if (this.arenaCount > 0) {
      // Arena samples precede every chunk's: a series leaves the arena before its first chunk.
      (this.arena as SampleArena).copy(this.arenaHead, this.arenaCount, steps, walls, this.scalar ? values : undefined, o);
      o += this.arenaCount;
      this.arenaCount = 0;
      this.arenaHead = this.arenaTail = -1;
    }
    this.arenaDone = true;
    for (const c of all) {
      const len = c === this.cur ? this.curLen : c.capacity;
      if (c.steps instanceof Uint8Array) undelta(c.stepBase, c.steps, len, steps, o);
      else steps.set(c.steps.subarray(0, len), o);
      if (c.walls instanceof Float32Array) undelta(c.wallBase, c.walls, len, walls, o);
      else walls.set(c.walls.subarray(0, len), o);
      if (this.scalar && c.values) values.set(c.values.subarray(0, len), o);
      o += len;
    }
    this.headSteps = steps;
    this.headWalls = walls;
    this.headValues = values;
    this.headLen = n;
    this.chunks = NO_CHUNKS;
    this.cur = undefined;
    this.curLen = 0;
    this.curCap = 0;
    this.steps8 = this.walls32 = this.steps32 = this.values32 = this.steps64 = this.values64 = this.walls64 = undefined;
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
    this.lo = this.hi = undefined;
    for (let r = 0; r < this.length; r++) {
      const s = steps[r];
      if (s >= step) continue;
      steps[w] = s;
      walls[w] = walls[r];
      if (this.scalar) values[w] = values[r];
      else keptItems.push(this.items[r]);
      this.noteStep(s);
      w++;
    }
    this.length = w;
    this.headLen = w;
    if (!this.scalar) this.items = keptItems.length ? keptItems : (NO_ITEMS as T[]);
  }

  memoryBytes(itemBytes: (item: T) => number): number {
    let bytes = this.headSteps.byteLength + this.headWalls.byteLength + this.headValues.byteLength + this.arenaCount * (this.arena?.sampleBytes ?? 0);
    for (const c of this.chunks) bytes += c.steps.byteLength + c.walls.byteLength + (c.values?.byteLength ?? 0);
    for (const it of this.items) bytes += itemBytes(it);
    return bytes;
  }
}

/** Absolute values of a delta column (steps or wall times): the same double additions the writer checked. */
function undelta(base: number, deltas: Uint8Array | Float32Array, len: number, out: Float64Array, at: number): void {
  let x = base;
  for (let i = 0; i < len; i++) {
    x = i === 0 ? base : x + deltas[i];
    out[at + i] = x;
  }
}
