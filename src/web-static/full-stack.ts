// The whole service as one Fastify app: job API + viewer (runtime, sign-in, data API) + this web
// UI, wired as index.ts shows. `vizjobs serve` runs exactly this.
import type { Config } from '../config.js';
import { buildServer, openStore, viewerJobs, type BuiltServer } from '../server.js';
import { createViewer } from '../viewer/index.js';
import { webUi } from './index.js';

export interface FullStack {
  built: BuiltServer;
  close(): Promise<void>;
}

export async function buildFullStack(config: Config, web: { root?: string } = {}): Promise<FullStack> {
  const store = openStore(config);
  const viewer = createViewer(config, { jobs: viewerJobs(store) });
  const built = await buildServer(config, {
    store,
    runtime: viewer.runtime,
    viewer: viewer.plugin,
    plugins: [webUi({ sessions: viewer.sessions, root: web.root })],
    logger: { level: 'warn' },
  });
  built.app.addHook('onClose', async () => viewer.close());
  return { built, close: () => built.app.close() };
}
