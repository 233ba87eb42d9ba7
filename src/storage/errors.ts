// Storage failures, classified once: every backend turns whatever it caught (a Node fs error, an
// S3 SDK error) into a StorageError here, and the kind decides for good whether it is transient
// (worth retrying: the storage may answer later) or permanent (nothing changes until someone fixes
// the train_url, the permissions or the configuration). Callers never look at error codes again.
// Messages name keys relative to the storage's root (bucket) and never a server path, an endpoint
// or a credential: they reach job details and viewer bodies.

/** What went wrong. Only 'unavailable' is transient. */
export type StorageErrorKind =
  | 'unavailable' // network, 5xx, throttling, EIO, EAGAIN, EMFILE, timeouts, retries exhausted, a vanished object
  | 'access_denied' // EACCES/EPERM, 401/403, bad credentials, a path resolving outside the object-storage root
  | 'no_such_bucket'
  | 'invalid_location' // unusable settings for the bucket, an invalid key or range
  | 'path_too_long' // ENAMETOOLONG
  | 'symlink_loop' // ELOOP
  | 'not_a_directory'; // ENOTDIR: a file where the train_url needs a directory

export type StorageRetry = 'transient' | 'permanent';

export class StorageError extends Error {
  readonly retry: StorageRetry;
  /** The backend's code for it (`AccessDenied: HTTP 403`, `ELOOP`), safe to show; absent when the kind says all. */
  readonly detail: string | undefined;

  constructor(
    readonly kind: StorageErrorKind,
    message: string,
    options?: { cause?: unknown; detail?: string },
  ) {
    super(message, options);
    this.name = 'StorageError';
    this.retry = kind === 'unavailable' ? 'transient' : 'permanent';
    this.detail = options?.detail;
  }

  get transient(): boolean {
    return this.retry === 'transient';
  }
}

const ACCESS_DENIED = new Set([
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'AllAccessDisabled',
  'AccountProblem',
  'InvalidToken',
  'ExpiredToken',
  'InvalidSecurity',
  'CredentialsProviderError',
  'Forbidden',
  // Local files.
  'EACCES',
  'EPERM',
  'EROFS',
]);
const NO_SUCH_BUCKET = new Set(['NoSuchBucket']);
const INVALID_LOCATION = new Set(['InvalidBucketName', 'PermanentRedirect', 'AuthorizationHeaderMalformed', 'IllegalLocationConstraintException']);
const TRANSIENT = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'TooManyRequests',
  'RequestTimeout',
  'RequestTimeTooSkewed',
  'InternalError',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeoutException',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  // Local files: the disk or the process is busy, not the path wrong.
  'EIO',
  'EAGAIN',
  'EWOULDBLOCK',
  'EMFILE',
  'ENFILE',
  'EBUSY',
  'EINTR',
  'ENOMEM',
  'ESTALE',
]);
const FS_KINDS: Record<string, StorageErrorKind> = {
  ENAMETOOLONG: 'path_too_long',
  ELOOP: 'symlink_loop',
  ENOTDIR: 'not_a_directory',
};

