// Log-directory stage (TensorBoard's data server: logdir + the loader's reload): listing, the work
// list, reads, and the Logdir that ties the stages together. Invariant: each reload makes exactly
// one storage.list(prefix) call and then reads only byte ranges not yet read (never a stat: on S3
// every call is a request); files of a run are read in name order; a file whose object was replaced
// by a shorter one resets its run; with a MemoryAccount, reading stops (to go on later from there)
// where the account refuses more. Concurrent reload() calls join the one in flight. Only this
// module and the event decoder mutate run state; queries go through view.ts. Dropping the Logdir
// drops everything.
import { fileProblem, StorageError } from '../storage/errors.js';
import type { LogLocation, ObjectInfo, ObjectReader, ObjectStorage } from '../storage/storage.js';
import type { LoadProgress, Logdir, LogdirStats, MemoryAccount, OpenLogdirOptions, Problem, ProjectorConfigFile, ReloadStats } from './model.js';
import { EventDecoder } from './event-decoder.js';
import { MsEventDecoder } from './mindspore/decoder.js';
import { compareEventFileKeys, isMindSporeSummaryFile, isMindSporeSummaryKey } from './mindspore/files.js';
import { RunState, newFileState, type FileState } from './run.js';
import { TagNames } from './tag-table.js';
import { Slices } from './slices.js';
import { ReadQueue } from './read-queue.js';
import { LIMITS } from './limits.js';
import type { SeriesItem } from './values.js';
import { LogdirReader } from './view.js';

// Reads of 1 MiB: few enough requests for object storage (52 for 52 MB), small enough that read
// buffers are recycled by the allocator instead of faulting in fresh pages (measured on the
// ingest corpus: 1 MiB used ~15% less CPU and 10 MB less RSS than 4 MiB, 25% less than 16 MiB).
const DEFAULT_MAX_READ = 1024 * 1024;
/**
 * How much of a read is decoded before the event loop may be given back (see readFile): 64 KiB is
 * ~0.7 ms once the decoder is compiled and a few ms before, in a fresh process, where a CPU
 * profile of three cold loads (isolation bench, case a) showed a 256 KiB slice and the read after
 * it hold the loop 36 ms.
 */
const FEED_SLICE = 64 * 1024;
/**
 * A file whose unread rest is at most this is read in one request, fetched ahead of its turn with
 * up to PREFETCH others: a sweep is thousands of 5 KB files, and read one after the other each
 * costs its storage's latency (an S3 round trip; on a slow disk, four thread-pool round trips).
 * Held at most PREFETCH × SMALL_READ = 4 MiB at once (16 MiB for an object store's 64).
 */
const SMALL_READ = 256 * 1024;
const PREFETCH = 16;
const MAX_PREFETCH = 64;
/**
 * With a MemoryAccount, a run's memory is reported after each of its files and every this many
 * bytes read within one: a single 20 GB file must not be read whole before anyone is asked.
 */
const MEMORY_CHECK_BYTES = 8 << 20;
/**
 * Memory of a run beyond its series' columns: its state, tag table, file readers and maps
 * (measured: a 2,000-run sweep took 18 MB of heap where its columns and per-tag 256 bytes came
 * to 11.5 MB). A sweep's runs are small, so this is most of what they cost. A run listed but not
 * read yet (no tags) costs less: 20,000 of them took 28.4 MB.
 */
const RUN_BYTES = 3_200;
const LISTED_RUN_BYTES = 1_500;
/** New runs of a listing reported to the memory account at once (a call per run would be 100,000 of them). */
const LISTED_RUNS_BATCH = 1_024;

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

/** A reusable buffer that grows to the largest read it served (at most SMALL_READ). */
class SlotBuffer {
  private buf: Buffer | undefined;

  take(len: number): Buffer {
    if (!this.buf || this.buf.length < len) this.buf = Buffer.allocUnsafeSlow(Math.max(len, 16 * 1024));
    return this.buf;
  }
}

/**
 * `length` bytes of `key` from `offset` (fewer at its end): opened, read into the slot's buffer and
 * closed where the storage can open objects (local files), else one read() (S3: one GET).
 */
