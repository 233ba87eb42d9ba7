// Log-directory stage (TensorBoard's data server: logdir + the loader's reload): listing, the work
// list, reads, and the Logdir that ties the stages together. Invariant: each reload makes exactly
// one storage.list(prefix) call and then reads only byte ranges not yet read (never a stat: on S3
// every call is a request); files of a run are read in name order; a file whose object was replaced
// by a shorter one resets its run. Concurrent reload() calls join the one in flight. Only this
// module and the event decoder mutate run state; queries go through view.ts. Dropping the Logdir
// drops everything.
import { fileProblem, StorageError } from '../storage/errors.js';
import type { LogLocation, ObjectInfo, ObjectReader } from '../storage/storage.js';
import type { Logdir, LogdirStats, OpenLogdirOptions, Problem, ProjectorConfigFile, ReloadStats } from './model.js';
import { EventDecoder } from './event-decoder.js';
import { RunState, newFileState, type FileState } from './run.js';
import { Slices } from './slices.js';
import type { SeriesItem } from './values.js';
import { LogdirReader } from './view.js';

// Reads of 1 MiB: few enough requests for object storage (52 for 52 MB), small enough that read
// buffers are recycled by the allocator instead of faulting in fresh pages (measured on the
// ingest corpus: 1 MiB used ~15% less CPU and 10 MB less RSS than 4 MiB, 25% less than 16 MiB).
const DEFAULT_MAX_READ = 1024 * 1024;
/** How much of a read is decoded before the event loop may be given back (see readFile). */
const FEED_SLICE = 256 * 1024;

/** Whether a storage key names an event file (TensorBoard: the basename contains "tfevents"). */
export function isEventFile(key: string): boolean {
  return key.slice(key.lastIndexOf('/') + 1).includes('tfevents');
}

/** TensorBoard's projector config file name (tensorboard/plugins/projector/metadata.py). */
export const PROJECTOR_CONFIG = 'projector_config.pbtxt';
const PROJECTOR_ASSETS = 'plugins/projector';

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

/** The loader: owns the mutable run states; its query half (LogdirReader) sees them as views. */
class LogdirImpl extends LogdirReader implements Logdir {
  private readonly runStates: Map<string, RunState>;
  private inflight: Promise<ReloadStats> | undefined;
  private totals = { bytesRead: 0, records: 0, reloads: 0, files: 0 };
  private readonly verify: boolean;
  private readonly maxRead: number;
  /** One decoder for every file: a fresh sink per chunk made the framing loop's call site polymorphic ("wrong call target" deopts). */
  private readonly decoder = new EventDecoder();
  /** Projector configs of the last listing (any depth; filtered to runs when asked). */
  private projectorFiles: ObjectInfo[] = [];

