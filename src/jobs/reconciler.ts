// The one loop that moves every job's observed status toward its desired state, and the only
// caller of the runtime: the API changes desired state and kicks it, the viewer asks it to serve a
// RUNNING job this process is not serving (ensureServing) instead of starting the runtime itself.
// It runs one pass at a time, so its calls never race each other; a viewer's request is one more,
// short pass over that one job. Every step is a compare-and-set in the store that applies only if
// the job is still where the pass saw it, and every runtime call is idempotent: a pass may be
// killed at any point (kill -9) and simply re-run at the next start. Kicked after each API call,
// on a timer, and at startup.
// Failures follow the runtime's contract (runtime.ts), never a lower layer's types: permanent →
// 11 FAILED with the runtime's message; transient → the job is (or becomes) 8 RUNNING and its
// viewer start is retried with per-job backoff (doubling, jittered, capped), kept in memory only:
// after a restart the revive pass tries every RUNNING job once anyway. A viewer request for a job
// in backoff is answered with the last failure at once, so polling viewers never retry sooner
// than the backoff allows. What a start found is recorded on the job as conditions
// (domain/conditions.ts), written only when they change.
// Why a job in 1 INIT whose start fails transiently is admitted to 8 RUNNING rather than left in
// 1 or moved to 7: for a ModelArts user 7 WAITING means "queued behind the running quota", and a
// visualization job whose storage is briefly unreachable is still a running TensorBoard whose
// viewer retries (it answers "storage unavailable, retrying"); it holds its quota slot and its
// schedule runs, as it would on ModelArts.
import { JobRuntimeError, describeForLog, type JobRuntime } from '../runtime/runtime.js';
import { StoreUnavailableError, type JobRecord, type JobStore } from '../store/store.js';
import { sameConditions, setCondition, type JobCondition } from '../domain/conditions.js';
import { QUEUED, Status } from '../domain/status.js';

export interface ReconcilerOptions {
  runningQuota: number;
  /** Timer period for auto-stop deadlines and retries. */
  intervalMs?: number;
  /** Backoff of a job's viewer start after a transient failure: first delay, doubling up to the cap. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Uniform in [0, 1), for the jitter. */
  random?: () => number;
  now?: () => number;
  log?: (msg: string) => void;
}

/** failure_reason is stored and listed: bounded like every other field of a job row. */
const MAX_REASON_CHARS = 1024;

function reasonOf(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.length > MAX_REASON_CHARS ? `${m.slice(0, MAX_REASON_CHARS - 1)}…` : m;
}

/** While the store is unreachable, passes are spaced doubling from 250 ms up to this (recovery within it). */
export const STORE_OUTAGE_MAX_DELAY_MS = 2_000;
/** At most one log line per this long about a store outage. */
export const STORE_OUTAGE_LOG_EVERY_MS = 30_000;

function isStoreOutage(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof StoreUnavailableError) return true;
  }
  return false;
}

export const DEFAULT_RETRY_BASE_MS = 1_000;
export const DEFAULT_RETRY_MAX_MS = 60_000;

/** A RUNNING job whose viewer is not serving: when to try starting it again, and why it failed. */
interface Backoff {
  failures: number;
  at: number;
  error: JobRuntimeError;
}

/** What the viewer needs of the lifecycle: this one job served here, or why not. */
export interface ServingRequests {
  /**
   * Resolves once the job's viewer serves in this process, or when the job is not RUNNING (the
   * caller's own status check answers that). Rejects with the JobRuntimeError that kept it from
   * serving: at once while the job is in backoff, else after one start attempt.
   */
  ensureServing(jobId: number): Promise<void>;
}

interface Waiter {
  resolve: () => void;
  reject: (err: JobRuntimeError) => void;
}

export class Reconciler implements ServingRequests {
  private running = false;
  /** A full pass was asked for (kicks during a pass coalesce into one more). */
  private again = false;
  /** Viewer requests waiting for their job's short pass, by job id (concurrent ones share it). */
  private serveRequests = new Map<number, Waiter[]>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private reviveRunning = false;
  private idleWaiters: (() => void)[] = [];
  private readonly now: () => number;
  private readonly log: (msg: string) => void;
  private readonly backoff = new Map<number, Backoff>();
  /** Jobs the runtime found broken for good while serving, until a pass fails them. */
  private readonly broken = new Map<number, JobRuntimeError>();
  /** The store outage under way: since when, how many passes failed, when the next may run. */
  private outage: { since: number; failures: number; nextAt: number; loggedAt: number; passes: number } | undefined;

  constructor(
    private readonly store: JobStore,
    private readonly runtime: JobRuntime,
    private readonly opts: ReconcilerOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.log = opts.log ?? (() => {});
    runtime.onFailure?.((jobId, err) => {
      if (!err.permanent) return; // the viewer retries transient failures on its own
      this.broken.set(jobId, err);
      this.kick();
    });
  }