async function readWhole(storage: ObjectStorage, key: string, offset: number, length: number, slot: SlotBuffer): Promise<Buffer> {
  if (!storage.openReader) return storage.read(key, offset, length);
  const reader = await storage.openReader(key);
  try {
    const target = slot.take(length);
    const n = await reader.readInto(target, 0, length, offset);
    return target.subarray(0, n);
  } finally {
    await reader.close();
  }
}

/** A failed read as a file's problem: the storage layer's words, which name no server path. */
function storageProblem(err: unknown): string {
  return err instanceof StorageError ? fileProblem(err) : err instanceof Error ? err.message : String(err);
}

/** A file a reload reads: its run, its state, its listed size, and its bytes when fetched ahead. */
interface WorkItem {
  run: RunState;
  file: FileState;
  size: number;
  whole?: Promise<Buffer | Error>;
}

/** The loader: owns the mutable run states; its query half (LogdirReader) sees them as views. */
class LogdirImpl extends LogdirReader implements Logdir {
  private readonly runStates: Map<string, RunState>;
  private inflight: Promise<ReloadStats> | undefined;
  private totals = { bytesRead: 0, records: 0, reloads: 0, files: 0 };
  private readonly loadState: LoadProgress = { loading: false, listed: false, files: 0, filesRead: 0 };
  private readonly verify: boolean;
  private readonly maxRead: number;
  /** One decoder for every file: a fresh sink per chunk made the framing loop's call site polymorphic ("wrong call target" deopts). */
  private readonly decoder = new EventDecoder();
  /** MindSpore summaries (mindspore/): the same framing, their own records. */
  private readonly msDecoder = new MsEventDecoder();
  /** Tag names shared by every run (a sweep's runs repeat the same few). */
  private readonly tagNames = new TagNames();
  /** Projector configs of the last listing (any depth; filtered to runs when asked). */
  private projectorFiles: ObjectInfo[] = [];
  private readonly memory: MemoryAccount | undefined;
  /** The account refused more memory: reloads read nothing until it has room again. */
  private memoryRefused = false;

  constructor(location: LogLocation, options: OpenLogdirOptions) {
    const runStates = new Map<string, RunState>();
    super(location, runStates);
    this.runStates = runStates;
    this.verify = options.verifyChecksums ?? true;
    this.maxRead = Math.max(16, options.maxReadBytes ?? DEFAULT_MAX_READ);
    this.memory = options.memory;
  }

  /**
   * Reports the run's memory now (the change since its last report) to the account; false when
   * the account refuses it: the reload stops reading, the problem says where, and later reloads
   * read on only once the account has room. Loaded data is kept either way.
   */
  private chargeRun(run: RunState, file: FileState): boolean {
    const account = this.memory;
    if (!account) return true;
    const c: Counted = { samples: 0, memoryBytes: 0, problems: 0 };
    countRun(run, c);
    const delta = c.memoryBytes - run.memoryCharged;
    run.memoryCharged = c.memoryBytes;
    if (account.grow(delta)) return true;
    this.refuse(account, { run, file });
    return false;
  }

  /** The listing stopped at LIMITS.listedEntries: said once, at the last run listed (a job with no run has nowhere to say it). */
  private listingCutReported = false;

  private reportCutListing(prefix: string): void {
    const last = this.lastListed();
    if (this.listingCutReported || !last) return;
    this.listingCutReported = true;
    last.run.addProblem({
      file: last.file.key,
      offset: 0,
      kind: 'limit',
      message: `the listing of ${prefix || 'the log directory'} stopped at ${LIMITS.listedEntries.toLocaleString('en')} entries (the cap of one job's listing): later files and runs are not read; point the job at a narrower directory`,
    });
  }

  /** The last file of the run listed last: where a problem of the listing itself is reported. */
  private lastListed(): { run: RunState; file: FileState } | undefined {
    let run: RunState | undefined;
    for (const r of this.runStates.values()) run = r;
    let file: FileState | undefined;
    for (const f of run?.files.values() ?? []) file = f;
    return run && file ? { run, file } : undefined;
  }

