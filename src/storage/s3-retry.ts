// When to try an S3 request again. What a failure means is decided once, in errors.ts: permanent
// ones (credentials, permissions, a missing bucket) are reported at once; transient ones (5xx,
// throttling, timeouts, dropped connections) are retried here with exponential backoff and full
// jitter (AWS's recommendation: spreads synchronized retries of many jobs evenly), a bounded
// number of times, then reported as 'unavailable' (still transient: the job's runtime retries
// later, at a slower pace).
import { retryableNow, StorageError, toStorageError } from './errors.js';

export interface RetryPolicy {
  /** Total attempts, the first included. */
  attempts: number;
  /** Backoff ceiling of the first retry; doubles each retry up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 5_000 };

export { errorCode, errorStatus, toStorageError } from './errors.js';

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
      // A StorageError thrown by the attempt itself (a missing key) is an answer, not a failure to retry.
      if (!retryableNow(err)) throw toStorageError(err, what);
      if (i + 1 >= policy.attempts) {
        const se = toStorageError(err, what);
        throw new StorageError('unavailable', `${se.message}, after ${policy.attempts} attempts`, { cause: err, detail: se.detail });
      }
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** i);
      await clock.sleep(clock.random() * ceiling);
    }
  }
}
