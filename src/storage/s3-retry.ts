// What an S3 failure means for a job, and when to try again. Refusals (credentials, permissions,
// a missing bucket) are final and become StorageErrors the lifecycle turns into 11 FAILED;
// transient failures (5xx, throttling, timeouts, dropped connections) are retried with
// exponential backoff and full jitter (AWS's recommendation: spreads synchronized retries of many
// jobs evenly), a bounded number of times, then reported as 'unavailable'.
import { StorageError } from './storage.js';

export interface RetryPolicy {
  /** Total attempts, the first included. */
  attempts: number;
  /** Backoff ceiling of the first retry; doubles each retry up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 5_000 };

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
]);
const NO_SUCH_BUCKET = new Set(['NoSuchBucket']);
const TRANSIENT = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
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
]);

interface SdkLikeError {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

function fields(err: unknown): SdkLikeError {
  return typeof err === 'object' && err !== null ? (err as SdkLikeError) : {};
}

export function errorStatus(err: unknown): number | undefined {
  return fields(err).$metadata?.httpStatusCode;
}

/** The S3 error code (`NoSuchBucket`…) or system error code (`ECONNRESET`…), when there is one. */
export function errorCode(err: unknown): string | undefined {
  const f = fields(err);
  return f.Code ?? f.code ?? f.name;
}

export type FailureClass = 'access_denied' | 'no_such_bucket' | 'transient' | 'other';

export function classifyS3Error(err: unknown): FailureClass {
  if (err instanceof StorageError) return err.kind === 'unavailable' ? 'other' : err.kind === 'invalid_location' ? 'other' : err.kind;
  const f = fields(err);
  const codes = [f.Code, f.code, f.name].filter((c): c is string => typeof c === 'string');
  if (codes.some((c) => NO_SUCH_BUCKET.has(c))) return 'no_such_bucket';
  if (codes.some((c) => ACCESS_DENIED.has(c))) return 'access_denied';
  if (codes.some((c) => TRANSIENT.has(c))) return 'transient';
  const status = f.$metadata?.httpStatusCode;
  if (status === 401 || status === 403) return 'access_denied';
  if (status !== undefined && (status >= 500 || status === 429 || status === 408)) return 'transient';
  if (f.$retryable) return 'transient';
  // No HTTP status and no known code: the request never got an answer (socket, DNS, TLS).
  if (status === undefined && err instanceof Error && !(err instanceof TypeError) && !(err instanceof RangeError)) {
    return /socket|network|connect|timed? ?out|hang up|EAI_AGAIN/i.test(err.message) ? 'transient' : 'other';
  }
  return 'other';
}

function describe(err: unknown): string {
  const f = fields(err);
  const code = errorCode(err);
  const status = errorStatus(err);
  const msg = f.message && f.message !== code && f.message !== 'UnknownError' ? f.message : '';
  return [code, status ? `HTTP ${status}` : '', msg].filter(Boolean).join(': ');
}

/** A StorageError that explains `err` for a job's failure details. */
export function toStorageError(err: unknown, what: string): StorageError {
  if (err instanceof StorageError) return err;
  switch (classifyS3Error(err)) {
    case 'access_denied':
      return new StorageError('access_denied', `access denied ${what} (${describe(err)})`, { cause: err });
    case 'no_such_bucket':
      return new StorageError('no_such_bucket', `bucket does not exist ${what} (${describe(err)})`, { cause: err });
    default:
      return new StorageError('unavailable', `object storage failed ${what} (${describe(err)})`, { cause: err });
  }
}

export interface RetryClock {
  /** Uniform in [0, 1). */
  random(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: RetryClock = {
  random: Math.random,
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

/**
 * Runs `attempt` until it succeeds, fails finally, or runs out of attempts. `onAttempt` sees every
 * try (so request counters include retries). Failures come out as StorageErrors.
 */
export async function withRetry<T>(
  policy: RetryPolicy,
  what: string,
  attempt: () => Promise<T>,
  clock: RetryClock = realClock,
): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (classifyS3Error(err) !== 'transient' || i + 1 >= policy.attempts) {
        const se = toStorageError(err, what);
        if (classifyS3Error(err) === 'transient') {
          return Promise.reject(new StorageError('unavailable', `${se.message}, after ${policy.attempts} attempts`, { cause: err }));
        }
        throw se;
      }
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** i);
      await clock.sleep(clock.random() * ceiling);
    }
  }
}
