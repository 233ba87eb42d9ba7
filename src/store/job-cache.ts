// A replica's cache of job rows for PostgreSQL's get(), kept true by the database: a trigger
// (migration 7) notifies channel `vizjobs_jobs` with `schema:job_id` on every change of a job row,
// committed by any replica, and a dedicated LISTEN connection drops that entry here. Invariants:
// - no entry is served unless the LISTEN connection is up (it was re-established and the cache
//   emptied after any break, since notifications sent meanwhile are lost);
// - a row read from the database is kept only if nothing was invalidated while it was being read
//   (the epoch), so a read that raced a change can never outlive the change's notification;
// - this replica's own writes invalidate at once (read-your-writes without waiting for the echo);
// - entries are copies, at most MAX_ENTRIES, at most MAX_AGE_MS old (a bound, not the mechanism).
// Another replica's change is seen once its notification arrives: on one host well under a
// millisecond after the commit; across a network, one round trip.
import pg from 'pg';
import type { JobRecord } from './store.js';

export const CHANNEL = 'vizjobs_jobs';
const MAX_ENTRIES = 10_000;
const MAX_AGE_MS = 5_000;

const copy = (j: JobRecord): JobRecord => ({ ...j });

export class JobCache {
  private readonly entries = new Map<number, { job: JobRecord; at: number }>();
  private epoch = 0;
  private listening = false;
  private client: pg.Client | undefined;
  private schema = '';
  private closed = false;
  private retryMs = 250;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly url: string, private readonly onError: (err: Error) => void = () => {}) {}

  /** Starts listening (and keeps reconnecting after a break until close()). */
  start(): void {
    void this.connect();
  }

  /** Whether entries are being served (the LISTEN connection is up). */
  get active(): boolean {
    return this.listening;
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const c = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 3_000, keepAlive: true });
    c.on('error', (err) => this.broken(c, err));
    c.on('end', () => this.broken(c, new Error('LISTEN connection ended')));
    c.on('notification', (n) => {
      if (n.channel !== CHANNEL || !n.payload) return;
      const at = n.payload.lastIndexOf(':');
      if (n.payload.slice(0, at) !== this.schema) return;
      this.invalidate(Number(n.payload.slice(at + 1)));
    });
    try {
      await c.connect();
      this.schema = (await c.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]?.s ?? '';
      await c.query(`LISTEN ${CHANNEL}`);
      if (this.closed) {
        await c.end();
        return;
      }
      this.client = c;
      this.entries.clear();
      this.epoch++;
      this.listening = true;
      this.retryMs = 250;
    } catch (err) {
      this.broken(c, err instanceof Error ? err : new Error(String(err)));
    }
  }

  private broken(c: pg.Client, err: Error): void {
    if (this.client === c) this.client = undefined;
    this.listening = false;
    this.entries.clear();
    this.epoch++;
    c.end().catch(() => {});
    if (this.closed || this.timer) return;
    this.onError(err);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.connect();
    }, this.retryMs);
    this.timer.unref();
    this.retryMs = Math.min(this.retryMs * 2, 2_000);
  }

  /** The cached row, or undefined (not cached, too old, or the cache is not listening). */
  get(jobId: number, now = Date.now()): JobRecord | undefined {
    if (!this.listening) return undefined;
    const e = this.entries.get(jobId);
    if (!e) return undefined;
    if (now - e.at > MAX_AGE_MS) {
      this.entries.delete(jobId);
      return undefined;
    }
    return copy(e.job);
  }

  /** Token to pass to put(): taken before the database read. */
  mark(): number {
    return this.epoch;
  }

  /** Keeps a row read since `mark` unless anything was invalidated meanwhile. */
  put(job: JobRecord, mark: number, now = Date.now()): void {
    if (!this.listening || mark !== this.epoch) return;
    if (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(job.jobId, { job: copy(job), at: now });
  }

  invalidate(jobId: number): void {
    this.epoch++;
    this.entries.delete(jobId);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listening = false;
    if (this.timer) clearTimeout(this.timer);
    this.entries.clear();
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => {});
  }
}
