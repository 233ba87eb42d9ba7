// The viewer's memory budget: what the loaded logs of all the jobs one process serves may take
// together, by the engine's estimate (stats().memoryBytes, reported run by run as files are read).
// Why: a job's data is loaded when someone views it and every sample is kept, so one tenant's huge
// log directory (a 100,000-run sweep is ~1.4 GB), or a few large ones viewed at once, would fill
// the process every tenant shares, and V8 aborts a process whose heap is full.
// Invariant: `used` is the sum of what the Logdirs held now have reported. A job never holds more
// than its share of the limit. A report that takes the total over the limit makes room, in order:
// the data of jobs nobody has viewed for IDLE_FOR_EVICTION_MS (least recently viewed first), then,
// if the job's project holds less than an even split of the limit among the projects holding data,
// the largest job of a project holding more than that (it is read again at its next view, and then
// stops at what is left). Otherwise the report is refused: the job's load stops where it is, keeps
// what it has (so the limit is passed by at most what one file, or 8 MiB of one, added), reports a
// problem there, and reads on once there is room. So one tenant can fill the budget only while
// nobody else needs it.
import { getHeapStatistics } from 'node:v8';
import type { MemoryAccount } from '../events/index.js';

/**
 * A job whose data nobody has asked for this long may be dropped to make room: the web UI asks
 * every 5 s while a page is open, so only jobs without an open page go.
 */
export const IDLE_FOR_EVICTION_MS = 30_000;

/** A job's share of the budget in the service, where many tenants share it. */
export const SERVICE_JOB_SHARE = 0.5;

/**
 * The default budget, MB: a quarter of V8's heap limit. The estimate is the data that stays; a load
 * and the answers built from it need about as much again while they run (a 20,000-run sweep of
 * 117 MB by the estimate peaked at 376 MB of heap with its page open), and V8 needs room to collect.
 */
export function defaultViewerMemoryMb(heapLimitBytes = getHeapStatistics().heap_size_limit): number {
  return Math.max(32, Math.floor(heapLimitBytes / 4 / 2 ** 20));
}

/** The budget in bytes for VIZJOBS_VIEWER_MEMORY_MB's value (0: the default). */
export function viewerMemoryBytes(mb: number): number {
  return (mb || defaultViewerMemoryMb()) * 2 ** 20;
}

/** What the budget needs of a served job. */
export interface BudgetHolder {
  /** What its Logdir has reported, bytes (0 without one). */
  memoryBytes: number;
  /** The account of its current Logdir; any other account of it is stale and refused. */
  account: MemoryAccount | undefined;
  /** Time of its last view, by the runtime's clock. */
  lastAccess: number;
  /** The tenant: the budget is split evenly between projects when it is short. */
  readonly project: string;
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
        `a job may take ${Math.round(this.jobShare * 100)}% of it, a project an even share while others need room); the rest is read once memory is free`,
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
    const holding = [...this.holders()].filter((o) => o.account !== undefined);
    const idleSince = this.now() - IDLE_FOR_EVICTION_MS;
    const idle = holding.filter((o) => o !== h && o.lastAccess <= idleSince).sort((a, b) => a.lastAccess - b.lastAccess);
    for (const o of idle) {
      this.evict(o);
      if (this.used <= this.limitBytes) return true;
    }
    // Still short: an even split between the projects holding data, taken back from the largest.
    const byProject = new Map<string, number>();
    for (const o of holding) if (o.account !== undefined) byProject.set(o.project, (byProject.get(o.project) ?? 0) + o.memoryBytes);
    const even = this.limitBytes / byProject.size;
    if ((byProject.get(h.project) ?? 0) >= even) return false;
    while (this.used > this.limitBytes) {
      let largest: BudgetHolder | undefined;
      for (const o of holding) {
        if (o.account === undefined || o.project === h.project || (byProject.get(o.project) ?? 0) <= even) continue;
        if (!largest || o.memoryBytes > largest.memoryBytes) largest = o;
      }
      if (!largest) return false;
      byProject.set(largest.project, (byProject.get(largest.project) ?? 0) - largest.memoryBytes);
      this.evict(largest);
    }
    return true;
  }

  private evict(o: BudgetHolder): void {
    o.release();
    this.evictions++;
  }
}
