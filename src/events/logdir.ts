// A log directory read incrementally. Each reload makes exactly one storage.list(prefix) call and
// then reads only byte ranges not yet read (never a stat: on S3 every call is a request). Files of
// a run are read in name order; a file whose object was replaced by a shorter one resets its run.
// Concurrent reload() calls join the one in flight. Dropping the Logdir drops everything.
import { fileProblem, StorageError } from '../storage/errors.js';
import type { LogLocation, ObjectInfo, ObjectReader } from '../storage/storage.js';
import type {
  AudioRef,
  BlobRef,
  BlobSeries,
  HistogramSeries,
  ImageRef,
  Logdir,
  LogdirStats,
  OpenLogdirOptions,
  PrCurveSeries,
  Problem,
  ReloadStats,
  RunHparams,
  RunInfo,
  ScalarSeries,
  SeriesKind,
  TagInfo,
  TensorSeries,
  TextSeries,
  TextValue,
} from './model.js';
import { ProtoError } from './proto.js';
import { scanRecords, type FrameProblem, type FrameSink } from './records.js';
import { Slices } from './slices.js';
import { RunState, type FileState, type PrItem, type SeriesItem, type TagState } from './run.js';

// Reads of 1 MiB: few enough requests for object storage (52 for 52 MB), small enough that read
// buffers are recycled by the allocator instead of faulting in fresh pages (measured on the
// ingest corpus: 1 MiB used ~15% less CPU and 10 MB less RSS than 4 MiB, 25% less than 16 MiB).
const DEFAULT_MAX_READ = 1024 * 1024;

/** Whether a storage key names an event file (TensorBoard: the basename contains "tfevents"). */
export function isEventFile(key: string): boolean {
  return key.slice(key.lastIndexOf('/') + 1).includes('tfevents');
}

/** Run name of an event file key under `prefix`: its directory relative to the prefix, '.' at the root. */
export function runNameOf(prefix: string, key: string): string {
  const rel = key.slice(prefix.length);
  const slash = rel.lastIndexOf('/');
  return slash < 0 ? '.' : rel.slice(0, slash);
}

function itemBytes(item: SeriesItem): number {
  if (item instanceof Float64Array) return item.byteLength + 64;
  if (Array.isArray(item)) return 64 + item.length * 96;
  if ('strings' in item) return 64 + item.strings.reduce((a, s) => a + s.length * 2 + 32, 0);
  if ('data' in item) return 64 + item.data.byteLength;
  return 96;
}

/**
 * The two buffers a reload reads into, alternately: one being decoded, one being filled. Made per
 * reload (sized to its largest read, so a small incremental reload stays small) and dropped after.
 */
class ReadPool {
  private readonly bufs: Buffer[] = [];
  private turn = 0;

  constructor(private readonly size: number) {}

  /** A buffer of at least `len` bytes that no decode still uses (the other one may be). */
  take(len: number): Buffer {
    if (len > this.size) return Buffer.allocUnsafeSlow(len); // a record longer than a read: rare
    this.turn ^= 1;
    return (this.bufs[this.turn] ??= Buffer.allocUnsafeSlow(this.size));
  }
}

/** A failed read as a file's problem: the storage layer's words, which name no server path. */
function storageProblem(err: unknown): string {
  return err instanceof StorageError ? fileProblem(err) : err instanceof Error ? err.message : String(err);
}

/** Framed records of one chunk go to the run's decoder; malformed ones become problems. */
class DecodeSink implements FrameSink {
  run: RunState = new RunState('');
  file: FileState = { key: '', etag: '', offset: 0, dead: false, purgeOnStart: false };
  /** File offset of the chunk's first byte. */
  base = 0;

  record(b: Buffer, s: number, e: number): void {
    // The fast path first, outside the try: it never throws (and decodeRecord would try it again).
    if (this.run.fastScalar(b, s, e)) return;
    try {
      this.run.decodeGeneral(b, s, e, this.base, this.file);
    } catch (err) {
      const message = err instanceof ProtoError ? err.message : `decode failed: ${err instanceof Error ? err.message : String(err)}`;
      const kind = err instanceof ProtoError ? err.kind : 'decode';
      this.run.addProblem({ file: this.file.key, offset: this.base + s - 12, kind, message });
    }
  }

