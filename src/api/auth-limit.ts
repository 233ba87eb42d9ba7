// Failed authentication, limited per client address: after `maxFailures` wrong tokens or forged/
// revoked cookies from one address within a fixed window, its further failures are answered 429
// ModelArts.0299 with Retry-After until the window ends. Only failures count and only failures are
// refused: a valid token from the same address (a colleague behind the same NAT, every client
// behind a proxy we cannot see through) keeps working, so nobody can lock others out by guessing.
// The price: a client that ignores 429 still learns whether each guess was right — the strength
// against guessing stays the token's own (the admin token is 192 random bits). Missing tokens,
// expired ones and other projects' valid tokens are not guesses and are not counted. The state is
// one small entry per address in a BoundedMap, so spraying from many addresses cannot grow it.
import { isIPv6 } from 'node:net';
import { BoundedMap } from './bounded-map.js';
import { ApiError, ERRORS } from './errors.js';

export interface AuthLimits {
  /** Failures allowed per address and window; the next one is answered 429. */
  maxFailures: number;
  windowMs: number;
  /** Addresses remembered at most (least recently failing ones are forgotten first). */
  maxAddresses: number;
}

export const DEFAULT_AUTH_LIMITS: AuthLimits = { maxFailures: 10, windowMs: 60_000, maxAddresses: 10_000 };

/** Outcomes that are guesses at a credential: a token nobody has, a cookie that does not open or was revoked. */
const COUNTED: ReadonlySet<string> = new Set([ERRORS.badToken.code]);

interface Window {
  start: number;
  failures: number;
}

/**
 * The key an address is limited under: IPv4 as is (also when IPv4-mapped), IPv6 by its /64, since
 * one host is routinely given a whole /64 and could otherwise spray from it.
 */
export function clientKey(ip: string): string {
  if (ip.startsWith('::ffff:') && ip.includes('.')) return ip.slice(7);
  if (!isIPv6(ip)) return ip;
  const [head, tail = ''] = ip.split('%')[0].split('::');
  const left = head === '' ? [] : head.split(':');
  const right = ip.includes('::') ? (tail === '' ? [] : tail.split(':')) : [];
  const groups = ip.includes('::') ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return groups.slice(0, 4).map((g) => (parseInt(g, 16) || 0).toString(16)).join(':') + '::/64';
}

export class AuthFailureLimiter {
  readonly limits: AuthLimits;
  private readonly windows: BoundedMap<string, Window>;

  constructor(limits: Partial<AuthLimits> = {}, private readonly now: () => number = Date.now) {
    this.limits = { ...DEFAULT_AUTH_LIMITS, ...limits };
    this.windows = new BoundedMap(this.limits.maxAddresses);
  }

  /** Addresses currently remembered (bounded by limits.maxAddresses). */
  get trackedAddresses(): number {
    return this.windows.size;
  }

  /**
   * One credential check from `ip`, with the limit applied: a pass (undefined) stays a pass and an
   * uncounted refusal stays as it is; a counted failure is recorded and returned, or, once the
   * address has used up its failures for this window, replaced by the 429.
   */
  judge(ip: string, outcome: ApiError | undefined): ApiError | undefined {
    if (outcome === undefined || !COUNTED.has(outcome.code)) return outcome;
    const key = clientKey(ip);
    const t = this.now();
    let w = this.windows.get(key);
    if (w === undefined || t - w.start >= this.limits.windowMs) w = { start: t, failures: 0 };
    if (w.failures >= this.limits.maxFailures) {
      this.windows.set(key, w); // still failing: remembered ahead of quieter addresses
      const retryAfter = Math.max(1, Math.ceil((w.start + this.limits.windowMs - t) / 1000));
      return new ApiError('tooManyAuthFailures', undefined, { 'retry-after': String(retryAfter) });
    }
    w.failures++;
    this.windows.set(key, w);
    return outcome;
  }
}
