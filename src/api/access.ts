// The one access rule of the service, decided once per request by hooks a route opts into:
// token (X-Auth-Token, or — where the rule has sessions — the console's sealed cookie, unless
// signed out; on the job API only with the console's header) → the URL's project (403 ModelArts.0210 for another project's token) → the URL's job
// (the job-id rule of job-id.ts, then 404 ModelArts.0015 for a job missing or in another project) →
// optionally RUNNING (409 ModelArts.0105). Failed credential checks count against the client
// address (auth-limit.ts). The decision is the rule's; how a refusal is answered (the envelope, a
// page) is the route's. What was granted is on `request.access`, written only by these hooks.
// The token is checked in onRequest, before any body is read; the job in preHandler, after the
// route's schema, so a request that is bad in itself is told so before it learns whether a job exists.
import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Status } from '../domain/status.js';
import type { AuthFailureLimiter } from './auth-limit.js';
import { tokenFromHeader } from './auth.js';
import { ApiError, sendError } from './errors.js';
import { badJobId, parseJobId } from './job-id.js';

/** What the rule needs to know of a stored job. */
export interface AccessJob {
  projectId: string;
  status: number;
}

/** Where jobs are looked up (the job store, or a map in tests). */
export interface AccessJobs<J extends AccessJob> {
  get(jobId: number): Promise<J | undefined>;
}

/** The one method of auth.ts's Authorizer the rule needs. */
export interface TokenAuthorizer {
  authorize(token: string | undefined, projectId: string): ApiError | undefined;
}

/** The console's sign-in cookie (viewer/session.ts) and its sign-outs (viewer/revocations.ts). */
export interface SessionCookies {
  name: string;
  open(value: string): { ok: true; token: string; sessionId: string } | { ok: false; reason: 'invalid' | 'expired' };
  isRevoked(sessionId: string): Promise<boolean>;
}

export interface AccessRuleDeps<J extends AccessJob> {
  authorizer: TokenAuthorizer;
  /** Shared by every rule of a process, so failures anywhere count together. */
  limiter: AuthFailureLimiter;
  jobs: AccessJobs<J>;
  /** Set where the cookie is accepted besides the header (the viewer; the job API for the console). */
  sessions?: SessionCookies;
  /**
   * When set, the cookie counts only on requests carrying this header (the job API's
   * CONSOLE_SESSION_HEADER): no cross-site form can send a header, and no other origin's script
   * can without a CORS preflight this server never grants, so the cookie cannot be ridden.
   */
  sessionHeader?: string;
}

/** The header the console sends so the job API takes its sign-in cookie (lower-case, as Node reads it). */
export const CONSOLE_SESSION_HEADER = 'x-vizjobs-console';

/** What a route asks for: the project (list, create), a job of it, or a RUNNING job of it. */
export type AccessNeed = 'project' | 'job' | 'running';

export interface Refusal<J extends AccessJob> {
  error: ApiError;
  /** 'token': no valid token for the URL's project (401, 403, 429); 'job': the job id, the job or its status. */
  stage: 'token' | 'job';
  /** The job, when it exists but is not RUNNING. */
  notRunning?: { jobId: number; job: J };
}

export type RefusalResponder<J extends AccessJob> = (request: FastifyRequest, reply: FastifyReply, refusal: Refusal<J>) => FastifyReply | Promise<FastifyReply>;

export interface Granted {
  projectId: string;
  /** The token that proved access: the header's, or the one sealed in the cookie. */
  token: string;
}

export interface GrantedJob<J> extends Granted {
  jobId: number;
  job: J;
}

/** What the hooks attach; `rule` is who wrote it, so reading it back as that rule's job type is sound. */
interface RequestAccess extends Granted {
  rule: object;
  jobId?: number;
  job?: AccessJob;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by an AccessRule's hooks on the routes that declare them; null elsewhere. */
    access: RequestAccess | null;
  }
}

type Hook = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;

/** Spread into a route's options: `{ ...rule.hooks({ need: 'job' }), schema }`. */
export interface AccessHooks {
  onRequest: Hook;
  preHandler?: Hook;
}

const signedOut = (): ApiError => new ApiError('badToken', 'Invalid Token header. This session was signed out.');

const envelope = <J extends AccessJob>(_request: FastifyRequest, reply: FastifyReply, refusal: Refusal<J>): FastifyReply =>
  sendError(reply, refusal.error);

export class AccessRule<J extends AccessJob> {
  constructor(private readonly deps: AccessRuleDeps<J>) {}