  problem(kind: FrameProblem, offset: number, message: string): void {
    this.run.addProblem({ file: this.file.key, offset: this.base + offset, kind, message });
  }
}

class LogdirImpl implements Logdir {
  private runStates = new Map<string, RunState>();
  private inflight: Promise<ReloadStats> | undefined;
  private totals = { bytesRead: 0, records: 0, reloads: 0, files: 0 };
  private readonly verify: boolean;
  private readonly maxRead: number;

  constructor(
    readonly location: LogLocation,
    options: OpenLogdirOptions,
  ) {
    this.verify = options.verifyChecksums ?? true;
    this.maxRead = Math.max(16, options.maxReadBytes ?? DEFAULT_MAX_READ);
  }

  reload(): Promise<ReloadStats> {
    if (!this.inflight) {
      this.inflight = this.doReload().finally(() => {
        this.inflight = undefined;
      });
    }
    return this.inflight;
  }

  private async doReload(): Promise<ReloadStats> {
    const t0 = performance.now();
    const { storage, prefix } = this.location;
    const listing = await storage.list(prefix);
    const work: Array<{ run: RunState; file: FileState; size: number }> = [];
    let files = 0;
    const touchedRuns = new Set<RunState>();
    // A listing of 10,000 runs is ~50 ms of bookkeeping: done in slices, like every read below.
    const slices = new Slices();
    for (const info of listing) {
      await slices.pause();
      if (!isEventFile(info.key)) continue;
      files++;
      const name = runNameOf(prefix, info.key);
      let run = this.runStates.get(name);
      if (!run) {
        run = new RunState(name);
        this.runStates.set(name, run);
      }
      let file = run.files.get(info.key);
      if (!file) {
        file = { key: info.key, etag: info.etag, offset: 0, dead: false, purgeOnStart: false };
        run.files.set(info.key, file);
      } else if (info.etag !== file.etag) {
        if (info.size < file.offset) run.reset(); // replaced by a shorter object: read it all again
        file.etag = info.etag;
        if (file.dead) file.dead = false; // a replaced object gets another chance
      }
      touchedRuns.add(run);
    }
    // Work list after resets, so a reset run has every file at offset 0.
    const sizes = new Map<string, ObjectInfo>();
    for (const info of listing) sizes.set(info.key, info);
    for (const run of touchedRuns) {
      await slices.pause();
      const keys = [...run.files.keys()].sort();
      for (const key of keys) {
        const file = run.files.get(key) as FileState;
        const info = sizes.get(key);
        if (!info || file.dead || info.size <= file.offset) continue;
        work.push({ run, file, size: info.size });
      }
    }
    let bytesRead = 0;
    let records = 0;
    let largest = 0;
    for (const w of work) largest = Math.max(largest, w.size - w.file.offset);
    const pool = new ReadPool(Math.min(this.maxRead, largest));
    for (const { run, file, size } of work) {
      const r = await this.readFile(run, file, size, pool);
      bytesRead += r.bytesRead;
      records += r.records;
    }
    this.totals.bytesRead += bytesRead;
    this.totals.records += records;
    this.totals.reloads++;
    this.totals.files = files;
    return { files, bytesRead, records, durationMs: performance.now() - t0 };
  }

