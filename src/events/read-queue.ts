// Work-list stage of a reload: the files it reads, in the order it reads them, and the runs someone
// is waiting for. A sweep's first load reads thousands of files in listing order (on a local disk
// the directory's hash order), while the web UI asks for the series of the runs it shows: those
// runs' files move to the front, so the charts in view fill first instead of at the load's end.
// Invariant: an item is handed out once, in index order, and completed in index order; only items
// not yet handed out move, and a run's files keep their order among themselves (a run's files are
// read in name order); a waiter resolves once every file of its runs in the queue is done, or when
// the queue closes.

interface Waiter {
  runs: Set<string>;
  /** Files of those runs not done yet. */
  left: number;
  resolve: () => void;
}

export class ReadQueue<T> {
  /** Items [0, done) are read. */
  private done = 0;
  /** Items [0, issued) are handed out (their reads started). */
  issued = 0;
  /** Items [issued, front) were moved forward by an earlier prioritize(). */
  private front = 0;
  private waiters: Waiter[] = [];

  constructor(
    readonly items: T[],
    private readonly runOf: (item: T) => string,
  ) {}

  /** The next item to hand out, or undefined when all are. */
  issue(): T | undefined {
    return this.issued < this.items.length ? this.items[this.issued++] : undefined;
  }

  /** Item `i` (handed out) has been read: waiters whose last file it was are resolved. */
  finish(i: number): void {
    this.done = i + 1;
    if (this.waiters.length === 0) return;
    const run = this.runOf(this.items[i]);
    this.waiters = this.waiters.filter((w) => {
      if (!w.runs.has(run) || --w.left > 0) return true;
      w.resolve();
      return false;
    });
  }

  /**
   * Moves the files of these runs not yet handed out ahead of every other file not handed out
   * (after those moved by earlier calls); resolves when each of their files in the queue is read,
   * or after `maxWaitMs`, whichever comes first (a waiter leaves the queue then: requests made
   * during a long load do not pile up in it).
   */
  prioritize(runs: Iterable<string>, maxWaitMs = Infinity): Promise<void> {
    const want = new Set(runs);
    const items = this.items;
    const from = Math.max(this.issued, this.front);
    const moved: T[] = [];
    const rest: T[] = [];
    for (let k = from; k < items.length; k++) (want.has(this.runOf(items[k])) ? moved : rest).push(items[k]);
    let k = from;
    for (const it of moved) items[k++] = it;
    this.front = k;
    for (const it of rest) items[k++] = it;
    let left = 0;
    for (let j = this.done; j < this.front; j++) if (want.has(this.runOf(items[j]))) left++;
    if (left === 0) return Promise.resolve();
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const w: Waiter = {
        runs: want,
        left,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(w);
      if (Number.isFinite(maxWaitMs)) {
        timer = setTimeout(() => {
          this.waiters = this.waiters.filter((x) => x !== w);
          resolve();
        }, maxWaitMs);
      }
    });
  }

  /** Requests waiting for their runs. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** The reload is over (or failed): nobody waits any longer. */
  close(): void {
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
  }
}