  /**
   * Prepares a Fastify context for this rule's hooks: the `access` slot on requests and, for a rule
   * with sessions, cookie parsing (@fastify/cookie). Safe to call in several plugins of one app.
   */
  async install(app: FastifyInstance): Promise<void> {
    if (!app.hasRequestDecorator('access')) app.decorateRequest('access', null);
    if (this.deps.sessions) await ensureCookies(app);
  }

  /** The hooks a route declares to get `need` decided before its handler; refusals go to `refuse` (default: the envelope). */
  hooks({ need, refuse = envelope }: { need: AccessNeed; refuse?: RefusalResponder<J> }): AccessHooks {
    const onRequest: Hook = async (request, reply) => {
      const params = request.params as { project_id?: string };
      const projectId = params.project_id ?? '';
      const checked = await this.token(request, projectId);
      if (checked instanceof ApiError) return refuse(request, reply, { error: checked, stage: 'token' });
      request.access = { rule: this, projectId, token: checked };
      return undefined;
    };
    if (need === 'project') return { onRequest };
    const preHandler: Hook = async (request, reply) => {
      const access = request.access;
      if (access === null || access.rule !== this) throw new Error('access: preHandler without its onRequest');
      const jobId = parseJobId((request.params as { job_id?: string }).job_id ?? '');
      if (jobId === undefined) return refuse(request, reply, { error: badJobId(), stage: 'job' });
      const job = await this.deps.jobs.get(jobId);
      // Another project's job does not exist for this token: the same 404 as a missing one.
      if (!job || job.projectId !== access.projectId) return refuse(request, reply, { error: new ApiError('notFound'), stage: 'job' });
      if (need === 'running' && job.status !== Status.RUNNING) {
        const error = new ApiError('notRunning', `The job is not running. job status: ${job.status}`);
        return refuse(request, reply, { error, stage: 'job', notRunning: { jobId, job } });
      }
      access.jobId = jobId;
      access.job = job;
      return undefined;
    };
    return { onRequest, preHandler };
  }

  /** What this rule's hooks granted the request (a route that declared them only). */
  granted(request: FastifyRequest): Granted {
    const a = request.access;
    if (a === null || a.rule !== this) throw new Error('access: the route did not declare this rule');
    return { projectId: a.projectId, token: a.token };
  }

  /** The job this rule's hooks found for the request (a route that declared need 'job' or 'running'). */
  grantedJob(request: FastifyRequest): GrantedJob<J> {
    const a = request.access;
    if (a === null || a.rule !== this || a.jobId === undefined || a.job === undefined) {
      throw new Error('access: the route did not declare this rule with a job');
    }
    // Written by this rule's preHandler from this rule's deps.jobs, whose records are J.
    return { projectId: a.projectId, token: a.token, jobId: a.jobId, job: a.job as J };
  }

  /**
   * The token for `projectId`, or why not. A header wins over a cookie; an expired cookie is
   * ModelArts.0202, a forged or signed-out one 0203; the limiter turns a counted failure into 429
   * once the address has failed too often.
   */
  private async token(request: FastifyRequest, projectId: string): Promise<string | ApiError> {
    const { authorizer, limiter, sessions } = this.deps;
    const judged = (token: string | undefined): string | ApiError =>
      // authorize never passes an absent token; the fallback only spells that out for the compiler.
      limiter.judge(request.ip, authorizer.authorize(token, projectId)) ?? token ?? new ApiError('noToken');
    const failed = (e: ApiError): ApiError => limiter.judge(request.ip, e) ?? e;
    const header = tokenFromHeader(request.headers['x-auth-token']);
    if (header !== undefined && header !== '') return judged(header);
    const cookieAllowed = sessions !== undefined && (this.deps.sessionHeader === undefined || request.headers[this.deps.sessionHeader] !== undefined);
    const cookie = sessions && cookieAllowed ? request.cookies[sessions.name] : undefined;
    if (!sessions || cookie === undefined || cookie === '') return judged(undefined);
    const opened = sessions.open(cookie);
    if (!opened.ok) return failed(new ApiError(opened.reason === 'expired' ? 'expiredToken' : 'badToken'));
    if (await sessions.isRevoked(opened.sessionId)) return failed(signedOut());
    return judged(opened.token);
  }
}

/** Cookie parsing for a context (and its children), once: request.cookies. */
export async function ensureCookies(app: FastifyInstance): Promise<void> {
  if (!app.hasRequestDecorator('cookies')) await app.register(fastifyCookie);
}
