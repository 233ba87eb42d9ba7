// The console's create form checks what the API (API.md §1) checks, with the same limits, so a
// person sees the problem next to the field before anything is sent. The API stays the authority:
// whatever it still refuses is shown as it answered.

export interface CreateForm {
  job_name: string;
  job_desc: string;
  train_url: string;
  job_type: string;
  /** Hours until auto-stop as typed; '' means no schedule. */
  schedule_hours: string;
}

export interface CreateBody {
  job_name: string;
  job_desc?: string;
  train_url: string;
  job_type: 'tensorboard' | 'mindinsight';
  schedule?: { type: 'stop'; time_unit: 'HOURS'; duration: number };
}

export type FieldErrors = Partial<Record<keyof CreateForm, string>>;

const JOB_NAME = /^[A-Za-z0-9_-]{1,20}$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function trainUrlProblem(raw: string): string | undefined {
  if (raw.length === 0) return 'train_url is required';
  if (/[\u0000-\u001f\u007f\\]/.test(raw)) return 'train_url must not contain control characters or backslashes';
  let rest: string;
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(.*)$/s.exec(raw);
  if (m) {
    const scheme = m[1].toLowerCase();
    if (scheme !== 'obs' && scheme !== 's3') return `scheme ${scheme}:// is not supported (use /bucket/dir/, obs:// or s3://)`;
    rest = m[2];
  } else if (raw.startsWith('/')) {
    rest = raw.slice(1);
  } else {
    return 'train_url must be /bucket/dir/, obs://bucket/dir/ or s3://bucket/dir/';
  }
  const segments = rest.split('/');
  if (segments.length > 1 && segments[segments.length - 1] === '') segments.pop();
  if (segments.some((s) => s === '')) return "train_url must not contain empty path segments ('//')";
  if (segments.some((s) => s === '.' || s === '..')) return "train_url must not contain '.' or '..' segments";
  const bucket = segments[0];
  if (!BUCKET.test(bucket) || bucket.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(bucket)) {
    return `bucket "${bucket}" is not a valid bucket name (3–63 of a-z 0-9 . -)`;
  }
  return undefined;
}

export function validateCreate(form: CreateForm): { body: CreateBody } | { errors: FieldErrors } {
  const errors: FieldErrors = {};
  const name = form.job_name.trim();
  if (!JOB_NAME.test(name)) errors.job_name = 'job_name must be 1–20 of A–Z a–z 0–9 _ -';
  if (form.job_desc.length > 256) errors.job_desc = `job_desc must be at most 256 characters (has ${form.job_desc.length})`;
  const url = form.train_url.trim();
  const urlProblem = trainUrlProblem(url);
  if (urlProblem) errors.train_url = urlProblem;
  if (form.job_type !== 'tensorboard' && form.job_type !== 'mindinsight') errors.job_type = 'job_type must be tensorboard or mindinsight';
  let hours: number | undefined;
  if (form.schedule_hours.trim() !== '') {
    hours = Number(form.schedule_hours);
    if (!Number.isInteger(hours) || hours < 0 || hours > 24) errors.schedule_hours = 'auto-stop must be a whole number of hours, 0–24';
  }
  if (Object.keys(errors).length > 0) return { errors };
  const body: CreateBody = { job_name: name, train_url: url, job_type: form.job_type as CreateBody['job_type'] };
  if (form.job_desc !== '') body.job_desc = form.job_desc;
  if (hours !== undefined) body.schedule = { type: 'stop', time_unit: 'HOURS', duration: hours };
  return { body };
}
