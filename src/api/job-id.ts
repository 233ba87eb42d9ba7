// The API's answer to a job id that breaks the domain's one job-id rule (domain/job-id.ts): a bad
// path parameter, 400 ModelArts.0104 (API.md §3 lists path parameters under 0104), answered
// identically by every route that takes a job id, after the token check.
import { JOB_ID_RULE } from '../domain/job-id.js';
import { badParameter, type ApiError } from './errors.js';

export { JOB_ID_PATTERN, JOB_ID_RULE, parseJobId } from '../domain/job-id.js';

/** The answer for a segment parseJobId refuses. */
export function badJobId(): ApiError {
  return badParameter('job_id', JOB_ID_RULE);
}
