// The one job-id rule, shared by the job API (route schema), the viewer, the web page gate and the
// console: a job id in a URL is a canonical positive decimal integer — no sign, no leading zero,
// no exponent, no blanks — of at most 15 digits, so every accepted id is a safe integer and each
// job has exactly one spelling (`04`, `+4`, `4.0`, `1e3`, ` 4` name no job anywhere). How a broken
// id is answered (400 ModelArts.0104) lives with the API's errors (api/job-id.ts).

/** The rule as a JSON-schema / RegExp pattern (15 digits < Number.MAX_SAFE_INTEGER). */
export const JOB_ID_PATTERN = '^[1-9][0-9]{0,14}$';

const JOB_ID_RE = new RegExp(JOB_ID_PATTERN);

export const JOB_ID_RULE = 'must be a positive integer without sign or leading zeros, at most 15 digits';

/** The job id a path segment names, or undefined when the segment is not a canonical job id. */
export function parseJobId(raw: string): number | undefined {
  return JOB_ID_RE.test(raw) ? Number(raw) : undefined;
}
