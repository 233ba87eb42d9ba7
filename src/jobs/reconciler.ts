// The one loop that moves every job's observed status toward its desired state. It is the only
// caller of the runtime whose outcome changes a job (the viewer may start a RUNNING job's viewer on
// a request, sharing any start in flight), and it runs one pass at a time, so its calls never race
// each other. Every step is a compare-and-set in the store that applies only if the job is
// still where the pass saw it, and every runtime call is idempotent: a pass may be killed at any
// point (kill -9) and simply re-run at the next start. Kicked after each API call, on a timer, and
// at startup.
// Failures follow the runtime's contract (runtime.ts), never a lower layer's types: permanent →
// 11 FAILED with the runtime's message; transient → the job is (or becomes) 8 RUNNING and its
// viewer start is retried with per-job backoff (doubling, jittered, capped), kept in memory only:
// after a restart the revive pass tries every RUNNING job once anyway.
// Why a job in 1 INIT whose start fails transiently is admitted to 8 RUNNING rather than left in
// 1 or moved to 7: for a ModelArts user 7 WAITING means "queued behind the running quota", and a
// visualization job whose storage is briefly unreachable is still a running TensorBoard whose
// viewer retries (it answers "storage unavailable, retrying"); it holds its quota slot and its
// schedule runs, as it would on ModelArts.
import { JobRuntimeError, describeForLog, type JobRuntime } from '../runtime/runtime.js';
import type { JobRecord, JobStore } from '../store/store.js';
import { Status } from './status.js';

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

export const DEFAULT_RETRY_BASE_MS = 1_000;
export const DEFAULT_RETRY_MAX_MS = 60_000;

/** A RUNNING job whose viewer is not serving: when to try starting it again. */
interface Backoff {
  failures: number;
  at: number;
}

export class Reconciler {
  private running = false;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private reviveRunning = false;
  private idleWaiters: (() => void)[] = [];
  private readonly now: () => number;
  private readonly log: (msg: string) => void;
  private readonly backoff = new Map<number, Backoff>();
  /** Jobs the runtime found broken for good while serving, until a pass fails them. */
  private readonly broken = new Map<number, JobRuntimeError>();

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
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
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
  }

  private async loop(): Promise<void> {
    try {
      do {
        this.again = false;
        try {
          await this.pass();
        } catch (err) {
          this.log(`reconcile pass failed: ${reasonOf(err)}`);
        }
      } while (this.again && !this.closed);
    } finally {
      this.running = false;
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const r of w) r();
    }
  }

  /**
   * Starts the job's viewer. Permanent failure: 11 FAILED (false). Transient: the job is put in
   * backoff and the caller decides its status (true: it may count as RUNNING).
   */
  private async tryStart(j: JobRecord): Promise<boolean> {
    try {
      await this.runtime.start({ jobId: j.jobId, projectId: j.projectId, jobType: j.jobType, trainUrl: j.trainUrl });
      this.backoff.delete(j.jobId);
      return true;
    } catch (err) {
      if (err instanceof JobRuntimeError && err.permanent) {
        this.backoff.delete(j.jobId);
        this.log(`job ${j.jobId}: viewer cannot start: ${describeForLog(err)}`);
        await this.store.markFailed(j.jobId, err.message, this.now());
        return false;
      }
      const failures = (this.backoff.get(j.jobId)?.failures ?? 0) + 1;
      // "Equal jitter": at least half the doubling delay, so one job's retries stay spaced, and
      // a random other half, so jobs that failed together (one storage outage) do not retry together.
      const ceiling = Math.min(this.opts.retryMaxMs ?? DEFAULT_RETRY_MAX_MS, (this.opts.retryBaseMs ?? DEFAULT_RETRY_BASE_MS) * 2 ** (failures - 1));
      const delay = ceiling / 2 + (this.opts.random ?? Math.random)() * (ceiling / 2);
      this.backoff.set(j.jobId, { failures, at: this.now() + delay });
      this.log(`job ${j.jobId}: viewer start failed (${failures}×), retry in ${Math.round(delay)} ms: ${describeForLog(err)}`);
      return true;
    }
  }

  /** A RUNNING job's viewer, brought back if this process is not serving it. */
  private async ensureServing(j: JobRecord): Promise<void> {
    if (this.runtime.isServing(j.jobId)) {
      this.backoff.delete(j.jobId);
      return;
    }
    await this.tryStart(j);
  }

  /** One pass over every job with work to do. */
  async pass(): Promise<void> {
    if (this.reviveRunning) {
      for (const j of await this.store.running()) {
        if (this.closed) return;
        await this.ensureServing(j);
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
      if (j?.status === Status.RUNNING) await this.ensureServing(j);
      else if (j?.status !== Status.INIT && j?.status !== Status.WAITING) this.backoff.delete(jobId);
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
    // INIT/WAITING, first come first served per project, by stored queue position.
    for (const [projectId, q] of queued) {
      let free = this.opts.runningQuota - (await this.store.countRunning(projectId));
      for (const j of q) {
        if (this.closed) return;
        if (free > 0) {
          if ((this.backoff.get(j.jobId)?.at ?? 0) > this.now()) continue;
          if (await this.startJob(j)) free--;
        } else if (j.status === Status.INIT) {
          await this.store.markWaiting(j.jobId);
        }
      }
    }
  }

  /** 1|7 → 8 once the viewer serves, or once it failed transiently (see the header for why). */
  private async startJob(j: JobRecord): Promise<boolean> {
    if (!(await this.tryStart(j))) return false;
    if (await this.store.markRunning(j.jobId, this.now())) return true;
    // A stop or delete won meanwhile: the KILLING step of the next pass stops the viewer again.
    this.again = true;
    return false;
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
