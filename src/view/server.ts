// The standalone viewer of `vizjobs view`: TensorBoard's data API at /data/ and the viewer page at /,
// over a fixed set of log directories, with the job service's engine, routes and loading policy
// (viewer/runtime.ts: load on first view, reload at most every reload interval and only while
// someone asks, drop the data when nobody has for a while) but none of its job store, tokens or
// lifecycle. Invariant: bound to loopback it asks nothing of a client; bound beyond it, every
// request carries the token printed at start (header, `?token=` once, then the cookie it sets).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:net';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ensureCookies, type AccessHooks } from '../api/access.js';
import { ApiError, sendError } from '../api/errors.js';
import { installErrorHandling } from '../api/http-errors.js';
import { openLogdir, type Logdir, type OpenLogdirOptions } from '../events/index.js';
import { JobRuntimeError } from '../runtime/runtime.js';
import { registerDataApi } from '../viewer/data-api.js';
import { viewerMemoryBytes } from '../viewer/memory-budget.js';
import { ViewerRuntime, type LoadedJob } from '../viewer/runtime.js';
import { CompositeLogdir } from './composite.js';
import { locate, s3EnvFromProcess, type LogdirSpecEntry, type S3Env } from './locate.js';
import { registerViewerPage } from './page.js';

export const DEFAULT_PORT = 6006;
/** TensorBoard's default --reload_interval. */
export const DEFAULT_RELOAD_INTERVAL_S = 5;
/** How long the loaded data outlives the last request (the page polls while open). */
const IDLE_MS = 5 * 60_000;
const COOKIE = 'vizjobs_view';
/** The one "job" the runtime serves. */
const JOB_ID = 1;

export interface ViewServerOptions {
  /** What to serve: one unnamed entry (plain --logdir) or named ones (--logdir_spec, several LOGDIRs). */
  logdirs: LogdirSpecEntry[];
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 6006; 0 picks any free port. When taken, the next free one is used (see `portTaken`). */
  port?: number;
  /** Seconds between reloads while someone is looking; 0 loads once (TensorBoard's --reload_interval). */
  reloadIntervalS?: number;
  /** Required beyond loopback: generated when not given. Never asked on loopback unless given. */
  token?: string;
  s3?: S3Env;
  /** The Vite output directory (default dist/web). */
  webRoot?: string;
}

export interface ViewServer {
  /** e.g. http://localhost:6006/ */
  url: string;
  host: string;
  port: number;
  /** The port asked for, when it was taken and another was used. */
  portTaken?: number;
  /** Set when requests must carry it. */
  token?: string;
  app: FastifyInstance;
  runtime: ViewerRuntime;
  close(): Promise<void>;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = createServer();
    s.once('error', () => done(false));
    s.listen({ host, port, exclusive: true }, () => s.close(() => done(true)));
  });
}

/** `port`, or the next free one after it (TensorBoard would refuse; a second `view` should just work). */
async function choosePort(host: string, port: number): Promise<number> {
  if (port === 0) return 0;
  for (let p = port; p < Math.min(port + 100, 65536); p++) if (await portFree(host, p)) return p;
  throw new Error(`no free port in ${port}-${Math.min(port + 99, 65535)} on ${host}`);
}

function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Token hooks for a server bound beyond loopback. */
function tokenHooks(token: string): AccessHooks {
  const onRequest = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (request.url.startsWith('/assets/')) return undefined; // hashed bundle files: no data in them
    const header = request.headers['x-auth-token'];
    if (typeof header === 'string' && sameToken(header, token)) return undefined;
    const cookie = request.cookies[COOKIE];
    if (cookie !== undefined && sameToken(cookie, token)) return undefined;
    const url = new URL(request.url, 'http://x');
    const q = url.searchParams.get('token');
    if (q !== null && sameToken(q, token)) {
      reply.setCookie(COOKIE, token, { path: '/', httpOnly: true, sameSite: 'strict' });
      if (request.method === 'GET' && !url.pathname.startsWith('/data/')) {
        // The token leaves the address bar (and history) at once; the cookie carries it from here.
        url.searchParams.delete('token');
        return reply.redirect(`${url.pathname}${url.search}`, 303);
      }
      return undefined;
    }
    return sendError(reply, new ApiError('badToken', 'This vizjobs view needs its token: open the URL printed at start (…/?token=…) or send X-Auth-Token.'));
  };
  return { onRequest };
}

