// The viewer's JobRuntime and its loading policy. Starting a job only checks that its storage
// answers (one list); nothing is read until someone views it. The first data request opens the
// job's Logdir and waits for the first full load; later requests are served from memory and, if
// the last reload began more than `reloadIntervalMs` ago, start one in the background. A job
// nobody has asked about for `viewerIdleMs` loses its Logdir (memory released) but stays
// RUNNING, and while nobody views it there are no storage calls at all: no timers poll storage,
// only the sweep that drops idle Logdirs, which runs while at least one is loaded.
// Failures follow the runtime contract (runtime.ts): start() throws a JobRuntimeError; a reload
// that finds the storage permanently bad is reported to the lifecycle (onFailure), one that finds
// it unavailable keeps the last good data (or, with none yet, answers "storage unavailable,
// retrying") and is retried by the next view after the reload interval.
import type { Config } from '../config.js';
import { openLogdir as engineOpenLogdir, type LoadProgress, type Logdir, type LogdirStats, type MemoryAccount, type OpenLogdirOptions } from '../events/index.js';
import { runtimeErrorOf, STORAGE_RETRYING, type JobRuntime, type JobRuntimeError, type RuntimeFailureListener, type JobToServe, type RuntimeGauges } from '../runtime/runtime.js';
import { probeLocation, type LogLocation } from '../storage/storage.js';
import { MemoryBudget, type BudgetHolder } from './memory-budget.js';

export const DEFAULT_RELOAD_INTERVAL_MS = 3_000;
/**
 * How long an answer that may be partial (data/runs, scalars/tags: TensorBoard's own server
 * answers them with what it has loaded so far) waits for a job's first load before answering
 * with what is loaded. Never before the load's listing (the run list is always complete) nor
 * before its first file is read (so tag names are there to draw); the web UI asks again when the
 * load ends. Counted from the start of the load, so the requests a page makes one after another
 * wait for it once between them. Half a second: a 10,000-run sweep takes 1–1.5 s to load on local
 * disk and many seconds on object storage, and charts of the runs read so far are worth more than
 * a spinner.
 */
export const FIRST_ANSWER_MS = 500;

/**
 * The most of a viewed job's time its reloads may take: the interval stretches to the last
 * reload's duration ÷ this. A reload that finds nothing new still lists and stats every run, and
 * for 100,000 runs on a local disk that is ~2.5 s, so every 3 s would keep a core listing for one
 * open page; 10,000 runs (~0.2 s) keep the 3 s interval.
 */
export const MAX_RELOAD_SHARE = 0.2;

export interface ViewerRuntimeOptions {
  config: Pick<Config, 'obsRoot' | 's3Endpoint' | 'viewerIdleMs'> & Partial<Pick<Config, 's3Config'>>;
  /** Minimum time between two reloads of a viewed job. */
  reloadIntervalMs?: number;
  /**
   * train_url → location (the service: storage/resolve.ts's resolveTrainUrl; tests wrap the storage
   * here to count its calls). Passed in, not imported, so `vizjobs view` over local directories
   * never loads the S3 client.
   */
  locate: (trainUrl: string) => LogLocation;
  openLogdir?: (location: LogLocation, options: OpenLogdirOptions) => Logdir;
  now?: () => number;
  /**
   * What the loaded logs of every job may take together (bytes, the engine's estimate) and the
   * most one job may take of it (see memory-budget.ts). Without it, nothing is limited.
   */
  memory?: { limitBytes: number; jobShare: number };
}

export type LoadState = 'idle' | 'loading' | 'ready' | 'error';

/** What `data/status` reports. */
export interface ViewerStatus {
  state: LoadState;
  /** Set while the last reload failed; the data served is the last good one. */
  error?: string;
  stats?: LogdirStats;
  lastReloadAt?: number;
  lastReloadMs?: number;
  /** The running reload's progress, while one runs. */
  progress?: LoadProgress;
}

