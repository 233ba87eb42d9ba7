// What a job's viewer says about the job itself when it cannot show its logs: the job's state as
// one JSON shape (`data/job`, and the data island of the page served for a job that is not
// RUNNING or does not exist), and a short server-rendered text of it for a page read without
// scripts.
import { type JobStateBody, phaseOf } from '../domain/job-state.js';
import { statusName } from '../domain/status.js';
import type { JobFacts } from './data-api.js';

// The shape and the phase rule are the domain's, shared with the browser bundle (web/viewer/job-state.ts).
export { phaseOf, type JobPhase, type JobStateBody } from '../domain/job-state.js';

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