  /**
   * Reads a file from file.offset to the listed size in maxRead chunks, the next chunk always in
   * flight while this one is decoded (storage latency and page faults overlap the CPU work). A
   * record split across chunks is stitched from the leftover bytes plus just what it still needs;
   * file.offset only ever moves to a record boundary, so an incomplete tail is read next reload.
   * With a storage that can open objects (local files), the file is opened once and chunks land in
   * the reload's two recycled buffers: fresh memory is what a cold load pays most for on small VMs
   * (a new 1 MiB buffer per read faulted in 52 MB of pages for a 52 MB load).
   */
  private async readFile(run: RunState, file: FileState, size: number, pool: ReadPool): Promise<{ bytesRead: number; records: number }> {
    const { storage } = this.location;
    let bytesRead = 0;
    let records = 0;
    let readPos = file.offset;
    const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));
    let reader: ObjectReader | undefined;
    if (storage.openReader) {
      try {
        reader = await storage.openReader(file.key);
      } catch (err) {
        run.addProblem({ file: file.key, offset: readPos, kind: 'storage', message: storageProblem(err) });
        return { bytesRead, records };
      }
    }
    const open = reader;
    const fetch = (from: number, len: number): Promise<Buffer | Error> => {
      if (open === undefined) return storage.read(file.key, from, len).catch(asError);
      const target = pool.take(len);
      return open.readInto(target, 0, len, from).then((n) => target.subarray(0, n), asError);
    };
    let pending: Promise<Buffer | Error> | undefined = fetch(readPos, Math.min(this.maxRead, size - readPos));
    try {
      let carry: Buffer = Buffer.alloc(0);
      let carryNeed = 0;
      while (pending) {
        const got = await pending;
        pending = undefined;
        if (got instanceof Error) {
          run.addProblem({ file: file.key, offset: readPos, kind: 'storage', message: storageProblem(got) });
          break;
        }
        bytesRead += got.length;
        readPos += got.length;
        if (got.length > 0 && readPos < size) pending = fetch(readPos, Math.min(Math.max(this.maxRead, carryNeed - carry.length), size - readPos));
        let chunk = got;
        while (chunk.length > 0 || carry.length >= carryNeed) {
          let buf: Buffer;
          if (carry.length > 0) {
            // Complete the record that straddles the previous chunk's end with only the bytes it needs.
            if (carry.length + chunk.length < carryNeed) {
              carry = Buffer.concat([carry, chunk]);
              chunk = chunk.subarray(chunk.length);
              break;
            }
            const take = Math.max(0, carryNeed - carry.length);
            buf = Buffer.concat([carry, chunk.subarray(0, take)]);
            chunk = chunk.subarray(take);
            carry = Buffer.alloc(0);
          } else {
            buf = chunk;
            chunk = chunk.subarray(chunk.length);
          }
          const base = file.offset;
          const r = this.scan(run, file, buf, base);
          records += r.records;
          file.offset = base + r.consumed;
          if (r.stopped) {
            file.dead = true;
            return { bytesRead, records };
          }
          if (r.consumed < buf.length) {
            carry = Buffer.from(buf.subarray(r.consumed)); // a copy: the chunk's buffer is recycled
            carryNeed = r.need;
            if (carry.length + chunk.length < carryNeed) {
              if (chunk.length) carry = Buffer.concat([carry, chunk]);
              break;
            }
          } else if (chunk.length === 0) break;
        }
        // The listing said the object ends here, or the rest cannot complete the last record:
        // what is left is an incomplete record of a growing file, read at the next reload.
        if (pending && carryNeed - carry.length > size - readPos && carry.length > 0) break;
      }
      return { bytesRead, records };
    } finally {
      // A read still in flight writes into a pooled buffer: let it land before the next file.
      if (pending) await pending;
      if (reader) await reader.close().catch(() => undefined);
    }
  }

  /** One sink for every scan: a fresh pair of closures per chunk made the JIT deoptimize scanRecords ("wrong call target") after each. */
  private readonly sink = new DecodeSink();

  private scan(run: RunState, file: FileState, buf: Buffer, base: number): { consumed: number; records: number; stopped: boolean; need: number } {
    const sink = this.sink;
    sink.run = run;
    sink.file = file;
    sink.base = base;
    return scanRecords(buf, this.verify, sink);
  }

  private ordered(): RunState[] {
    const key = (r: RunState): number => (Number.isNaN(r.firstWallTime) ? Infinity : r.firstWallTime);
    return [...this.runStates.values()].sort((a, b) => key(a) - key(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  runNames(): string[] {
    return this.ordered().map((r) => r.name);
  }

  runs(): RunInfo[] {
    return this.ordered().map((r) => this.info(r));
  }

  run(name: string): RunInfo | undefined {
    const r = this.runStates.get(name);
    return r ? this.info(r) : undefined;
  }

  /**
   * A run's description. Its tag and file lists are built on first access only: a sweep of
   * 10,000 runs asks for every run's name on each `data/runs`, and building 100,000 tag entries
   * it never reads there held the event loop for ~0.4 s and made most of the garbage.
   */
  private info(r: RunState): RunInfo {
    let tags: TagInfo[] | undefined;
    let files: string[] | undefined;
    let kinds: Set<SeriesKind> | undefined;
    return {
      name: r.name,
      firstWallTime: r.firstWallTime,
      get tags(): TagInfo[] {
        return (tags ??= [...r.tags.values()]
          .map((t) => ({
            tag: t.tag,
            kind: t.kind,
            metadata: t.metadata,
            count: t.store.length,
            minStep: t.store.length ? t.store.minStep : NaN,
            maxStep: t.store.length ? t.store.maxStep : NaN,
            maxSamplesPerStep: t.maxSamplesPerStep,
          }))
          .sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0)));
      },
      get kinds(): ReadonlySet<SeriesKind> {
        return (kinds ??= new Set([...r.tags.values()].map((t) => t.kind)));
      },
      problems: [...r.problems],
      problemsOmitted: r.problemsOmitted,
      hasGraph: r.graph !== undefined,
      runMetadataTags: [...r.runMetadata.keys()].sort(),
      get files(): string[] {
        return (files ??= [...r.files.keys()].sort());
      },
    };
  }

  private tag(run: string, tag: string, kind: SeriesKind): TagState | undefined {
    const t = this.runStates.get(run)?.tags.get(tag);
    return t && t.kind === kind ? t : undefined;
  }

  private base(t: TagState): { length: number; steps: Float64Array; wallTimes: Float64Array } {
    const s = t.store;
    return { length: s.length, steps: s.steps.subarray(0, s.length), wallTimes: s.wallTimes.subarray(0, s.length) };
  }

  scalars(run: string, tag: string): ScalarSeries | undefined {
    const t = this.tag(run, tag, 'scalars');
    return t && { ...this.base(t), values: t.store.values.subarray(0, t.store.length) };
  }

  histograms(run: string, tag: string): HistogramSeries | undefined {
    const t = this.tag(run, tag, 'histograms');
    return t && { ...this.base(t), buckets: t.store.items.slice() as Float64Array[] };
  }

  images(run: string, tag: string): BlobSeries<ImageRef> | undefined {
    const t = this.tag(run, tag, 'images');
    return t && { ...this.base(t), blobs: t.store.items.slice() as ImageRef[][] };
  }

  audio(run: string, tag: string): BlobSeries<AudioRef> | undefined {
    const t = this.tag(run, tag, 'audio');
    return t && { ...this.base(t), blobs: t.store.items.slice() as AudioRef[][] };
  }

  text(run: string, tag: string): TextSeries | undefined {
    const t = this.tag(run, tag, 'text');
    return t && { ...this.base(t), values: t.store.items.slice() as TextValue[] };
  }

  prCurves(run: string, tag: string): PrCurveSeries | undefined {
    const t = this.tag(run, tag, 'pr_curves');
    if (!t) return undefined;
    const items = t.store.items as PrItem[];
    return { ...this.base(t), data: items.map((i) => i.data), thresholds: items.map((i) => i.thresholds) };
  }

  tensors(run: string, tag: string): TensorSeries | undefined {
    const t = this.runStates.get(run)?.tags.get(tag);
    if (!t || (t.kind !== 'tensors' && t.kind !== 'hparams')) return undefined;
    return { ...this.base(t), tensors: t.store.items.slice() as BlobRef[] };
  }

  hparams(run: string): RunHparams {
    return { ...(this.runStates.get(run)?.hparams ?? {}) };
  }

  graph(run: string): BlobRef | undefined {
    return this.runStates.get(run)?.graph;
  }

  runMetadata(run: string, tag: string): BlobRef | undefined {
    return this.runStates.get(run)?.runMetadata.get(tag);
  }

  readBlob(ref: BlobRef): Promise<Buffer> {
    return this.location.storage.read(ref.key, ref.offset, ref.length);
  }

  reportProblem(run: string, problem: Problem): void {
    this.runStates.get(run)?.addProblem(problem);
  }

  stats(): LogdirStats {
    let samples = 0;
    let memoryBytes = 0;
    let problems = 0;
    for (const r of this.runStates.values()) {
      problems += r.problems.length + r.problemsOmitted;
      for (const t of r.tags.values()) {
        samples += t.store.length;
        memoryBytes += t.store.memoryBytes(itemBytes) + 256;
      }
    }
    return {
      runs: this.runStates.size,
      files: this.totals.files,
      bytesRead: this.totals.bytesRead,
      records: this.totals.records,
      samples,
      memoryBytes,
      problems,
      reloads: this.totals.reloads,
    };
  }
}

/** Opens a log directory; nothing is read until the first reload(). */
export function openLogdir(location: LogLocation, options: OpenLogdirOptions = {}): Logdir {
  return new LogdirImpl(location, options);
}