/** A job being served; holds a Logdir only while someone views it. */
class ServingState implements BudgetHolder {
  logdir: Logdir | undefined;
  /** What its Logdir reported to the memory budget (bytes). */
  memoryBytes = 0;
  account: MemoryAccount | undefined;
  loaded = false;
  reloading: Promise<void> | undefined;
  lastAccess = 0;
  lastReloadStart = 0;
  /** performance.now() when the running (or last) reload began: what a partial answer's wait counts from. */
  reloadStartedMs = 0;
  lastReloadAt: number | undefined;
  lastReloadMs: number | undefined;
  /** How long the last reload after the first load took, by the runtime's clock. */
  steadyReloadMs = 0;
  error: string | undefined;
  /** Why the last reload failed, while it did. */
  failure: JobRuntimeError | undefined;
  /** Bumped whenever a reload may have changed what is served: keys response caches. */
  generation = 0;
  private lastFiles = -1;
  readonly cache = new Map<string, unknown>();

  constructor(
    readonly job: JobToServe,
    readonly location: LogLocation,
    private readonly budget: MemoryBudget | undefined,
  ) {}

  get project(): string {
    return this.job.projectId;
  }

  release(): void {
    // A first load still running stops reading (a 100,000-run directory on S3 takes minutes).
    this.logdir?.close?.();
    this.logdir = undefined;
    this.budget?.released(this);
    this.loaded = false;
    this.reloading = undefined;
    this.cache.clear();
    this.lastFiles = -1;
    this.generation++;
  }

  noteReload(bytesRead: number, files: number): void {
    if (bytesRead > 0 || files !== this.lastFiles) {
      this.generation++;
      this.cache.clear();
    }
    this.lastFiles = files;
  }
}

/** A loaded job, as a request sees it. */
export interface LoadedJob {
  job: JobToServe;
  logdir: Logdir;
  generation: number;
  /** Small per-job cache of encoded responses, cleared when the data changes or is dropped. */
  cache: Map<string, unknown>;
  /**
   * Set while the first load runs (viewSoon): `read/files` event files loaded. An answer built
   * from it has every run but only the loaded runs' tags, and is never cached.
   */
  partial?: string;
}

const MAX_CACHED_RESPONSES = 64;

export class ViewerRuntime implements JobRuntime {
  private readonly jobs = new Map<number, ServingState>();
  private readonly starting = new Map<number, { done: Promise<void> }>();
  private failureListeners: RuntimeFailureListener[] = [];
  private readonly reloadIntervalMs: number;
  private readonly idleMs: number;
  private readonly now: () => number;
  private readonly locate: (trainUrl: string) => LogLocation;
  private readonly open: (location: LogLocation, options: OpenLogdirOptions) => Logdir;
  private sweepTimer: NodeJS.Timeout | undefined;
  /** Undefined when nothing limits the memory of loaded logs. */
  readonly memoryBudget: MemoryBudget | undefined;

  constructor(options: ViewerRuntimeOptions) {
    this.reloadIntervalMs = options.reloadIntervalMs ?? DEFAULT_RELOAD_INTERVAL_MS;
    this.idleMs = options.config.viewerIdleMs;
    this.now = options.now ?? Date.now;
    this.locate = options.locate;
    this.open = options.openLogdir ?? ((loc, opts) => engineOpenLogdir(loc, opts));
    const m = options.memory;
    this.memoryBudget = m ? new MemoryBudget(m.limitBytes, m.jobShare, () => this.jobs.values(), this.now) : undefined;
  }

  start(job: JobToServe): Promise<void> {
    const existing = this.jobs.get(job.jobId);
    if (existing && existing.job.trainUrl === job.trainUrl) return Promise.resolve();
    // Concurrent starts of one job share one probe (idempotent for the lifecycle, however it calls).
    const pending = this.starting.get(job.jobId);
    if (pending) return pending.done;
    const entry = { done: Promise.resolve() };
    entry.done = (async () => {
      let location: LogLocation;
      try {
        location = this.locate(job.trainUrl);
        // One request proves the storage answers (a probe, not a listing: a sweep's 10,000 runs
        // are listed when someone views them). Nothing there yet is "no data yet", not an error.
        await probeLocation(location);
      } catch (err) {
        throw runtimeErrorOf(err, job.trainUrl);
      }
      if (this.starting.get(job.jobId) !== entry) return; // stopped meanwhile
      this.jobs.get(job.jobId)?.release();
      this.jobs.set(job.jobId, new ServingState(job, location, this.memoryBudget));
    })().finally(() => {
      if (this.starting.get(job.jobId) === entry) this.starting.delete(job.jobId);
    });
    this.starting.set(job.jobId, entry);
    return entry.done;
  }