  /** Reading stops here (at a file, when there is one to read); the problem is reported once, where it first stopped. */
  private refuse(account: MemoryAccount, at: { run: RunState; file: FileState } | undefined): void {
    if (!this.memoryRefused && at) at.run.addProblem({ file: at.file.key, offset: at.file.reader.offset, kind: 'limit', message: account.refusal });
    this.memoryRefused = true;
  }

  reload(): Promise<ReloadStats> {
    if (this.closed) return Promise.resolve({ files: 0, bytesRead: 0, records: 0, durationMs: 0 });
    if (!this.inflight) {
      this.inflight = this.doReload().finally(() => {
        this.inflight = undefined;
      });
    }
    return this.inflight;
  }

  progress(): LoadProgress {
    return { ...this.loadState };
  }

  /** The running reload's work list, while it reads. */
  private queue: ReadQueue<WorkItem> | undefined;

  prioritize(runs: Iterable<string>, maxWaitMs?: number): Promise<void> {
    return this.queue?.prioritize(runs, maxWaitMs) ?? Promise.resolve();
  }

  /** Set by close(): the reload running stops at its next file or read. */
  private closed = false;

  close(): void {
    this.closed = true;
    this.queue?.close();
  }

  private async doReload(): Promise<ReloadStats> {
    const load = this.loadState;
    load.loading = true;
    load.listed = false;
    load.files = load.filesRead = 0;
    try {
      return await this.reloadOnce(load);
    } finally {
      load.loading = false;
    }
  }

