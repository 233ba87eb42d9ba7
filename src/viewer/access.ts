// Who may see a job's viewer: the API's access rule (src/api/access.ts) with one addition, the
// console's sealed session cookie besides the X-Auth-Token header, as long as it is not signed
// out. Also the sign-in routes that set the cookie and sign it out (revoking its session in the
// store, so copies of it stop working on every replica). Failed checks count against the client
// address like the API's (src/api/auth-limit.ts). Every refusal uses the API's error envelope.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { AccessRule, ensureCookies, type AccessJobs, type SessionCookies, type TokenAuthorizer } from '../api/access.js';
import type { AuthFailureLimiter } from '../api/auth-limit.js';
import { tokenFromHeader } from '../api/auth.js';
import { ApiError, ERRORS, sendError } from '../api/errors.js';
import type { JobFacts } from './data-api.js';
import type { SessionRevocations } from './revocations.js';
import { DEFAULT_SESSION_TTL_MS, SESSION_COOKIE, type SessionSealer } from './session.js';

export type { TokenAuthorizer } from '../api/access.js';

export interface ViewerAccess {
  authorizer: TokenAuthorizer;
  sessions: SessionSealer;
  /** Signed-out sessions, shared with the sign-out route (a revocation here holds at once). */
  revocations: SessionRevocations;
  /** Shared with the job API, so failures through either count together. */
  limiter: AuthFailureLimiter;
}

/** The API's access rule with the viewer's cookie: what the data API and the viewer page declare. */
export function viewerAccessRule<J extends JobFacts>(access: ViewerAccess, jobs: AccessJobs<J>): AccessRule<J> {
  return new AccessRule({ authorizer: access.authorizer, limiter: access.limiter, jobs, sessions: sessionCookies(access) });
}

/** The sign-in cookie as an access rule reads it: also what the job API takes from the console (src/app.ts). */
export function sessionCookies(access: Pick<ViewerAccess, 'sessions' | 'revocations'>): SessionCookies {
  const { sessions, revocations } = access;
  return { name: SESSION_COOKIE, open: (value) => sessions.open(value), isRevoked: (id) => revocations.isRevoked(id) };
}

export interface SessionRoutesOptions extends ViewerAccess {
  ttlMs?: number;
  /** Adds `Secure` to the cookie (set when the public URL is https). */
  secureCookie?: boolean;
}

/** Refusals of the token itself (not of the project it was tried on). */
const TOKEN_ERRORS: ReadonlySet<string> = new Set(
  [ERRORS.noToken, ERRORS.expiredToken, ERRORS.badToken, ERRORS.tooManyAuthFailures].map((e) => e.code),
);

/**
 * `POST /v1/auth/session` ({token} in a JSON or form body, or the X-Auth-Token header) sets the
 * cookie; `GET` says whether the cookie is valid and until when; `DELETE` signs out: revokes the
 * cookie's session in the store (every replica refuses it from then on) and clears it.
 */
export async function sessionRoutes(app: FastifyInstance, opts: SessionRoutesOptions): Promise<void> {
  const ttl = opts.ttlMs ?? DEFAULT_SESSION_TTL_MS;
  const secure = opts.secureCookie ?? false;
  await ensureCookies(app);

  app.post('/v1/auth/session', async (request, reply) => {
    const body: unknown = request.body;
    let token = tokenFromHeader(request.headers['x-auth-token']);
    let projectId: string | undefined;
    if (body !== null && typeof body === 'object') {
      const b = body as { token?: unknown; project_id?: unknown };
      if ((token === undefined || token === '') && typeof b.token === 'string') token = b.token;
      if (typeof b.project_id === 'string') projectId = b.project_id;
    }
    // A token valid for some other project is still a valid sign-in: the project check happens
    // on every viewer request. Only unknown/expired/missing tokens are refused here (and, with
    // 429, an unknown one from an address that failed too often).
    const err = opts.limiter.judge(request.ip, opts.authorizer.authorize(token, projectId ?? 'vizjobs-signin-probe'));
    if (err && (projectId !== undefined || TOKEN_ERRORS.has(err.code))) return sendError(reply, err);
    const sealed = opts.sessions.seal(token as string, ttl);
    return reply
      .setCookie(SESSION_COOKIE, sealed.value, { path: '/', httpOnly: true, sameSite: 'strict', maxAge: Math.floor(ttl / 1000), secure })
      .header('cache-control', 'no-store')
      .send({ is_success: true, expires_at: sealed.expiresAt });
  });

  app.get('/v1/auth/session', async (request, reply) => {
    const opened = opts.sessions.open(request.cookies[SESSION_COOKIE]);
    if (!opened.ok) {
      return sendError(reply, new ApiError(opened.reason === 'expired' ? 'expiredToken' : 'noToken'));
    }
    if (await opts.revocations.isRevoked(opened.sessionId)) return sendError(reply, new ApiError('noToken'));
    const err = opts.limiter.judge(request.ip, opts.authorizer.authorize(opened.token, 'vizjobs-signin-probe'));
    if (err && TOKEN_ERRORS.has(err.code)) return sendError(reply, err);
    return reply.header('cache-control', 'no-store').send({ is_success: true, expires_at: opened.expiresAt });
  });

  app.delete('/v1/auth/session', async (request, reply: FastifyReply) => {
    // Expired or unreadable cookies need no revocation: they are refused anyway.
    const opened = opts.sessions.open(request.cookies[SESSION_COOKIE]);
    if (opened.ok) await opts.revocations.revoke(opened.sessionId, opened.expiresAt);
    return reply.setCookie(SESSION_COOKIE, '', { path: '/', httpOnly: true, sameSite: 'strict', maxAge: 0, secure }).send({ is_success: true });
  });
}
