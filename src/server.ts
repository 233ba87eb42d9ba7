// The job service as one Fastify app: store, auth and the access rule, job lifecycle, the API
// routes, OpenAPI docs, and the viewer and runtime it is given (src/app.ts gives the real ones,
// tests the placeholder). Returns the app unstarted; deps.plugins (web console, static assets)
// are registered after the job routes.
import Fastify, { LogController, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import compress from '@fastify/compress';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Config } from './config.js';
import { AccessRule, CONSOLE_SESSION_HEADER, type SessionCookies } from './api/access.js';
import { configuredAuth, type AdminToken, type Authorizer, type ConfiguredAuth } from './api/auth.js';
import type { AuthFailureLimiter } from './api/auth-limit.js';
import { compressOptions } from './api/compression.js';
import { clientErrorHandler, drainUnreadBody, requireHost, trackExchanges } from './api/client-errors.js';
import { frameworkError, installErrorHandling } from './api/http-errors.js';
import { parseClientJson } from './api/json-body.js';
import { jobRoutes } from './api/routes.js';
import { JobService } from './jobs/service.js';
import { Reconciler } from './jobs/reconciler.js';
import type { JobRuntime } from './runtime/runtime.js';
import { PostgresJobStore } from './store/postgres.js';
import { SqliteJobStore } from './store/sqlite.js';
import type { JobRecord, JobStore } from './store/store.js';
import type { JobLookup } from './viewer/data-api.js';
import { ServiceMetrics } from './ops/metrics.js';
import { installOps, requestId } from './ops/http.js';

export const MAX_BODY_BYTES = 1024 * 1024;

/** What plugins registered by buildServer receive as their options. */
export interface ServerContext {
  config: Config;
  auth: Authorizer;
  /** Failed authentication per client address, shared by everything that checks tokens. */
  limiter: AuthFailureLimiter;
  /** The job API's access rule (header tokens, jobs from the store), for viewers that share it. */
  access: AccessRule<JobRecord>;
  store: JobStore;
  runtime: JobRuntime;
  service: JobService;
  /** The lifecycle: the only caller of the runtime; the viewer asks it to serve a job (ensureServing). */
  reconciler: Reconciler;
  /** The job facts a viewer needs (project, status, train_url), from the store. */
  jobs: JobLookup;
}

export interface ServerDeps {
  /**
   * What the lifecycle starts and stops jobs' viewers with. No default: production wiring is
   * src/app.ts alone, and tests bring theirs from src/testing/, so no stand-in ships by accident.
   */
  runtime: JobRuntime;
  /**
   * Owns everything under /visualization/:project_id/:job_id/ (the viewer's data API and page),
   * served by `runtime`. Receives the ServerContext.
   */
  viewer: FastifyPluginAsync<ServerContext>;
  /** Registered after the job routes, in order, each with the ServerContext (web console, static assets, …). */
  plugins?: FastifyPluginAsync<ServerContext>[];
  store?: JobStore;
  /** Clock for durations and deadlines (tests move it forward). */
  now?: () => number;
  reconcileIntervalMs?: number;
  /** Fastify logger setting (ops/http.ts loggerOptions); default off (the request path stays cheap). */
  logger?: boolean | { level: string };
  /** Where the lifecycle's messages go; default the Fastify logger when it is on, else stderr. */
  log?: (msg: string) => void;
  /** The operator's metrics; default a fresh registry for this server. */
  metrics?: ServiceMetrics;
  /** Tokens already resolved by the caller (so the viewer and the API share one); default from config. */
  auth?: ConfiguredAuth;
  /**
   * The console's sign-in cookie (the viewer's sessions): the job API takes it besides the header
   * on requests carrying CONSOLE_SESSION_HEADER, so every tab of a signed-in browser is signed in.
   */
  sessions?: SessionCookies;
}

export interface BuiltServer {
  app: FastifyInstance;
  store: JobStore;
  service: JobService;
  reconciler: Reconciler;
  auth: Authorizer;
  runtime: JobRuntime;
  /** Set when no VIZJOBS_TOKENS were configured: the operator's token, valid for every project. */
  adminToken?: AdminToken;
  metrics: ServiceMetrics;
}

/**
 * SQLite for a file path, PostgreSQL for a postgres:// URL. The PostgreSQL store connects and
 * migrates lazily (await its ready() to fail fast); it enforces the running quota itself so
 * replicas sharing the database never exceed it together.
 */
