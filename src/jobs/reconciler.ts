// The one loop that moves every job's observed status toward its desired state. It is the only
// caller of the runtime, and it runs one pass at a time, so runtime calls never race each other.
// Every step is a compare-and-set in the store that applies only if the job is still where the
// pass saw it, and every runtime call is idempotent: a pass may be killed at any point (kill -9)
// and simply re-run at the next start. Kicked after each API call, on a timer, and at startup.
import { StorageError } from '../storage/storage.js';
import type { JobRuntime } from '../runtime/runtime.js';
import type { JobRecord, JobStore } from '../store/store.js';
import { Status } from './status.js';

export interface ReconcilerOptions {
  runningQuota: number;
  /** Timer period for auto-stop deadlines and retries. */
  intervalMs?: number;
  now?: () => number;
  log?: (msg: string) => void;
}

/** failure_reason is stored and listed: bounded like every other field of a job row. */
const MAX_REASON_CHARS = 1024;

function reasonOf(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.length > MAX_REASON_CHARS ? `${m.slice(0, MAX_REASON_CHARS - 1)}…` : m;
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

  constructor(
    private readonly store: JobStore,
    private readonly runtime: JobRuntime,
    private readonly opts: ReconcilerOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.log = opts.log ?? (() => {});
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

  private async ensureServing(j: JobRecord): Promise<void> {
    if (this.runtime.isServing(j.jobId)) return;
    try {
      await this.runtime.start({ jobId: j.jobId, projectId: j.projectId, jobType: j.jobType, trainUrl: j.trainUrl });
    } catch (err) {
      if (err instanceof StorageError) await this.store.markFailed(j.jobId, reasonOf(err), this.now());
      else this.log(`job ${j.jobId}: viewer start failed, will retry: ${reasonOf(err)}`);
    }
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
    const jobs = await this.store.pending(this.now());
    const queued = new Map<string, JobRecord[]>();
    for (const j of jobs) {
      if (this.closed) return;
      if (j.status === Status.KILLING) await this.finishKill(j);
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
          if (await this.startJob(j)) free--;
        } else if (j.status === Status.INIT) {
          await this.store.markWaiting(j.jobId);
        }
      }
    }
  }

  private async startJob(j: JobRecord): Promise<boolean> {
    try {
      await this.runtime.start({ jobId: j.jobId, projectId: j.projectId, jobType: j.jobType, trainUrl: j.trainUrl });
    } catch (err) {
      if (err instanceof StorageError) {
        await this.store.markFailed(j.jobId, reasonOf(err), this.now());
      } else {
        this.log(`job ${j.jobId}: viewer start failed, will retry: ${reasonOf(err)}`);
      }
      return false;
    }
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