/** VIZJOBS_VIEWER_MEMORY_MB, as the service reads it (0 when unset or not a positive integer). */
function viewerMemoryMbFromEnv(): number {
  const n = Number(process.env.VIZJOBS_VIEWER_MEMORY_MB);
  return Number.isInteger(n) && n > 0 ? n : 0;
}

/** Opens the parts; a single unnamed one is served as it is (run names exactly as TensorBoard's --logdir). */
async function openParts(entries: LogdirSpecEntry[], s3: S3Env): Promise<(options?: OpenLogdirOptions) => Logdir> {
  const located = await Promise.all(entries.map(async (e) => ({ name: e.name, location: await locate(e.path, s3) })));
  if (located.length === 1 && located[0].name === undefined) return (options) => openLogdir(located[0].location, options);
  // The parts share one memory account: what they report adds up.
  return (options) => new CompositeLogdir(located.map((p) => ({ name: p.name ?? p.location.prefix, logdir: openLogdir(p.location, options) })));
}

export async function startViewServer(opts: ViewServerOptions): Promise<ViewServer> {
  if (opts.logdirs.length === 0) throw new Error('no log directory given');
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? (isLoopback(host) ? undefined : randomBytes(18).toString('base64url'));
  const reloadIntervalS = opts.reloadIntervalS ?? DEFAULT_RELOAD_INTERVAL_S;
  const open = await openParts(opts.logdirs, opts.s3 ?? s3EnvFromProcess());
  const described = opts.logdirs.map((e) => (e.name === undefined ? e.path : `${e.name}:${e.path}`)).join(',');

  const runtime = new ViewerRuntime({
    config: { obsRoot: '', s3Endpoint: '', viewerIdleMs: IDLE_MS },
    // The runtime reloads on a view once this long has passed since the last reload began; 0 would
    // mean on every request (a 10,000-run directory re-listed back to back), so "load once" is never.
    reloadIntervalMs: reloadIntervalS === 0 ? Infinity : reloadIntervalS * 1000,
    // The runtime's probe at start: any part's storage will do, each part is listed on every reload.
    locate: () => open().location,
    openLogdir: (_location, options) => open(options),
    // One job: it may take the whole budget, which is what the service's default would be.
    memory: { limitBytes: viewerMemoryBytes(viewerMemoryMbFromEnv()), jobShare: 1 },
  });
  await runtime.start({ jobId: JOB_ID, projectId: 'local', jobType: 'tensorboard', trainUrl: described });

  // Closing ends open connections too: a browser tab's keep-alive must not hold up CTRL+C or close().
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024, forceCloseConnections: true });
  installErrorHandling(app, (msg) => process.stderr.write(`vizjobs view: ${msg}\n`));
  await app.register(formbody);
  const hooks: Partial<AccessHooks> = token ? tokenHooks(token) : {};
  if (token) {
    await ensureCookies(app);
    app.addHook('onRequest', hooks.onRequest as AccessHooks['onRequest']);
  }

  const unavailable = (err: unknown): ApiError =>
    new ApiError('storageUnavailable', err instanceof JobRuntimeError && err.permanent ? err.message : undefined);
  const viewed = async (soon: boolean): Promise<LoadedJob> => {
    let v;
    try {
      v = soon ? await runtime.viewSoon(JOB_ID) : await runtime.view(JOB_ID);
    } catch (err) {
      throw unavailable(err);
    }
    if (!v) throw new ApiError('storageUnavailable');
    return v;
  };
  await registerDataApi(app, {
    prefix: '/data',
    hooks: {},
    viewed: () => viewed(false),
    viewedSoon: () => viewed(true),
    status: async () => runtime.status(JOB_ID),
    miss: async () => undefined,
    describe: () => ({ dataLocation: described, windowTitle: 'vizjobs view' }),
  });
  await registerViewerPage(app, { root: opts.webRoot });

  const requested = opts.port ?? DEFAULT_PORT;
  const port = await choosePort(host, requested);
  await app.listen({ host, port });
  const addr = app.server.address();
  const actual = typeof addr === 'object' && addr ? addr.port : port;
  const shownHost = isLoopback(host) || host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${actual}/`,
    host,
    port: actual,
    portTaken: requested !== 0 && actual !== requested ? requested : undefined,
    token,
    app,
    runtime,
    close: async () => {
      runtime.close();
      await app.close();
    },
  };
}