  onFailure(listener: RuntimeFailureListener): void {
    this.failureListeners.push(listener);
  }

  async stop(jobId: number): Promise<void> {
    this.drop(jobId);
  }

  async teardown(jobId: number): Promise<void> {
    this.drop(jobId);
  }

  isServing(jobId: number): boolean {
    return this.jobs.has(jobId);
  }

  private drop(jobId: number): void {
    this.starting.delete(jobId);
    const s = this.jobs.get(jobId);
    if (s) s.release();
    this.jobs.delete(jobId);
    this.scheduleSweep();
  }

  servingJobIds(): number[] {
    return [...this.jobs.keys()];
  }

  gauges(): RuntimeGauges {
    let loaded = 0;
    let samples = 0;
    let memoryBytes = 0;
    for (const s of this.jobs.values()) {
      if (!s.logdir) continue;
      loaded++;
      const st = s.logdir.stats();
      samples += st.samples;
      memoryBytes += st.memoryBytes;
    }
    const b = this.memoryBudget;
    return { serving: this.jobs.size, loaded, samples, memoryBytes, memoryBudgetBytes: b?.limitBytes, memoryRefusals: b?.refusals, memoryEvictions: b?.evictions };
  }

  /** Jobs whose data is in memory now. */
  loadedJobIds(): number[] {
    return [...this.jobs.values()].filter((s) => s.logdir).map((s) => s.job.jobId);
  }

  /**
   * The job's data for a request: loads it on first view (waiting for the first full load) and
   * starts a background reload when the data is older than the reload interval. Undefined when
   * the job is not served here.
   */
  async view(jobId: number): Promise<LoadedJob | undefined> {
    const s = this.jobs.get(jobId);
    if (!s) return undefined;
    this.touch(s);
    // Dropped while this request waited for the load (the idle sweep, or the memory budget making
    // room): the job is still served, so it is loaded again rather than answered "not running".
    for (let attempt = 0; !s.loaded; attempt++) {
      // Without good data a failed load answers its failure; views retry it once per interval.
      if (!s.failure || this.now() - s.lastReloadStart >= this.reloadIntervalMs) await this.reload(s);
      if (s.failure) throw s.failure;
      if (!s.logdir) {
        if (attempt < 2 && this.jobs.get(jobId) === s) continue;
        return undefined;
      }
      s.loaded = true;
    }
    const logdir = s.logdir;
    if (!logdir) return undefined;
    return { job: s.job, logdir, generation: s.generation, cache: s.cache };
  }