  constructor(location: LogLocation, options: OpenLogdirOptions) {
    const runStates = new Map<string, RunState>();
    super(location, runStates);
    this.runStates = runStates;
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
    const projectorFiles: ObjectInfo[] = [];
    for (const info of listing) {
      await slices.pause();
      if (info.key.endsWith(PROJECTOR_CONFIG) && info.key.slice(info.key.lastIndexOf('/') + 1) === PROJECTOR_CONFIG) projectorFiles.push(info);
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
        file = newFileState(info.key, info.etag);
        run.files.set(info.key, file);
      } else if (info.etag !== file.etag) {
        if (info.size < file.reader.offset) run.reset(); // replaced by a shorter object: read it all again
        file.etag = info.etag;
        file.reader.dead = false; // a replaced object gets another chance
      }
      touchedRuns.add(run);
    }
    this.projectorFiles = projectorFiles;
    // Work list after resets, so a reset run has every file at offset 0.
    const sizes = new Map<string, ObjectInfo>();
    for (const info of listing) sizes.set(info.key, info);
    for (const run of touchedRuns) {
      await slices.pause();
      const keys = [...run.files.keys()].sort();
      for (const key of keys) {
        const file = run.files.get(key) as FileState;
        const info = sizes.get(key);
        if (!info || file.reader.dead || info.size <= file.reader.offset) continue;
        work.push({ run, file, size: info.size });
      }
    }
    let bytesRead = 0;
    let records = 0;
    let largest = 0;
    for (const w of work) largest = Math.max(largest, w.size - w.file.reader.offset);
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
   * Reads a file from its reader's offset to the listed size in maxRead chunks, the next chunk always
   * in flight while this one is decoded (storage latency and page faults overlap the CPU work); the
   * file's RecordReader frames each chunk and carries a straddling record over to the next. With a
   * storage that can open objects (local files), the file is opened once and chunks land in the
   * reload's two recycled buffers: fresh memory is what a cold load pays most for on small VMs (a
   * new 1 MiB buffer per read faulted in 52 MB of pages for a 52 MB load).
   */
  private async readFile(run: RunState, file: FileState, size: number, pool: ReadPool): Promise<{ bytesRead: number; records: number }> {
    const { storage } = this.location;
    const reader = file.reader;
    let bytesRead = 0;
    let records = 0;
    let readPos = reader.offset;
    const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));
    let handle: ObjectReader | undefined;
    if (storage.openReader) {
      try {
        handle = await storage.openReader(file.key);
      } catch (err) {
        run.addProblem({ file: file.key, offset: readPos, kind: 'storage', message: storageProblem(err) });
        return { bytesRead, records };
      }
    }
    const open = handle;
    const fetch = (from: number, len: number): Promise<Buffer | Error> => {
      if (open === undefined) return storage.read(file.key, from, len).catch(asError);
      const target = pool.take(len);
      return open.readInto(target, 0, len, from).then((n) => target.subarray(0, n), asError);
    };
    const decoder = this.decoder;
    decoder.run = run;
    decoder.file = file;
    const slices = new Slices();
    let pending: Promise<Buffer | Error> | undefined = fetch(readPos, Math.min(this.maxRead, size - readPos));
    try {
      while (pending) {
        const got = await pending;
        pending = undefined;
        if (got instanceof Error) {
          run.addProblem({ file: file.key, offset: readPos, kind: 'storage', message: storageProblem(got) });
          break;
        }
        bytesRead += got.length;
        readPos += got.length;
        if (got.length > 0 && readPos < size) pending = fetch(readPos, Math.min(Math.max(this.maxRead, reader.missing), size - readPos));
        // Fed in slices with a chance to yield between them: a read decodes in 2–3 ms once the JIT
        // has compiled the decoder, but its first reads in a fresh process take 40+ ms, which is
        // another tenant's request waiting. Records across a slice boundary are stitched as across reads.
        for (let at = 0; at < got.length && !reader.dead; at += FEED_SLICE) {
          if (at > 0) await slices.pause();
          records += reader.feed(got.subarray(at, Math.min(got.length, at + FEED_SLICE)), this.verify, decoder);
        }
        if (reader.dead) break;
        // The listing said the object ends here, or the rest cannot complete the last record:
        // what is left is an incomplete record of a growing file, read at the next reload.
        if (pending && reader.missing > size - readPos && reader.carrying) break;
      }
      return { bytesRead, records };
    } finally {
      // A read still in flight writes into a pooled buffer: let it land before the next file.
      if (pending) await pending;
      reader.endRead();
      if (handle) await handle.close().catch(() => undefined);
    }
  }

  reportProblem(run: string, problem: Problem): void {
    this.runStates.get(run)?.addProblem(problem);
  }

  projectorConfigs(): ProjectorConfigFile[] {
    const { prefix } = this.location;
    const out: ProjectorConfigFile[] = [];
    for (const info of this.projectorFiles) {
      let run = runNameOf(prefix, info.key);
      if (run === PROJECTOR_ASSETS) run = '.';
      else if (run.endsWith(`/${PROJECTOR_ASSETS}`)) run = run.slice(0, -PROJECTOR_ASSETS.length - 1);
      // TensorBoard reads a config only in a run's directory, or at the root of a logdir without runs.
      if (this.runStates.has(run) || (run === '.' && this.runStates.size === 0)) {
        out.push({ run, key: info.key, etag: info.etag, size: info.size, location: this.location });
      }
    }
    return out;
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