  /** When a job in backoff is tried next (tests), or undefined when it is not waiting for a retry. */
  retryAt(jobId: number): number | undefined {
    return this.backoff.get(jobId)?.at;
  }

  /**
   * Starts the loop: the first pass brings back the viewers of RUNNING jobs (a restart lost them)
   * before anything else, without holding up the server's start. Then the timer.
   */
  async start(): Promise<void> {
    this.reviveRunning = true;
    this.kick();
    const every = this.opts.intervalMs ?? 1000;
    this.timer = setInterval(() => this.kick(), every);
    this.timer.unref();
  }

  /** Asks for a pass soon; passes never overlap, and kicks during a pass coalesce into one more. */
  kick(): void {
    this.again = true;
    // During a store outage passes are spaced by the backoff, whoever asks.
    if (this.outage && Date.now() < this.outage.nextAt) return;
    this.wake();
  }

  /** Whether the last pass found the store unreachable (the outage is still under way). */
  storeOutage(): boolean {
    return this.outage !== undefined;
  }

  /** Passes that completed, and passes that failed (metrics). */
  readonly passes = { ok: 0, failed: 0 };

  private passFailed(err: unknown): void {
    this.passes.failed++;
    if (!isStoreOutage(err)) {
      this.log(`reconcile pass failed: ${reasonOf(err)}`);
      return;
    }
    const now = Date.now();
    const o = (this.outage ??= { since: now, failures: 0, nextAt: now, loggedAt: -Infinity, passes: 0 });
    o.failures++;
    o.passes++;
    const delay = Math.min(STORE_OUTAGE_MAX_DELAY_MS, 250 * 2 ** Math.min(o.failures - 1, 10));
    o.nextAt = now + delay;
    if (now - o.loggedAt >= STORE_OUTAGE_LOG_EVERY_MS) {
      this.log(`reconciler: ${reasonOf(err)}; backing off (passes every ≤${STORE_OUTAGE_MAX_DELAY_MS} ms, ${o.passes} failed so far)`);
      o.loggedAt = now;
    }
    // The timer keeps kicking; a retry is also armed here so recovery does not wait for the next kick.
    setTimeout(() => this.kick(), delay).unref();
  }

  private passSucceeded(): void {
    this.passes.ok++;
    if (!this.outage) return;
    this.log(`reconciler: metadata store reachable again after ${String(Math.round((Date.now() - this.outage.since) / 100) / 10)} s`);
    this.outage = undefined;
  }

  ensureServing(jobId: number): Promise<void> {
    if (this.runtime.isServing(jobId)) return Promise.resolve();
    const b = this.backoff.get(jobId);
    if (b && b.at > this.now()) return Promise.reject(b.error);
    if (this.closed) return Promise.reject(new JobRuntimeError('transient', 'the service is shutting down'));
    return new Promise<void>((resolve, reject) => {
      const waiters = this.serveRequests.get(jobId);
      if (waiters) waiters.push({ resolve, reject });
      else this.serveRequests.set(jobId, [{ resolve, reject }]);
      this.wake();
    });
  }

  private wake(): void {
    if (this.closed || this.running) return;
    this.running = true;
    setImmediate(() => void this.loop());
  }

