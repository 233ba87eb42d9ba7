// Job statuses and the transitions API.md §2 allows, stated once for every layer: the API's
// compare-and-sets, the reconciler's steps, both stores' SQL (as bound parameters), the viewer and
// the web console. A leaf module — it imports nothing — so the browser bundle can take it as is;
// if a rule changes here, every layer that checks it changes with it.

/** ModelArts job status numbers (API.md §2; 15..21 exist in ModelArts but no job here reaches them). */
export const Status = {
  UNKNOWN: 0,
  INIT: 1,
  IMAGE_CREATING: 2,
  IMAGE_FAILED: 3,
  SUBMIT_TRYING: 4,
  SUBMIT_FAILED: 5,
  DELETE_FAILED: 6,
  WAITING: 7,
  RUNNING: 8,
  KILLING: 9,
  COMPLETED: 10,
  FAILED: 11,
  KILLED: 12,
  CANCELED: 13,
  LOST: 14,
  SCALING: 15,
} as const;

export type StatusName = keyof typeof Status;

/** The highest status number ModelArts defines (list filters accept 0..MAX_STATUS). */
export const MAX_STATUS = 21;

export const STATUS_NAMES: Readonly<Record<number, StatusName>> = Object.freeze(
  Object.fromEntries(Object.entries(Status).map(([name, n]) => [n, name as StatusName])),
);

/** "RUNNING" for 8; numbers without a name (16..21, or garbage) read `STATUS_n`. */
export function statusName(status: number): string {
  return STATUS_NAMES[status] ?? `STATUS_${status}`;
}

const frozen = (xs: number[]): readonly number[] => Object.freeze(xs);

/** stop: from 1, 7 or 8 → 9 KILLING → 12 KILLED. */
export const STOPPABLE = frozen([Status.INIT, Status.WAITING, Status.RUNNING]);
/** Ended the way someone asked: auto-stop (10), stop (12), or cancelled (13). */
export const ENDED_AS_ASKED = frozen([Status.COMPLETED, Status.KILLED, Status.CANCELED]);
/** Ended badly: the job or its deletion failed, or it was lost. */
export const ENDED_BADLY = frozen([Status.IMAGE_FAILED, Status.SUBMIT_FAILED, Status.DELETE_FAILED, Status.FAILED, Status.LOST]);
/** On the way somewhere: queued, starting, scaling, or being killed. */
export const IN_PROGRESS = frozen([Status.INIT, Status.IMAGE_CREATING, Status.SUBMIT_TRYING, Status.WAITING, Status.KILLING, Status.SCALING]);
/** restart ("resubmit"): from every ended job, 3, 5, 6, 10, 11, 12, 13 or 14 → 1 INIT. */
export const RESTARTABLE = frozen([...ENDED_BADLY, ...ENDED_AS_ASKED].sort((a, b) => a - b));
/** delete: from every status but 9, listed explicitly so a store can compare-and-set against it. */
export const DELETABLE = frozen(Array.from({ length: MAX_STATUS + 1 }, (_, i) => i).filter((s) => s !== Status.KILLING));
/** Waiting for a running slot (FIFO per project): admitted to 8, or parked at 7 while the quota is full. */
export const QUEUED = frozen([Status.INIT, Status.WAITING]);
/** What a reconcile pass picks up besides expired RUNNING jobs: the queue and jobs being killed. */
export const RECONCILE_PENDING = frozen([...QUEUED, Status.KILLING]);
/** A job whose viewer may turn out broken: the lifecycle moves it to 11 FAILED from these only. */
export const FAILABLE = frozen([...QUEUED, Status.RUNNING]);

export const canStop = (status: number): boolean => STOPPABLE.includes(status);
export const canRestart = (status: number): boolean => RESTARTABLE.includes(status);
export const canDelete = (status: number): boolean => DELETABLE.includes(status);

/** What a job is meant to become; the reconciler moves the observed status toward it. */
export type Desired = 'running' | 'stopped' | 'deleted';