interface ErrorFields {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

function fields(err: unknown): ErrorFields {
  return typeof err === 'object' && err !== null ? (err as ErrorFields) : {};
}

/** The HTTP status of an S3 SDK error, when it had an answer. */
export function errorStatus(err: unknown): number | undefined {
  return fields(err).$metadata?.httpStatusCode;
}

/** The S3 error code (`NoSuchBucket`…) or system error code (`ECONNRESET`…), when there is one. */
export function errorCode(err: unknown): string | undefined {
  const f = fields(err);
  return f.Code ?? f.code ?? f.name;
}

/** The classification: what kind of failure `err` is. Unknown failures count as transient. */
export function storageErrorKind(err: unknown): StorageErrorKind {
  if (err instanceof StorageError) return err.kind;
  const f = fields(err);
  const codes = [f.Code, f.code, f.name].filter((c): c is string => typeof c === 'string');
  for (const c of codes) {
    const fs = FS_KINDS[c];
    if (fs) return fs;
  }
  if (codes.some((c) => NO_SUCH_BUCKET.has(c))) return 'no_such_bucket';
  if (codes.some((c) => ACCESS_DENIED.has(c))) return 'access_denied';
  if (codes.some((c) => INVALID_LOCATION.has(c))) return 'invalid_location';
  if (codes.some((c) => TRANSIENT.has(c))) return 'unavailable';
  const status = f.$metadata?.httpStatusCode;
  if (status === 401 || status === 403) return 'access_denied';
  // Anything else is retried with backoff rather than failing a job that might work a minute later:
  // an unknown answer (5xx, 429, 408, a 400 we do not know) or no answer at all (socket, DNS, TLS).
  return 'unavailable';
}

/**
 * Whether a transient failure is worth an immediate retry by a client's own retry loop: a known
 * transient code, a 5xx/429/408, or no answer at all. An unknown answer (a 400 we do not know) is
 * still transient for the job, whose runtime retries at a slower pace, but not re-sent at once.
 */
export function retryableNow(err: unknown): boolean {
  if (err instanceof StorageError || storageErrorKind(err) !== 'unavailable') return false;
  const f = fields(err);
  const codes = [f.Code, f.code, f.name].filter((c): c is string => typeof c === 'string');
  if (codes.some((c) => TRANSIENT.has(c))) return true;
  const status = f.$metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500 || status === 429 || status === 408;
  if (f.$retryable) return true;
  return err instanceof Error && !(err instanceof TypeError) && !(err instanceof RangeError);
}

/** For messages: the code and HTTP status, never the SDK's free text (it may quote endpoints). */
export function describeCause(err: unknown): string {
  const code = errorCode(err);
  const status = errorStatus(err);
  const parts = [code && code !== 'Error' && code !== 'UnknownError' ? code : '', status ? `HTTP ${status}` : ''].filter(Boolean);
  return parts.join(': ') || 'no answer';
}

/**
 * The one conversion: `err` as a StorageError of its kind. `what` says what was being done, in
 * terms the user knows (`listing s3://bucket/dir/`, `reading run1/events…`): never a server path.
 */
export function toStorageError(err: unknown, what: string): StorageError {
  if (err instanceof StorageError) return err;
  const kind = storageErrorKind(err);
  const detail = describeCause(err);
  const message = {
    unavailable: `storage unavailable ${what} (${detail})`,
    access_denied: `access denied ${what} (${detail})`,
    no_such_bucket: `bucket does not exist ${what} (${detail})`,
    invalid_location: `invalid location ${what} (${detail})`,
    path_too_long: `path too long ${what}`,
    symlink_loop: `symlink loop ${what}`,
    not_a_directory: `not a directory ${what}`,
  }[kind];
  return new StorageError(kind, message, { cause: err, detail });
}

/**
 * A job's failure reason for a storage error found under its train_url, naming the train_url as
 * the user gave it: what a person needs to fix it, and nothing of the server's layout.
 */
export function trainUrlFailure(err: StorageError, trainUrl: string): string {
  const at = `train_url ${trainUrl}`;
  const d = err.detail ? ` (${err.detail})` : '';
  switch (err.kind) {
    case 'path_too_long':
      return `${at} path too long for the storage`;
    case 'symlink_loop':
      return `${at} is a symlink loop`;
    case 'not_a_directory':
      return `${at} is not a directory: a file stands where a directory is expected`;
    case 'access_denied':
      return `${at} access denied${err.detail ? d : `: ${err.message}`}`;
    case 'no_such_bucket':
      return `${at} names a bucket that does not exist${d}`;
    case 'invalid_location':
      return `${at} invalid location: ${err.message}`;
    case 'unavailable':
      return `${at} storage unavailable, retrying${d}`;
  }
}

/** A storage failure reading one file, for that file's problem list (the file is named beside it). */
export function fileProblem(err: StorageError): string {
  const d = err.detail ? ` (${err.detail})` : '';
  if (err.transient) return `storage unavailable${d}: read again at the next reload`;
  return `${err.kind === 'no_such_bucket' ? 'bucket does not exist' : err.kind.replace(/_/g, ' ')}${d}`;
}
