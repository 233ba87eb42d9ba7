// A job's state as its viewer reports it when it cannot show the job's logs (`data/job`, and the
// data island of a page served for a job that is not RUNNING): one shape for the server that writes
// it and the browser bundle that reads it. The phase is derived from the status families only, so
// the page, the console and the lifecycle never disagree about what "stopped" or "starting" means.
import type { JobCondition } from './conditions.js';
import { ENDED_AS_ASKED, ENDED_BADLY, Status } from './status.js';

/**
 * running; starting: on its way to RUNNING (INIT, IMAGE_CREATING, SUBMIT_TRYING, WAITING);
 * stopping: KILLING; stopped: ended as asked; failed: ended badly; unknown: no such job for this
 * token (missing, or another project's).
 */
export const JOB_PHASES = ['running', 'starting', 'stopping', 'stopped', 'failed', 'unknown'] as const;
export type JobPhase = (typeof JOB_PHASES)[number];

export interface JobStateBody {
  job_id: string;
  phase: JobPhase;
  job_name?: string;
  status?: number;
  status_name?: string;
  /** Why it ended badly, as the job API reports it. */
  failure_reason?: string | null;
  /** The reconciler's observations that are not True (the reason a RUNNING job does not serve). */
  conditions?: readonly JobCondition[];
}

const STARTING: readonly number[] = [Status.INIT, Status.IMAGE_CREATING, Status.SUBMIT_TRYING, Status.WAITING, Status.SCALING];

export function phaseOf(status: number): JobPhase {
  if (status === Status.RUNNING) return 'running';
  if (STARTING.includes(status)) return 'starting';
  if (status === Status.KILLING) return 'stopping';
  if (ENDED_AS_ASKED.includes(status)) return 'stopped';
  if (ENDED_BADLY.includes(status)) return 'failed';
  // UNKNOWN (0) and numbers without a family: not serving, nothing more to say.
  return 'stopped';
}
