// Public entry of the web UI's server side. `webUi` is the plugin for buildServer's
// `deps.plugins`: it serves the console, the viewer pages (gated by the viewer's own access rule,
// see gate.ts) and the assets, taking the token rule and the job facts from the ServerContext:
//
//   const viewer = createViewer(config, { jobs: jobLookup(store), revocations: store });
//   await buildServer(config, { store, runtime: viewer.runtime, viewer: viewer.plugin,
//                               plugins: [webUi({ access: viewer.access })] });
import type { FastifyPluginAsync } from 'fastify';
import type { ServerContext } from '../server.js';
import type { ViewerAccess } from '../viewer/index.js';
import { webStatic } from './plugin.js';
import { viewerPageGate } from './gate.js';

export { webStatic, DEFAULT_WEB_ROOT, type WebStaticOptions, type ViewerPageGate, type SendViewerPage, type PageState } from './plugin.js';
export { viewerPageGate } from './gate.js';

export interface WebUiOptions {
  /** The viewer's access rule (createViewer(...).access): tokens, cookies, sign-outs, failure limits. */
  access: ViewerAccess;
  /** The Vite output directory; default dist/web. */
  root?: string;
}

export function webUi(opts: WebUiOptions): FastifyPluginAsync<ServerContext> {
  return async (app, ctx) => {
    const viewerGate = viewerPageGate(ctx.jobs, opts.access);
    await app.register(webStatic, { root: opts.root, viewerGate });
  };
}