  private async reloadOnce(load: LoadProgress): Promise<ReloadStats> {
    const t0 = performance.now();
    const { storage, prefix } = this.location;
    // A listing of 10,000 runs is ~50 ms of bookkeeping (and a local walk 20,000 calls): done in
    // slices, like every read below.
    const slices = new Slices();
    let cut = false;
    const listing = await storage.list(prefix, { pause: () => slices.pause(), maxEntries: LIMITS.listedEntries, truncated: () => (cut = true) });
    const work: WorkItem[] = [];
    let files = 0;
    const touchedRuns = new Set<RunState>();
    // New runs are reported to the account as they are listed, a batch at a time: a listing of a
    // million runs is gigabytes of run states, which the account must be able to stop before they exist.
    let newRuns = 0;
    let runsRefused = false;
    const projectorFiles: ObjectInfo[] = [];
    for (const info of listing) {
      await slices.pause();
      if (info.key.endsWith(PROJECTOR_CONFIG) && info.key.slice(info.key.lastIndexOf('/') + 1) === PROJECTOR_CONFIG) projectorFiles.push(info);
      if (!isEventFile(info.key) && !isMindSporeSummaryKey(prefix, info.key)) continue;
      files++;
      const name = runNameOf(prefix, info.key);
      let run = this.runStates.get(name);
      if (!run) {
        if (runsRefused) continue;
        if (this.memory && newRuns === LISTED_RUNS_BATCH) {
          runsRefused = !this.memory.grow(newRuns * LISTED_RUN_BYTES);
          newRuns = 0;
          if (runsRefused) continue;
        }
        run = new RunState(name, this.tagNames);
        run.memoryCharged = LISTED_RUN_BYTES;
        this.runStates.set(name, run);
        newRuns++;
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
    if (cut) this.reportCutListing(prefix);
    this.projectorFiles = projectorFiles;
    // Work list after resets, so a reset run has every file at offset 0.
    const sizes = new Map<string, ObjectInfo>();
    for (const info of listing) sizes.set(info.key, info);
    for (const run of touchedRuns) {
      await slices.pause();
      const keys = [...run.files.keys()].sort(compareEventFileKeys);
      for (const key of keys) {
        const file = run.files.get(key) as FileState;
        const info = sizes.get(key);
        if (!info || file.reader.dead || info.size <= file.reader.offset) continue;
        work.push({ run, file, size: info.size });
      }
    }
    // The runs just listed count from now (a sweep's 100,000 runs are memory before any is read);
    // refused before, reading goes on only if the account has room now (other jobs' data dropped).
    if (this.memory) {
      const room = this.memory.grow(newRuns * LISTED_RUN_BYTES) && !runsRefused;
      if (room) this.memoryRefused = false;
      else {
        this.refuse(this.memory, work[0] ?? this.lastListed());
        work.length = 0;
      }
    }
    load.listed = true;
    load.files = work.length;
    let bytesRead = 0;
    let records = 0;
    let largest = 0;
    for (const w of work) largest = Math.max(largest, w.size - w.file.reader.offset);
    const pool = new ReadPool(Math.min(this.maxRead, largest));
    const small = Math.min(this.maxRead, SMALL_READ);
    const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));
    // One buffer per prefetch slot, reused: a fresh 5 KB buffer per file was 52 MB of external
    // memory for a sweep, and external memory growth is what starts V8's full collections.
    const prefetch = Math.max(1, Math.min(MAX_PREFETCH, storage.readConcurrency ?? PREFETCH));
    const ring = Array.from({ length: prefetch + 2 }, () => new SlotBuffer());
    // The web UI's series requests may move the files of the runs they ask for forward (prioritize).
    const queue = new ReadQueue(work, (w) => w.run.name);
    this.queue = queue;
    try {
      for (let i = 0; i < work.length; i++) {
        // Closed (the job stopped, or deleted, during a long first load): the rest is not read.
        if (this.closed) break;
        // Small files are fetched `prefetch` ahead, decoded in order; large ones are read in turn.
        while (queue.issued < work.length && queue.issued <= i + prefetch) {
          const slot = ring[queue.issued % ring.length];
          const w = queue.issue() as WorkItem;
          const rest = w.size - w.file.reader.offset;
          if (rest <= small) w.whole = readWhole(storage, w.file.key, w.file.reader.offset, rest, slot).catch(asError);
        }
        // Reads that answer at once (a local disk's cache) never give the loop back by themselves.
        await slices.pause();
        if (this.closed) break;
        const { run, file, size, whole } = work[i];
        const r = whole ? await this.feedWhole(run, file, await whole, slices) : await this.readFile(run, file, size, pool);
        work[i].whole = undefined;
        load.filesRead++;
        queue.finish(i);
        bytesRead += r.bytesRead;
        records += r.records;
        if (this.memoryRefused || !this.chargeRun(run, file)) break;
      }
    } finally {
      queue.close();
      this.queue = undefined;
    }
    // Counted before the reload is done (data/runs may answer from it meanwhile); a problem reported
    // while the count yields, to a run it has passed, shows in the next reload's count.
    await this.countInSlices(slices);
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
    const decoder = this.decoderFor(file);
    decoder.run = run;
    decoder.file = file;
    const slices = new Slices();
    let pending: Promise<Buffer | Error> | undefined = fetch(readPos, Math.min(this.maxRead, size - readPos));
    let unreported = 0;
    try {
      while (pending) {
        const got = await pending;
        pending = undefined;
        if (this.closed) break;
        if (got instanceof Error) {
          run.addProblem({ file: file.key, offset: readPos, kind: 'storage', message: storageProblem(got) });
          break;
        }
        bytesRead += got.length;
        readPos += got.length;
        if (got.length > 0 && readPos < size) pending = fetch(readPos, Math.min(Math.max(this.maxRead, reader.missing), size - readPos));
        // Fed in slices with a chance to yield before each: a read decodes in 2–3 ms once the JIT
        // has compiled the decoder, but its first reads in a fresh process take 40+ ms, which is
        // another tenant's request waiting. The first slice too: a read from a local disk comes
        // back without giving the loop back, so the turn that fed the last slice would go on.
        // Records across a slice boundary are stitched as across reads.
        for (let at = 0; at < got.length && !reader.dead; at += FEED_SLICE) {
          await slices.pause();
          records += reader.feed(got.subarray(at, Math.min(got.length, at + FEED_SLICE)), this.verify, decoder);
        }
        if (reader.dead) break;
        unreported += got.length;
        if (unreported >= MEMORY_CHECK_BYTES) {
          unreported = 0;
          if (!this.chargeRun(run, file)) break;
        }
        // The listing said the object ends here, or the rest cannot complete the last record:
        // what is left is an incomplete record of a growing file, read at the next reload.
        if (pending && reader.missing > size - readPos && reader.carrying) break;
      }
      return { bytesRead, records };
    } finally {
      // A read still in flight writes into a pooled buffer: let it land before the next file.
      if (pending) await pending;
      reader.endRead();
      run.tagTable.settle();
      if (handle) await handle.close().catch(() => undefined);
    }
  }