  /** Resolves once no pass is running or requested (tests and shutdown). */
  idle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.idle();
    this.answerServeRequests(new JobRuntimeError('transient', 'the service is shutting down'));
  }

  private async loop(): Promise<void> {
    try {
      // Viewer requests first (each is one job, so a viewer waits for at most the pass under way),
      // then a full pass if one was asked for: a stream of requests never starves the passes.
      while ((this.passDue() || this.serveRequests.size > 0) && !this.closed) {
        if (this.serveRequests.size > 0) await this.serveRequested();
        if (this.passDue() && !this.closed) {
          this.again = false;
          try {
            await this.pass();
            this.passSucceeded();
          } catch (err) {
            this.passFailed(err);
          }
        }
      }
    } finally {
      this.running = false;
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const r of w) r();
    }
  }

  /** A pass was asked for and no store-outage backoff holds it (the armed retry asks again). */
  private passDue(): boolean {
    return this.again && !(this.outage && Date.now() < this.outage.nextAt);
  }

  private answerServeRequests(err: JobRuntimeError): void {
    const all = this.serveRequests;
    this.serveRequests = new Map();
    for (const waiters of all.values()) for (const w of waiters) w.reject(err);
  }

  /** The short pass of viewer requests: each asked-for job that is RUNNING is started unless in backoff. */
  private async serveRequested(): Promise<void> {
    const asked = this.serveRequests;
    this.serveRequests = new Map();
    for (const [jobId, waiters] of asked) {
      let failure: JobRuntimeError | undefined;
      try {
        const j = await this.store.get(jobId);
        if (j?.status === Status.RUNNING) failure = await this.serve(j);
      } catch (err) {
        failure = err instanceof JobRuntimeError ? err : new JobRuntimeError('transient', 'viewer could not start, retrying', { cause: err });
        // A store outage is logged by the passes (rate-limited), not once per viewer request.
        if (!isStoreOutage(err)) this.log(`job ${jobId}: serving request failed: ${describeForLog(err)}`);
      }
      for (const w of waiters) {
        if (failure) w.reject(failure);
        else w.resolve();
      }
    }
  }

  /**
   * Starts the job's viewer; undefined once it serves. Permanent failure: 11 FAILED, and the error.
   * Transient: the job is put in backoff and the error returned; the caller decides its status (it
   * may count as RUNNING).
   */
  private async tryStart(j: JobRecord): Promise<JobRuntimeError | undefined> {
    try {
      await this.runtime.start({ jobId: j.jobId, projectId: j.projectId, jobType: j.jobType, trainUrl: j.trainUrl });
      this.backoff.delete(j.jobId);
      await this.recordConditions(j, [
        { type: 'StorageReachable', status: 'True', reason: 'Reachable', message: 'the train_url answered' },
        { type: 'Serving', status: 'True', reason: 'Started', message: 'the viewer serves' },
      ]);
      return undefined;
    } catch (err) {
      const failure = err instanceof JobRuntimeError ? err : new JobRuntimeError('transient', 'viewer could not start, retrying', { cause: err });
      if (failure.permanent) {
        this.backoff.delete(j.jobId);
        this.log(`job ${j.jobId}: viewer cannot start: ${describeForLog(err)}`);
        await this.recordConditions(j, [{ type: 'Serving', status: 'False', reason: 'Failed', message: failure.message }]);
        await this.store.markFailed(j.jobId, failure.message, this.now());
        return failure;
      }
      const failures = (this.backoff.get(j.jobId)?.failures ?? 0) + 1;
      // "Equal jitter": at least half the doubling delay, so one job's retries stay spaced, and
      // a random other half, so jobs that failed together (one storage outage) do not retry together.
      const ceiling = Math.min(this.opts.retryMaxMs ?? DEFAULT_RETRY_MAX_MS, (this.opts.retryBaseMs ?? DEFAULT_RETRY_BASE_MS) * 2 ** (failures - 1));
      const delay = ceiling / 2 + (this.opts.random ?? Math.random)() * (ceiling / 2);
      this.backoff.set(j.jobId, { failures, at: this.now() + delay, error: failure });
      this.log(`job ${j.jobId}: viewer start failed (${failures}×), retry in ${Math.round(delay)} ms: ${describeForLog(err)}`);
      await this.recordConditions(j, [
        { type: 'StorageReachable', status: 'False', reason: 'StorageUnavailable', message: failure.message },
        { type: 'Serving', status: 'False', reason: 'RetryingStart', message: 'the viewer start failed; retried with backoff' },
      ]);
      return failure;
    }
  }

  /**
   * Records what a start found on the job, writing only when a condition's status or reason
   * changed (a retry counting up does not rewrite the row). Best effort: a failed write is logged
   * and the next start records it again.
   */
  private async recordConditions(j: JobRecord, changes: Omit<JobCondition, 'lastTransitionTime'>[]): Promise<void> {
    const now = this.now();
    let next: JobCondition[] = j.conditions;
    for (const c of changes) {
      const old = next.find((o) => o.type === c.type);
      if (old && old.status === c.status && old.reason === c.reason) continue;
      next = setCondition(next, c, now);
    }
    if (sameConditions(next, j.conditions)) return;
    try {
      if (await this.store.setConditions(j.jobId, next)) j.conditions = next;
    } catch (err) {
      this.log(`job ${j.jobId}: recording conditions failed: ${reasonOf(err)}`);
    }
  }

  /**
   * A RUNNING job's viewer, brought back if this process is not serving it, unless the job waits
   * in backoff: then the failure that put it there. Undefined once it serves.
   */
  private async serve(j: JobRecord): Promise<JobRuntimeError | undefined> {
    if (this.runtime.isServing(j.jobId)) {
      this.backoff.delete(j.jobId);
      return undefined;
    }
    const b = this.backoff.get(j.jobId);
    if (b && b.at > this.now()) return b.error;
    return this.tryStart(j);
  }

  /** One pass over every job with work to do. */
  async pass(): Promise<void> {
    if (this.reviveRunning) {
      for (const j of await this.store.running()) {
        if (this.closed) return;
        await this.serve(j);
      }
      this.reviveRunning = false;
    }
    for (const [jobId, err] of [...this.broken]) {
      if (this.closed) return;
      this.broken.delete(jobId);
      this.backoff.delete(jobId);
      // Only from 1|7|8: a job being stopped or deleted meanwhile just finishes that.
      if (await this.store.markFailed(jobId, err.message, this.now())) {
        this.log(`job ${jobId}: viewer failed: ${describeForLog(err)}`);
        await this.runtime.stop(jobId).catch((e: unknown) => this.log(`job ${jobId}: viewer stop failed: ${reasonOf(e)}`));
      }
    }
    // RUNNING jobs whose viewer failed to start transiently, each on its own schedule.
    for (const [jobId, b] of [...this.backoff]) {
      if (this.closed) return;
      if (b.at > this.now()) continue;
      const j = await this.store.get(jobId);
      if (j?.status === Status.RUNNING) await this.serve(j);
      else if (j === undefined || !QUEUED.includes(j.status)) this.backoff.delete(jobId);
    }
    const jobs = await this.store.pending(this.now());
    const queued = new Map<string, JobRecord[]>();
    for (const j of jobs) {
      if (this.closed) return;
      if (j.status === Status.KILLING) {
        this.backoff.delete(j.jobId);
        await this.finishKill(j);
      }
      else if (j.status === Status.RUNNING) await this.autoStop(j);
      else {
        const q = queued.get(j.projectId);
        if (q) q.push(j);
        else queued.set(j.projectId, [j]);
      }
    }
    // INIT/WAITING, first come first served per project, by stored queue position. Only the head
    // of a project's queue is ever admitted (store.admitHead, atomic under the project's lock), so
    // FIFO and the quota hold across replicas; `free` is only this pass's estimate, to spare
    // viewer starts that could not be admitted anyway.
    for (const [projectId, q] of queued) {
      let free = this.opts.runningQuota - (await this.store.countRunning(projectId));
      for (const j of q) {
        if (this.closed) return;
        if (free > 0) {
          const outcome = await this.startJob(j);
          if (outcome === 'admitted') free--;
          else if (outcome === 'refused') free = 0; // another replica took the slot, or an earlier job is queued
        }
        if (free <= 0 && j.status === Status.INIT) await this.store.markWaiting(j.jobId);
      }
    }
    await this.dropStaleViewers();
  }

  /**
   * Viewers this process serves for jobs no longer RUNNING (another replica stopped, failed or
   * deleted them, and finished that before this replica's pass saw them KILLING): dropped, so
   * they hold no memory and no reloads. A queued job's viewer stays: it is being admitted.
   */
  private async dropStaleViewers(): Promise<void> {
    for (const id of this.runtime.servingJobIds?.() ?? []) {
      if (this.closed) return;
      const j = await this.store.get(id);
      if (j && (j.status === Status.RUNNING || QUEUED.includes(j.status))) continue;
      this.backoff.delete(id);
      try {
        if (j) await this.runtime.stop(id);
        else await this.runtime.teardown(id);
      } catch (err) {
        this.log(`job ${id}: dropping its stale viewer failed: ${reasonOf(err)}`);
      }
    }
  }

  /**
   * 1|7 → 8 once the viewer serves, or once it failed transiently (see the header for why), if the
   * job still heads its project's queue below the quota. 'gone': it failed for good, or a stop or
   * delete won meanwhile (the next job is the head now); 'refused': it stays queued.
   */
  private async startJob(j: JobRecord): Promise<'admitted' | 'refused' | 'gone'> {
    const failure = await this.tryStart(j);
    if (failure?.permanent) return 'gone';
    if (await this.store.admitHead(j.jobId, this.opts.runningQuota, this.now())) return 'admitted';
    // A queued job's start is not a retry of a RUNNING job's viewer: it is tried again whenever
    // it can be admitted, not on the backoff's schedule.
    this.backoff.delete(j.jobId);
    const now = await this.store.get(j.jobId);
    if (now && QUEUED.includes(now.status)) return 'refused';
    // A stop or delete won meanwhile: the KILLING step of the next pass stops the viewer again.
    this.again = true;
    return 'gone';
  }

  private async autoStop(j: JobRecord): Promise<void> {
    const r = await this.store.beginKill(j.jobId, [Status.RUNNING], 'stopped', Status.COMPLETED, this.now());
    if (r.ok) await this.finishKill(r.job);
  }

  private async finishKill(j: JobRecord): Promise<void> {
    if (j.desired === 'deleted') {
      try {
        await this.runtime.teardown(j.jobId);
      } catch (err) {
        await this.store.failDelete(j.jobId, `teardown failed: ${reasonOf(err)}`);
        return;
      }
      await this.store.finishDelete(j.jobId);
    } else {
      try {
        await this.runtime.stop(j.jobId);
      } catch (err) {
        this.log(`job ${j.jobId}: viewer stop failed, will retry: ${reasonOf(err)}`);
        return;
      }
      await this.store.finishStop(j.jobId);
    }
  }
}
