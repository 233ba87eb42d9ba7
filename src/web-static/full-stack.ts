// The whole service as one Fastify app: job API + viewer (runtime, sign-in, data API) + this web
// UI, wired the way src/viewer/mount.ts documents. The e2e test and `dev-server` use it while
// `vizjobs serve` does not yet serve the UI; it is also the reference for wiring serve.ts.
import type { Config } from '../config.js';
import { buildServer, openStore, viewerJobs, type BuiltServer } from '../server.js';
import { createViewer, type ViewerAccess } from '../viewer/index.js';
import { webStatic, type WebStaticOptions } from './plugin.js';
import { viewerPageGate } from './gate.js';

export interface FullStack {
  built: BuiltServer;
  close(): Promise<void>;
}

export async function buildFullStack(config: Config, web: Pick<WebStaticOptions, 'root'> = {}): Promise<FullStack> {
  const store = openStore(config);
  const jobs = viewerJobs(store);
  const viewer = createViewer(config, { jobs });
  let access: ViewerAccess | undefined;
  const gate = viewerPageGate(jobs, {
    // Resolved once buildServer has made the authorizer; requests only arrive after that.
    authorizer: { authorize: (token, projectId) => (access as ViewerAccess).authorizer.authorize(token, projectId) },
    sessions: viewer.sessions,
  });
  const built = await buildServer(config, {
    store,
    runtime: viewer.runtime,
    viewer: viewer.plugin,
    plugins: [async (app) => app.register(webStatic, { ...web, viewerGate: gate })],
    logger: { level: 'warn' },
  });
  access = { authorizer: built.auth, sessions: viewer.sessions };
  built.app.addHook('onClose', async () => viewer.close());
  return { built, close: () => built.app.close() };
}