  /** MindSpore summaries (by their name) get their own records' decoder; the framing is the same. */
  private decoderFor(file: FileState): EventDecoder | MsEventDecoder {
    return isMindSporeSummaryFile(file.key) ? this.msDecoder : this.decoder;
  }

  /** Decodes a file's whole unread rest, fetched ahead (see SMALL_READ). */
  private async feedWhole(run: RunState, file: FileState, got: Buffer | Error, slices: Slices): Promise<{ bytesRead: number; records: number }> {
    const reader = file.reader;
    if (got instanceof Error) {
      run.addProblem({ file: file.key, offset: reader.offset, kind: 'storage', message: storageProblem(got) });
      return { bytesRead: 0, records: 0 };
    }
    const decoder = this.decoderFor(file);
    let records = 0;
    try {
      for (let at = 0; at < got.length && !reader.dead; at += FEED_SLICE) {
        if (at > 0) await slices.pause();
        // Set at every slice: nothing else feeds this Logdir's decoder meanwhile, but say so here.
        decoder.run = run;
        decoder.file = file;
        records += reader.feed(got.subarray(at, Math.min(got.length, at + FEED_SLICE)), this.verify, decoder);
      }
    } finally {
      reader.endRead();
      run.tagTable.settle();
    }
    return { bytesRead: got.length, records };
  }

  reportProblem(run: string, problem: Problem): void {
    const r = this.runStates.get(run);
    if (!r) return;
    const before = r.problems.length + r.problemsOmitted;
    r.addProblem(problem);
    if (this.counted) this.counted.problems += r.problems.length + r.problemsOmitted - before;
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

  /**
   * Samples, memory and problems as the last completed reload left them (plus problems reported
   * since): counted at the end of each reload in slices, because data/status asks for them while a
   * load runs and a count over 100,000 runs × 10 tags was a 340 ms task per request. Before the
   * first reload ends they are counted here, once the load is not running (0 while it runs).
   */
  stats(): LogdirStats {
    const c = this.counted ?? (this.loadState.loading ? undefined : (this.counted = this.countNow()));
    return {
      runs: this.runStates.size,
      files: this.totals.files,
      bytesRead: this.totals.bytesRead,
      records: this.totals.records,
      samples: c?.samples ?? 0,
      memoryBytes: c?.memoryBytes ?? 0,
      problems: c?.problems ?? 0,
      reloads: this.totals.reloads,
    };
  }

  private counted: Counted | undefined;

  private countNow(): Counted {
    const c: Counted = { samples: 0, memoryBytes: 0, problems: 0 };
    for (const r of this.runStates.values()) countRun(r, c);
    return c;
  }

  private async countInSlices(slices: Slices): Promise<void> {
    const c: Counted = { samples: 0, memoryBytes: 0, problems: 0 };
    for (const r of this.runStates.values()) {
      await slices.pause();
      countRun(r, c);
    }
    this.counted = c;
  }
}

interface Counted {
  samples: number;
  memoryBytes: number;
  problems: number;
}

function countRun(r: RunState, c: Counted): void {
  c.problems += r.problems.length + r.problemsOmitted;
  for (const t of r.tags.values()) {
    c.samples += t.store.length;
    c.memoryBytes += t.store.memoryBytes(itemBytes) + 256;
  }
  c.memoryBytes += r.tags.size > 0 ? RUN_BYTES : LISTED_RUN_BYTES;
}

/** Opens a log directory; nothing is read until the first reload(). */
export function openLogdir(location: LogLocation, options: OpenLogdirOptions = {}): Logdir {
  return new LogdirImpl(location, options);
}
