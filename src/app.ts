// The composition root: the whole service as one Fastify app — job API and lifecycle, the viewer
// (runtime, sign-in, TensorBoard data API) and the web UI. `vizjobs serve` runs exactly this.
import { configuredAuth } from './api/auth.js';
import type { Config } from './config.js';
import { buildServer, openStore, jobLookup, type BuiltServer } from './server.js';
import { createViewer, sessionCookies } from './viewer/index.js';
import { webUi } from './web-static/index.js';

export interface FullStack {
  built: BuiltServer;
  close(): Promise<void>;
}

export async function buildFullStack(config: Config, web: { root?: string } = {}): Promise<FullStack> {
  // Tokens are resolved once, here, and shared by the viewer and the API.
  const auth = configuredAuth(config);
  const store = openStore(config);
  const viewer = createViewer(config, { jobs: jobLookup(store), revocations: store, authorizer: auth.authorizer, limiter: auth.limiter });
  const built = await buildServer(config, {
    auth,
    store,
    runtime: viewer.runtime,
    viewer: viewer.plugin,
    sessions: sessionCookies(viewer.access),
    plugins: [webUi({ access: viewer.access, root: web.root })],
    logger: { level: 'warn' },
  });
  built.app.addHook('onClose', async () => viewer.close());
  return { built, close: () => built.app.close() };
}
