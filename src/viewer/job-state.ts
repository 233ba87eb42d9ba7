// What a job's viewer says about the job itself when it cannot show its logs: the job's state as
// one JSON shape (`data/job`, and the data island of the page served for a job that is not
// RUNNING or does not exist), and a short server-rendered text of it for a page read without
// scripts. The phase is derived from the domain's status families only, so the page, the
// console and the lifecycle never disagree about what "stopped" or "starting" means.
import type { JobCondition } from '../domain/conditions.js';
import { ENDED_AS_ASKED, ENDED_BADLY, Status, statusName } from '../domain/status.js';
import type { JobFacts } from './data-api.js';

/**
 * running; starting: on its way to RUNNING (INIT, IMAGE_CREATING, SUBMIT_TRYING, WAITING);
 * stopping: KILLING; stopped: ended as asked; failed: ended badly; unknown: no such job for this
 * token (missing, or another project's).
 */
export type JobPhase = 'running' | 'starting' | 'stopping' | 'stopped' | 'failed' | 'unknown';

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

export function jobState(jobId: string | number, job: JobFacts | undefined): JobStateBody {
  if (!job) return { job_id: String(jobId), phase: 'unknown' };
  return {
    job_id: String(jobId),
    phase: phaseOf(job.status),
    job_name: job.jobName,
    status: job.status,
    status_name: statusName(job.status),
    failure_reason: job.failureReason ?? null,
    conditions: (job.conditions ?? []).filter((c) => c.status !== 'True'),
  };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that may sit inside a <script> element: no `<` can close it or open a comment. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** The page's state, readable before (or without) the script: replaced by the script's own rendering. */
export function stateHtml(s: JobStateBody): string {
  const name = s.job_name ? `${escapeHtml(s.job_name)} (job ${escapeHtml(s.job_id)})` : `Job ${escapeHtml(s.job_id)}`;
  const title =
    s.phase === 'unknown'
      ? 'No such job'
      : s.phase === 'starting'
        ? `${name} is starting`
        : s.phase === 'failed'
          ? `${name} failed: it is not running`
          : `${name} is not running`;
  const status = s.status === undefined ? '' : `<p>Status ${s.status} (${escapeHtml(s.status_name ?? '')}).</p>`;
  const reason = s.failure_reason ? `<p>${escapeHtml(s.failure_reason)}</p>` : '';
  return `<div class="panel message-page" id="message"><h1>${title}</h1>${status}${reason}</div>`;
}
