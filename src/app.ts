// The composition root: the whole service as one Fastify app — job API and lifecycle, the viewer
// (runtime, sign-in, TensorBoard data API) and the web UI. `vizjobs serve` runs exactly this.
import { Authorizer, ensureAdminToken } from './api/auth.js';
import type { Config } from './config.js';
import { buildServer, openStore, viewerJobs, type BuiltServer } from './server.js';
import { createViewer } from './viewer/index.js';
import { webUi } from './web-static/index.js';

export interface FullStack {
  built: BuiltServer;
  close(): Promise<void>;
}

export async function buildFullStack(config: Config, web: { root?: string } = {}): Promise<FullStack> {
  // The admin token is made once, here, so the viewer and the API share it and the first start
  // reports it as created (buildServer alone would find the file and say "read from").
  const adminToken = config.tokens.trim() === '' ? ensureAdminToken(config.dataDir) : undefined;
  const authorizer = Authorizer.fromSpec(config.tokens, adminToken?.token);
  const store = openStore(config);
  const viewer = createViewer(config, { jobs: viewerJobs(store), authorizer });
  const built = await buildServer(config, {
    store,
    runtime: viewer.runtime,
    viewer: viewer.plugin,
    plugins: [webUi({ sessions: viewer.sessions, root: web.root })],
    logger: { level: 'warn' },
  });
  if (adminToken) built.adminToken = adminToken;
  built.app.addHook('onClose', async () => viewer.close());
  return { built, close: () => built.app.close() };
}
