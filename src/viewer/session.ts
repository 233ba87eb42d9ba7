// The console's sign-in cookie. A browser cannot send X-Auth-Token on <img> or page loads, so the
// viewer also accepts a short-lived cookie. The cookie seals the token itself (AES-256-GCM:
// authenticated, so a tampered or forged cookie never opens, and encrypted, so the token is not
// readable from the cookie jar) with its expiry and a random session id; each request re-checks the
// token through the same Authorizer as the API, so a token removed from the configuration stops
// working at once, and the session id against the revocations (revocations.ts), so a signed-out
// cookie stops working even where a copy of it survives. Cookies of the format before session ids
// (`v1.`) no longer open: they could not be revoked.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export const SESSION_COOKIE = 'vizjobs_session';
export const DEFAULT_SESSION_TTL_MS = 12 * 3_600_000;

export type SessionOpen =
  | { ok: true; token: string; expiresAt: number; sessionId: string }
  | { ok: false; reason: 'invalid' | 'expired' };

export class SessionSealer {
  private readonly key: Buffer;

  /** `secret`: any string (e.g. from the data dir); random when omitted (sessions end on restart). */
  constructor(secret?: string | Buffer, private readonly now: () => number = Date.now) {
    this.key = createHash('sha256')
      .update('vizjobs-session-v1\0')
      .update(secret ?? randomBytes(32))
      .digest();
  }

  seal(token: string, ttlMs: number = DEFAULT_SESSION_TTL_MS): { value: string; expiresAt: number; sessionId: string } {
    const expiresAt = this.now() + ttlMs;
    const sessionId = randomBytes(16).toString('base64url');
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const plain = Buffer.from(JSON.stringify({ t: token, e: expiresAt, s: sessionId }), 'utf8');
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    const tag = cipher.getAuthTag();
    return { value: `v2.${Buffer.concat([iv, tag, body]).toString('base64url')}`, expiresAt, sessionId };
  }

  open(value: string | undefined): SessionOpen {
    if (!value || !value.startsWith('v2.') || value.length > 4096) return { ok: false, reason: 'invalid' };
    const raw = Buffer.from(value.slice(3), 'base64url');
    if (raw.length < 12 + 16 + 1) return { ok: false, reason: 'invalid' };
    let plain: string;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      plain = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      return { ok: false, reason: 'invalid' };
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(plain);
    } catch {
      return { ok: false, reason: 'invalid' };
    }
    if (typeof parsed !== 'object' || parsed === null) return { ok: false, reason: 'invalid' };
    const { t, e, s } = parsed as { t?: unknown; e?: unknown; s?: unknown };
    if (typeof t !== 'string' || typeof e !== 'number' || typeof s !== 'string' || s === '') return { ok: false, reason: 'invalid' };
    if (this.now() >= e) return { ok: false, reason: 'expired' };
    return { ok: true, token: t, expiresAt: e, sessionId: s };
  }
}
