// ModelArts job status numbers (API.md §2) and the transitions the API may start. These sets are
// the single source of truth: the store's compare-and-set updates use them, so a call can only win
// when the job is in a status the contract allows it to leave.
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
} as const;

export const STATUS_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(Status).map(([name, n]) => [n, name]),
);

export const STOPPABLE: readonly number[] = [Status.INIT, Status.WAITING, Status.RUNNING];
export const RESTARTABLE: readonly number[] = [3, 5, 6, 10, 11, 12, 13, 14];
/** Delete is allowed from every status but 9; listed explicitly for the SQL compare-and-set. */
export const DELETABLE: readonly number[] = Array.from({ length: 22 }, (_, i) => i).filter((s) => s !== Status.KILLING);

/** What a job is meant to become; the reconciler moves the observed status toward it. */
export type Desired = 'running' | 'stopped' | 'deleted';
