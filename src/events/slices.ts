// Work on the request path that grows with a job's size (every run of a 10,000-run sweep, every
// tag of every run, every point of an answer, every chunk of a load) is done in slices: once the
// current event-loop turn has run SLICE_MS, the next pause gives the loop back, so one tenant's
// big answer delays another tenant's request by about one slice, not by the whole answer. The
// turn is the process's, not the caller's: six answers built in one turn (a viewer asks for
// several series at once) share one budget, as the request waiting behind them sees it. And the
// budget is shared fairly: work that resumes after a pause gets SLICE_MS divided by the number
// of works that paused with it, so the first in the queue cannot take the whole turn every turn
// (a sweep's load did exactly that to the tags answer asked during it: that answer made no
// progress until the load ended).
import { setImmediate as nextTurn } from 'node:timers/promises';

/** How long one event-loop turn may run slices of work before one of them yields. */
export const SLICE_MS = 8;

/** When the current turn began, as seen from the last check phase the loop went through. */
let turnStart = performance.now();
/** Counts turns (marks), so a work can tell a share it got this turn from an old one. */
let turnId = 0;
let marking = false;
/** Works waiting in a pause now; the mark records how many will resume in its turn. */
let waiting = 0;
let resuming = 1;

/** Notes the start of the next turn; armed by work in slices only, so an idle process has no timer. */
function markNextTurn(): void {
  if (marking) return;
  marking = true;
  setImmediate(() => {
    marking = false;
    turnStart = performance.now();
    turnId++;
    resuming = Math.max(1, waiting);
  });
}

export class Slices {
  /** The turn this work last resumed in from a pause, and when its share of that turn ends. */
  private turn = -1;
  private shareEnd = 0;

  /** Yields to the event loop when this work's share of the turn is used; cheap to call per item. */
  async pause(): Promise<void> {
    markNextTurn();
    const now = performance.now();
    // Resumed from a pause this turn: its own share. Otherwise (first call, or back from I/O):
    // whatever is left of the turn's budget.
    if (this.turn === turnId ? now < this.shareEnd : now - turnStart < SLICE_MS) return;
    // Not restarting the clock here: every slice resumed in the same check phase shares the turn
    // the mark (queued before it) started, so six paused answers cost one budget, not six.
    waiting++;
    try {
      await nextTurn();
    } finally {
      waiting--;
    }
    this.turn = turnId;
    this.shareEnd = performance.now() + SLICE_MS / resuming;
  }
}
