// How the viewer plugs into the server (src/server.ts's deps): one call gives the runtime for
// `deps.runtime` and the plugin for `deps.viewer` (sign-in routes + the data API). The plugin
// checks tokens exactly like the API: the same VIZJOBS_TOKENS and admin token file.
//
//   const store = openStore(config);
//   const viewer = createViewer(config, { jobs: viewerJobs(store) });
//   const built = await buildServer(config, { store, runtime: viewer.runtime, viewer: viewer.plugin });
//   built.app.addHook('onClose', async () => viewer.close());
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { configuredAuth } from '../api/auth.js';
import type { Config } from '../config.js';
import { ensurePrivateDir, fixPrivateFile, warnToStderr, type Warn } from '../private-files.js';
import { sessionRoutes, type TokenAuthorizer } from './access.js';
import { viewerDataRoutes, type ViewerJobs } from './data-api.js';
import { ViewerRuntime } from './runtime.js';
import { SessionSealer } from './session.js';

export interface CreateViewerOptions {
  jobs: ViewerJobs;
  /** Default: the API's rule built from config (VIZJOBS_TOKENS, else the admin token). */
  authorizer?: TokenAuthorizer;
  reloadIntervalMs?: number;
  sessionTtlMs?: number;
  now?: () => number;
  /** Where a warning about a session key file readable by others goes; default stderr. */
  warn?: Warn;
}

export interface MountedViewer {
  runtime: ViewerRuntime;
  plugin: FastifyPluginAsync;
  sessions: SessionSealer;
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
  const authorizer = opts.authorizer ?? configuredAuth(config).authorizer;
  const sessions = new SessionSealer(sessionSecret(config.dataDir, opts.warn ?? warnToStderr), opts.now);
  const runtime = new ViewerRuntime({ config, reloadIntervalMs: opts.reloadIntervalMs, now: opts.now });
  const secureCookie = config.publicUrl.startsWith('https:');
  const plugin: FastifyPluginAsync = async (app) => {
    await app.register(sessionRoutes, { authorizer, sessions, secureCookie, ttlMs: opts.sessionTtlMs });
    await app.register(viewerDataRoutes, { runtime, jobs: opts.jobs, authorizer, sessions });
  };
  return { runtime, plugin, sessions, close: () => runtime.close() };
}
