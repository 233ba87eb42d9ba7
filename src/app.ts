// The composition root: the whole service as one Fastify app — job API and lifecycle, the viewer
// (runtime, sign-in, TensorBoard data API) and the web UI. `vizjobs serve` runs exactly this.
import { randomBytes } from 'node:crypto';
import { configuredAuth, type AdminToken } from './api/auth.js';
import type { Config } from './config.js';
import { buildServer, openStore, jobLookup, type BuiltServer } from './server.js';
import type { JobStore, SharedSecrets } from './store/store.js';
import { ServiceMetrics } from './ops/metrics.js';
import { loggerOptions } from './ops/http.js';
import { createViewer, sessionCookies } from './viewer/index.js';
import { webUi } from './web-static/index.js';

export interface FullStack {
  built: BuiltServer;
  close(): Promise<void>;
}

const hasSharedSecrets = (s: JobStore): s is JobStore & SharedSecrets => typeof (s as Partial<SharedSecrets>).sharedSecret === 'function';

/**
 * What replicas must agree on, from the database they share (PostgreSQL): the sign-in key and,
 * when no token is configured, the generated admin token. One process on SQLite keeps both in its
 * data dir instead (undefined here). Read before the server starts: a replica that cannot reach
 * its database at start exits with the reason, and its supervisor starts it again.
 */
async function fleetSecrets(config: Config, store: JobStore): Promise<{ sessionSecret?: string; admin?: AdminToken }> {
  if (!hasSharedSecrets(store)) return {};
  const sessionSecret = (await store.sharedSecret('session-key', randomBytes(32).toString('base64url'))).value;
  if (config.adminToken || config.tokens.trim() !== '') return { sessionSecret };
  const t = await store.sharedSecret('admin-token', randomBytes(24).toString('base64url'));
  return { sessionSecret, admin: { token: t.value, created: t.created, path: 'the shared database (table cluster_secrets)' } };
}

export async function buildFullStack(config: Config, web: { root?: string } = {}): Promise<FullStack> {
  const store = openStore(config);
  let shared: Awaited<ReturnType<typeof fleetSecrets>>;
  try {
    shared = await fleetSecrets(config, store);
  } catch (err) {
    await store.close();
    throw err;
  }
  // Tokens are resolved once, here, and shared by the viewer and the API.
  const auth = configuredAuth(config, undefined, shared.admin);
  const metrics = new ServiceMetrics();
  const viewer = createViewer(config, {
    jobs: jobLookup(store),
    revocations: store,
    authorizer: auth.authorizer,
    limiter: auth.limiter,
    sessionSecret: shared.sessionSecret,
    storageMeter: metrics.storageMeter,
  });
  const built = await buildServer(config, {
    auth,
    store,
    runtime: viewer.runtime,
    viewer: viewer.plugin,
    sessions: sessionCookies(viewer.access),
    plugins: [webUi({ access: viewer.access, root: web.root })],
    logger: loggerOptions(config.logLevel),
    metrics,
  });
  built.app.addHook('onClose', async () => viewer.close());
  return { built, close: () => built.app.close() };
}
