// The viewer's memory budget: what the loaded logs of all the jobs one process serves may take
// together, by the engine's estimate (stats().memoryBytes, reported run by run as files are read).
// Why: a job's data is loaded when someone views it and every sample is kept, so one tenant's huge
// log directory (a 100,000-run sweep is ~1.4 GB), or a few large ones viewed at once, would fill
// the process every tenant shares, and V8 aborts a process whose heap is full.
// Invariant: `used` is the sum of what the Logdirs held now have reported. A report that takes the
// total over the limit first drops the data of jobs nobody has viewed for IDLE_FOR_EVICTION_MS,
// least recently viewed first (they are read again at their next view); it is refused when that is
// not enough, or when the job alone would hold more than its share of the budget. A refused job's
// load stops where it is, keeps what it has, reports a problem there, and reads on once there is room.
import type { MemoryAccount } from '../events/index.js';

/**
 * A job whose data nobody has asked for this long may be dropped to make room: the web UI asks
 * every 5 s while a page is open, so only jobs without an open page go.
 */
export const IDLE_FOR_EVICTION_MS = 30_000;

/** A job's share of the budget in the service, where many tenants share it. */
export const SERVICE_JOB_SHARE = 0.5;

/** What the budget needs of a served job. */
export interface BudgetHolder {
  /** What its Logdir has reported, bytes (0 without one). */
  memoryBytes: number;
  /** The account of its current Logdir; any other account of it is stale and refused. */
  account: MemoryAccount | undefined;
  /** Time of its last view, by the runtime's clock. */
  lastAccess: number;
  readonly label: string;
  /** Drops its Logdir (and, through released(), its share of `used`). */
  release(): void;
}

export class MemoryBudget {
  used = 0;
  /** Reports refused so far (the viewer's metrics). */
  refusals = 0;
  /** Jobs' data dropped to make room. */
  evictions = 0;

  constructor(
    readonly limitBytes: number,
    /** Of the limit, the most one job may hold (1 for `vizjobs view`, which serves one). */
    readonly jobShare: number,
    private readonly holders: () => Iterable<BudgetHolder>,
    private readonly now: () => number,
  ) {}

  /** A new account for the holder's new Logdir (the holder's previous one stops counting). */
  open(h: BudgetHolder): MemoryAccount {
    this.released(h);
    const mb = Math.round(this.limitBytes / 2 ** 20);
    const account: MemoryAccount = {
      refusal:
        `not read past here: the logs this viewer holds in memory have reached its budget (${mb} MB, VIZJOBS_VIEWER_MEMORY_MB; ` +
        `one job may take ${Math.round(this.jobShare * 100)}% of it); the rest is read once memory is free`,
      grow: (bytes) => {
        if (h.account !== account) return false; // a Logdir already dropped: it reads nothing more
        h.memoryBytes += bytes;
        this.used += bytes;
        const ok = this.admit(h);
        if (!ok) this.refusals++;
        return ok;
      },
    };
    h.account = account;
    return account;
  }

  /** The holder's Logdir is dropped: what it reported no longer counts. */
  released(h: BudgetHolder): void {
    this.used -= h.memoryBytes;
    h.memoryBytes = 0;
    h.account = undefined;
  }

  private admit(h: BudgetHolder): boolean {
    if (h.memoryBytes > this.limitBytes * this.jobShare) return false;
    if (this.used <= this.limitBytes) return true;
    const idleSince = this.now() - IDLE_FOR_EVICTION_MS;
    const idle = [...this.holders()].filter((o) => o !== h && o.account !== undefined && o.lastAccess <= idleSince);
    idle.sort((a, b) => a.lastAccess - b.lastAccess);
    for (const o of idle) {
      o.release();
      this.evictions++;
      if (this.used <= this.limitBytes) return true;
    }
    return false;
  }
}
