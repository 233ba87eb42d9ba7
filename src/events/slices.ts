// Work on the request path that grows with a job's size (every run of a 10,000-run sweep, every
// tag of every run) is done in slices: after each few milliseconds it gives the event loop back,
// so one tenant's big answer delays another tenant's request by at most one slice, not by the
// whole answer. The answer itself is unchanged.
import { setImmediate as nextTurn } from 'node:timers/promises';

/** How long one slice may hold the event loop. */
export const SLICE_MS = 8;

export class Slices {
  private sliceStart = performance.now();

  /** Yields to the event loop when the current slice has run SLICE_MS; cheap to call per item. */
  async pause(): Promise<void> {
    if (performance.now() - this.sliceStart < SLICE_MS) return;
    await nextTurn();
    this.sliceStart = performance.now();
  }
}

/** `items` mapped by `fn` in slices (`fn` stays synchronous and small). */
export async function mapInSlices<T, U>(items: readonly T[], fn: (item: T) => U): Promise<U[]> {
  const slices = new Slices();
  const out: U[] = [];
  for (const it of items) {
    out.push(fn(it));
    await slices.pause();
  }
  return out;
}
