// Work on the request path that grows with a job's size (every run of a 10,000-run sweep, every
// tag of every run, every point of an answer, every chunk of a load) is done in slices: once the
// current event-loop turn has run SLICE_MS, the next pause gives the loop back, so one tenant's
// big answer delays another tenant's request by about one slice, not by the whole answer. The
// turn is the process's, not the caller's: six answers built in one turn (a viewer asks for
// several series at once) share one budget, as the request waiting behind them sees it.
import { setImmediate as nextTurn } from 'node:timers/promises';

/** How long one event-loop turn may run slices of work before one of them yields. */
export const SLICE_MS = 8;

/** When the current turn began, as seen from the last check phase the loop went through. */
let turnStart = performance.now();
let marking = false;

/** Notes the start of the next turn; armed by work in slices only, so an idle process has no timer. */
function markNextTurn(): void {
  if (marking) return;
  marking = true;
  setImmediate(() => {
    marking = false;
    turnStart = performance.now();
  });
}

export class Slices {
  /** Yields to the event loop when the current turn has run SLICE_MS; cheap to call per item. */
  async pause(): Promise<void> {
    markNextTurn();
    if (performance.now() - turnStart < SLICE_MS) return;
    // Not restarting the clock here: every slice resumed in the same check phase shares the turn
    // the mark (queued before it) started, so six paused answers cost one budget, not six.
    await nextTurn();
  }
}