  /**
   * As view(), but while the first load runs, answers after `waitMs` (and once the load's listing
   * is done) with what is loaded so far, marked `partial`. A failed load throws as view() does.
   */
  async viewSoon(jobId: number, waitMs = FIRST_ANSWER_MS): Promise<LoadedJob | undefined> {
    const s = this.jobs.get(jobId);
    if (!s || s.loaded) return this.view(jobId);
    const full = this.view(jobId).then(
      (v) => ({ v }),
      (err: unknown) => ({ err }),
    );
    // Counted from the load's start, not from this request: the web UI asks environment, runs and
    // tags one after another, and a half-second each made a 10,000-run page wait 1.5 s for nothing.
    let wait = Math.max(0, waitMs - (performance.now() - s.reloadStartedMs));
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const r = await Promise.race([full, new Promise<undefined>((res) => (timer = setTimeout(() => res(undefined), wait)))]);
      clearTimeout(timer);
      if (r !== undefined) {
        if ('err' in r) throw r.err;
        return r.v;
      }
      const logdir = s.logdir;
      const p = logdir?.progress?.();
      if (logdir && p?.loading && p.listed && (p.files === 0 || p.filesRead > 0) && !s.loaded) {
        return { job: s.job, logdir, generation: s.generation, cache: s.cache, partial: `${p.filesRead}/${p.files}` };
      }
      wait = 25; // the listing (or the first read) is still running: every run must be known before answering
    }
  }

  /** Load progress for data/status. Counts as a view (starts loading) but never waits. */
  status(jobId: number): ViewerStatus | undefined {
    const s = this.jobs.get(jobId);
    if (!s) return undefined;
    this.touch(s);
    if (!s.loaded && !s.reloading && (!s.failure || this.now() - s.lastReloadStart >= this.reloadIntervalMs)) {
      void this.reload(s).then(() => {
        if (s.logdir && !s.failure) s.loaded = true;
      });
    }
    const state: LoadState = s.loaded ? (s.error ? 'error' : 'ready') : s.reloading ? 'loading' : s.error ? 'error' : 'idle';
    return {
      state,
      error: s.error,
      stats: s.logdir?.stats(),
      progress: s.reloading ? s.logdir?.progress?.() : undefined,
      lastReloadAt: s.lastReloadAt,
      lastReloadMs: s.lastReloadMs,
    };
  }

  private touch(s: ServingState): void {
    s.lastAccess = this.now();
    if (s.loaded && !s.reloading && s.lastAccess - s.lastReloadStart >= Math.max(this.reloadIntervalMs, s.steadyReloadMs / MAX_RELOAD_SHARE)) {
      void this.reload(s);
    }
  }

  /** One reload, joined by concurrent callers; never rejects (errors land in `s.error`). */
  private reload(s: ServingState): Promise<void> {
    if (s.reloading) return s.reloading;
    if (!s.logdir) {
      s.logdir = this.open(s.location, { memory: this.memoryBudget?.open(s) });
      this.scheduleSweep();
    }
    const logdir = s.logdir;
    const steady = s.loaded;
    s.lastReloadStart = this.now();
    s.reloadStartedMs = performance.now();
    const p = logdir
      .reload()
      .then(
        (stats) => {
          if (s.logdir !== logdir) return; // dropped meanwhile
          s.error = undefined;
          s.failure = undefined;
          s.lastReloadAt = this.now();
          s.lastReloadMs = stats.durationMs;
          if (steady) s.steadyReloadMs = s.lastReloadAt - s.lastReloadStart;
          s.noteReload(stats.bytesRead, stats.files);
        },
        (err: unknown) => {
          if (s.logdir !== logdir) return;
          const failure = runtimeErrorOf(err, s.job.trainUrl);
          s.failure = failure;
          s.error = failure.permanent ? failure.message : STORAGE_RETRYING;
          s.lastReloadAt = this.now();
          if (failure.permanent) for (const l of this.failureListeners) l(s.job.jobId, failure);
        },
      )
      .finally(() => {
        if (s.reloading === p) s.reloading = undefined;
      });
    s.reloading = p;
    return p;
  }

  /** Drops the Logdir of every job idle for `viewerIdleMs`. Tests call it with a fake clock. */
  sweep(): void {
    const now = this.now();
    for (const s of this.jobs.values()) {
      if (s.logdir && now - s.lastAccess >= this.idleMs) s.release();
    }
    this.scheduleSweep();
  }

  private scheduleSweep(): void {
    const anyLoaded = [...this.jobs.values()].some((s) => s.logdir);
    if (anyLoaded && !this.sweepTimer) {
      const every = Math.max(250, Math.min(this.idleMs / 4, 30_000));
      this.sweepTimer = setInterval(() => this.sweep(), every);
      this.sweepTimer.unref();
    } else if (!anyLoaded && this.sweepTimer) {
      clearInterval(this.sweepTimer);
      this.sweepTimer = undefined;
    }
  }

  /** Stops the sweep timer and drops every job (server shutdown). */
  close(): void {
    for (const id of [...this.jobs.keys()]) this.drop(id);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
  }
}

/** Bounded insert into a job's response cache (oldest entry out first). */
export function cachePut(cache: Map<string, unknown>, key: string, value: unknown): void {
  if (cache.size >= MAX_CACHED_RESPONSES) {
    const first = cache.keys().next();
    if (!first.done) cache.delete(first.value);
  }
  cache.set(key, value);
}
