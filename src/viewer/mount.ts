// How the viewer plugs into the server (src/server.ts's deps): one call gives the runtime for
// `deps.runtime` and the plugin for `deps.viewer` (sign-in routes + the data API). The plugin
// checks tokens exactly like the API: the same VIZJOBS_TOKENS and admin token file, and keeps
// signed-out sessions in the job store, so a sign-out holds on every replica sharing it.
//
//   const store = openStore(config);
//   const viewer = createViewer(config, { jobs: jobLookup(store), revocations: store });
//   const built = await buildServer(config, { store, runtime: viewer.runtime, viewer: viewer.plugin });
//   built.app.addHook('onClose', async () => viewer.close());
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { configuredAuth } from '../api/auth.js';
import { AuthFailureLimiter } from '../api/auth-limit.js';
import type { Config } from '../config.js';
import { SERVICE_JOB_SHARE, viewerMemoryBytes } from './memory-budget.js';
import { resolveTrainUrl } from '../storage/resolve.js';
import { meteredStorage, type StorageMeter } from '../storage/metered.js';
import type { ServingRequests } from '../jobs/reconciler.js';
import { ensurePrivateDir, fixPrivateFile, warnToStderr, type Warn } from '../private-files.js';
import { sessionRoutes, type TokenAuthorizer, type ViewerAccess } from './access.js';
import { viewerDataRoutes, type JobLookup } from './data-api.js';
import { ViewerRuntime } from './runtime.js';
import { SessionRevocations, type SessionRevocationStore } from './revocations.js';
import { SessionSealer } from './session.js';

export interface CreateViewerOptions {
  jobs: JobLookup;
  /** Where signed-out sessions are kept: the job store, shared by every replica. */
  revocations: SessionRevocationStore;
  /** Default: the API's rule built from config (VIZJOBS_TOKENS, else the admin token). */
  authorizer?: TokenAuthorizer;
  /** The API's limiter, so failures through the API and the viewer count together; default: the viewer's own. */
  limiter?: AuthFailureLimiter;
  reloadIntervalMs?: number;
  sessionTtlMs?: number;
  now?: () => number;
  /** Where a warning about a session key file readable by others goes; default stderr. */
  warn?: Warn;
  /**
   * The sign-in cookies' key shared by every replica (from their database); default: a key file
   * in the data dir, which only this process reads.
   */
  sessionSecret?: string;
  /** Counts storage requests and bytes (the operator's metrics); default: not counted. */
  storageMeter?: StorageMeter;
}

/** What buildServer hands the viewer plugin (ServerContext has it): the lifecycle that starts viewers. */
export interface ViewerPluginOptions {
  reconciler: ServingRequests;
}

export interface MountedViewer {
  runtime: ViewerRuntime;
  plugin: FastifyPluginAsync<ViewerPluginOptions>;
  sessions: SessionSealer;
  /** The access rule the plugin uses, for the web UI's viewer page (webUi). */
  access: ViewerAccess;
  close(): void;
}

/** Session key kept in the data dir (0600, fixed if looser) so sign-ins survive a restart of the service. */
function sessionSecret(dataDir: string, warn: Warn): Buffer {
  const path = join(dataDir, 'session-secret');
  try {
    const s = readFileSync(path);
    fixPrivateFile(path, warn);
    if (s.length >= 32) return s;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  ensurePrivateDir(dataDir);
  const secret = randomBytes(32);
  writeFileSync(path, secret, { mode: 0o600 });
  chmodSync(path, 0o600);
  return secret;
}

export function createViewer(config: Config, opts: CreateViewerOptions): MountedViewer {
  const warn = opts.warn ?? warnToStderr;
  let { authorizer, limiter } = opts;
  if (!authorizer) {
    const configured = configuredAuth(config, warn);
    authorizer = configured.authorizer;
    limiter ??= configured.limiter;
  }
  limiter ??= new AuthFailureLimiter();
  const sessions = new SessionSealer(opts.sessionSecret ?? sessionSecret(config.dataDir, warn), opts.now);
  const revocations = new SessionRevocations(opts.revocations, { now: opts.now });
  const access: ViewerAccess = { authorizer, sessions, revocations, limiter };
  const meter = opts.storageMeter;
  const locate = (url: string): ReturnType<typeof resolveTrainUrl> => {
    const at = resolveTrainUrl(url, config);
    return meter ? { ...at, storage: meteredStorage(at.storage, meter) } : at;
  };
  const runtime = new ViewerRuntime({
    config,
    locate,
    reloadIntervalMs: opts.reloadIntervalMs,
    now: opts.now,
    memory: { limitBytes: viewerMemoryBytes(config.viewerMemoryMb), jobShare: SERVICE_JOB_SHARE },
  });
  const secureCookie = config.publicUrl.startsWith('https:');
  const plugin: FastifyPluginAsync<ViewerPluginOptions> = async (app, ctx) => {
    await app.register(sessionRoutes, { ...access, secureCookie, ttlMs: opts.sessionTtlMs });
    await app.register(viewerDataRoutes, { ...access, runtime, jobs: opts.jobs, serving: ctx.reconciler });
  };
  return { runtime, plugin, sessions, access, close: () => runtime.close() };
}
