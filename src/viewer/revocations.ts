// Which console sessions were signed out. The revocation lives in the job store (a table every
// replica shares), so a copied cookie stops working everywhere; each cookie-authenticated request
// asks the store (one primary-key lookup). A "not revoked" answer may be reused for up to
// `cacheMs` (1 s) in this process to spare PostgreSQL a round trip per data request; a revocation
// made through this process is remembered locally first, so here it takes effect at once, even
// for a lookup already in flight. Both caches are bounded.
import { BoundedMap } from '../api/bounded-map.js';

/** The two JobStore methods this needs. */
export interface SessionRevocationStore {
  revokeSession(sessionId: string, expiresAt: number, now: number): Promise<void>;
  isSessionRevoked(sessionId: string): Promise<boolean>;
}

export interface SessionRevocationsOptions {
  /** How long a "not revoked" answer is reused; 0 asks the store every time. At most 1,000 ms. */
  cacheMs?: number;
  /** Entries per cache. */
  maxEntries?: number;
  now?: () => number;
}

export class SessionRevocations {
  private readonly cacheMs: number;
  private readonly now: () => number;
  /** Session id → when the store last said it was not revoked. */
  private readonly notRevoked: BoundedMap<string, number>;
  /** Session id → its expiry, for sessions revoked through this process. */
  private readonly revokedHere: BoundedMap<string, number>;

  constructor(private readonly store: SessionRevocationStore, opts: SessionRevocationsOptions = {}) {
    this.cacheMs = Math.min(1_000, Math.max(0, opts.cacheMs ?? 1_000));
    this.now = opts.now ?? Date.now;
    this.notRevoked = new BoundedMap(opts.maxEntries ?? 10_000);
    this.revokedHere = new BoundedMap(opts.maxEntries ?? 10_000);
  }

  async revoke(sessionId: string, expiresAt: number): Promise<void> {
    this.revokedHere.set(sessionId, expiresAt);
    this.notRevoked.delete(sessionId);
    await this.store.revokeSession(sessionId, expiresAt, this.now());
  }

  async isRevoked(sessionId: string): Promise<boolean> {
    if (this.revokedHere.has(sessionId)) return true;
    const t = this.now();
    const checked = this.notRevoked.get(sessionId);
    if (checked !== undefined && t - checked < this.cacheMs) return false;
    const revoked = await this.store.isSessionRevoked(sessionId);
    // A revoke() through this process while the lookup was in flight wins over its answer.
    if (revoked || this.revokedHere.has(sessionId)) return true;
    if (this.cacheMs > 0) this.notRevoked.set(sessionId, t);
    return false;
  }
}