export function openStore(config: Config, warn?: (msg: string) => void): JobStore {
  if (/^postgres(ql)?:\/\//.test(config.db)) {
    return new PostgresJobStore(config.db, { runningQuota: config.runningQuota });
  }
  return new SqliteJobStore(config.db, { warn });
}

export async function buildServer(config: Config, deps: ServerDeps): Promise<BuiltServer> {
  // Bound late: with the Fastify logger on, messages become JSON lines of the app's logger.
  let sink = deps.log ?? ((m: string) => console.error(m));
  const log = (m: string): void => sink(m);
  const { authorizer: auth, adminToken, limiter } = deps.auth ?? configuredAuth(config, log);
  const store = deps.store ?? openStore(config, log);
  const runtime = deps.runtime;
  const now = deps.now ?? Date.now;
  const reconciler = new Reconciler(store, runtime, { runningQuota: config.runningQuota, intervalMs: deps.reconcileIntervalMs, now, log });
  const service = new JobService(
    store,
    { publicUrl: () => config.publicUrl, runningQuota: config.runningQuota, jobLimit: config.jobLimit },
    () => reconciler.kick(),
    now,
  );

  const metrics = deps.metrics ?? new ServiceMetrics();
  metrics.bind({ store, runtime, reconciler });
  const app = Fastify({
    logger: deps.logger ?? false,
    genReqId: requestId,
    // ops/http.ts writes one access-log line per request instead of Fastify's two.
    logController: new LogController({ requestIdLogLabel: 'req_id', disableRequestLogging: true }),
    bodyLimit: MAX_BODY_BYTES,
    // allowUnionTypes: `schedule` is declared as type [object, array] (one schema, not anyOf).
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: true, allowUnionTypes: true } },
    // Requests Node's own parser refuses still get the §3 envelope (api/client-errors.ts).
    clientErrorHandler,
    // Node answers a missing Host with an empty 400; the requireHost hook answers in the envelope.
    http: { requireHostHeader: false },
    // URLs the router refuses (bad percent-encoding, overlong segments): the envelope too.
    frameworkErrors: (err, _req, reply) => frameworkError(err, reply),
  });
  // Empty JSON bodies are accepted as "no body": SDKs send `Content-Type: application/json` on
  // stop/restart without one. Everything else must parse, within the nesting bound.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: MAX_BODY_BYTES }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, parseClientJson(text));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  if (!deps.log && deps.logger) sink = (m: string) => app.log.warn(m);
  installErrorHandling(app, log);
  installOps(app, { store, auth, metrics });
  // Root hook, so the viewer and every plugin have it too.
  trackExchanges(app.server);
  app.addHook('onRequest', requireHost);
  app.addHook('onSend', drainUnreadBody);
  // Both at the root, before any route: compress hooks each route as it is declared, and every
  // plugin (API, viewer, web console) sees request.cookies and reply.setCookie.
  await app.register(compress, compressOptions);
  await app.register(cookie);

  await app.register(swagger, {
    openapi: {
      info: { title: 'vizjobs', description: 'ModelArts v1 visualization jobs, wire-compatible', version: '0.1.0' },
      components: { securitySchemes: { token: { type: 'apiKey', in: 'header', name: 'X-Auth-Token' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  // The API's access rule (header tokens, or the console's cookie with its header; jobs from the
  // store), also the placeholder viewer's.
  const access = new AccessRule({ authorizer: auth, limiter, jobs: store, sessions: deps.sessions, sessionHeader: CONSOLE_SESSION_HEADER });
  await app.register(jobRoutes, { access, service });
  const ctx: ServerContext = { config, auth, limiter, access, store, runtime, service, reconciler, jobs: jobLookup(store) };
  await app.register(deps.viewer, ctx);
  for (const p of deps.plugins ?? []) await app.register(p, ctx);

  app.addHook('onReady', async () => {
    await reconciler.start();
  });
  app.addHook('onClose', async () => {
    await reconciler.close();
    await store.close();
  });

  return { app, store, service, reconciler, auth, runtime, adminToken, metrics };
}

/** The job facts the viewer needs (its `JobLookup` interface), read from the store. */
export function jobLookup(store: JobStore): JobLookup {
  return {
    async get(jobId) {
      const j = await store.get(jobId);
      return j && { projectId: j.projectId, status: j.status, trainUrl: j.trainUrl, jobName: j.jobName, failureReason: j.failureReason, conditions: j.conditions };
    },
  };
}
