// Serves the built web UI (dist/web, from `npm run build:web`): the console at `/`, the viewer page
// at every job's service_url (`/visualization/:project_id/:job_id/` and deep links under it that
// are not `data/…`, which belong to the viewer's data API), and the hashed assets under /assets/.
// Assets carry a content hash in their name, so they are cached for a year as immutable; the two
// HTML pages name the current hashes and are never cached, so a deploy is seen at the next load.
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AccessHooks } from '../api/access.js';

/** What a viewer page served for a job that cannot be shown carries: the job's state as text and as JSON. */
export interface PageState {
  /** Shown inside #app until the script renders it (trusted: built escaped by the caller). */
  html: string;
  /** Safe inside <script> (no `<`): read by the page's script from #vizjobs-job-state. */
  json: string;
}

/**
 * Sends the viewer page with `status` (200, or 401 / 403 / 429 when it must show its sign-in form,
 * 404 / 409 with `state` for a job missing or not RUNNING).
 */
export type SendViewerPage = (request: FastifyRequest, reply: FastifyReply, status: number, state?: PageState) => Promise<FastifyReply>;

/** Who may get the viewer page: an access rule's hooks (api/access.ts) the page routes declare (gate.ts). */
export interface ViewerPageGate {
  install(app: FastifyInstance): Promise<void>;
  /** The hooks; a refusal that should still show the page (to ask for a token) is answered with `sendPage`. */
  hooks(sendPage: SendViewerPage): AccessHooks;
}

export interface WebStaticOptions {
  /** The Vite output directory; default dist/web beside the compiled server. */
  root?: string;
  viewerGate?: ViewerPageGate;
}

const here = dirname(fileURLToPath(import.meta.url));
/** Compiled, this module sits in dist/web-static/ beside dist/web/; run from src/ (tsx), it looks in dist/web/. */
export const DEFAULT_WEB_ROOT = basename(dirname(here)) === 'dist' ? resolve(here, '..', 'web') : resolve(here, '..', '..', 'dist', 'web');

// Defense in depth for the Text tab (server-sanitized HTML goes into the page): no script but our
// own bundle can run, nothing can be framed or embedded, and the page talks only to this server.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const HTML_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': CSP,
  'cache-control': 'no-cache',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

/** The built UI's hashed assets under /assets/ (cached for a year: their names change with them). */
export async function registerAssets(app: FastifyInstance, root: string): Promise<void> {
  await app.register(fastifyStatic, {
    root: join(root, 'assets'),
    prefix: '/assets/',
    decorateReply: false,
    index: false,
    wildcard: true,
    immutable: true,
    maxAge: '365d',
    cacheControl: true,
    // A missing assets dir (UI not built) must not stop the server from starting.
    allowedPath: () => existsSync(join(root, 'assets')),
  });
}

export const webStatic: FastifyPluginAsync<WebStaticOptions> = async (app, opts) => {
  const root = resolve(opts.root ?? DEFAULT_WEB_ROOT);

  /**
   * `assetsFrom`: the relative way from the requested page's directory to the app root. The build
   * names assets as ./assets/… (relative, so a proxy may serve the app under a path prefix); the
   * console sits at the root, a viewer page some directories below it.
   */
  async function sendPage(reply: FastifyReply, file: 'index.html' | 'viewer.html', status = 200, assetsFrom = './', state?: PageState): Promise<FastifyReply> {
    let html: string;
    try {
      // Read per request (two small files): a rebuild of the UI is served without a restart.
      html = await readFile(join(root, file), 'utf8');
    } catch {
      return reply
        .code(503)
        .headers({ ...HTML_HEADERS, 'cache-control': 'no-store' })
        .send(`<!doctype html><meta charset="utf-8"><title>vizjobs</title><body style="font-family:system-ui;margin:4em auto;max-width:40em">
<h1>The web UI is not built</h1><p>Run <code>npm run build:web</code> (it writes <code>dist/web</code>), then reload. The API works without it.</p>`);
    }
    if (assetsFrom !== './') html = html.replaceAll('"./assets/', `"${assetsFrom}assets/`);
    if (state) {
      // A data island is not run, so the Content-Security-Policy (no inline script) holds.
      html = html.replace('<div id="app"></div>', () => `<div id="app">${state.html}</div><script type="application/json" id="vizjobs-job-state">${state.json}</script>`);
    }
    return reply.code(status).headers(HTML_HEADERS).send(html);
  }

  await registerAssets(app, root);

  app.get('/', { schema: { hide: true } }, async (_request, reply) => sendPage(reply, 'index.html'));

  type P = { Params: { project_id: string; job_id: string; '*'?: string } };

  // Only reached when no data route matched (the data API is not mounted): not ours to serve.
  const isDataPath = (request: FastifyRequest): boolean => {
    const rest = (request.params as { '*'?: string })['*'] ?? '';
    return rest === 'data' || rest.startsWith('data/');
  };

  const sendViewerPage: SendViewerPage = async (request, reply, status, state) => {
    // '/visualization/p/1/' is three directories below the root, '/visualization/p/1/a/b' four.
    const q = request.url.indexOf('?');
    const depth = (q < 0 ? request.url : request.url.slice(0, q)).split('/').length - 2;
    return sendPage(reply, 'viewer.html', status, '../'.repeat(depth), state);
  };

  const viewerPage = async (request: FastifyRequest<P>, reply: FastifyReply): Promise<FastifyReply> => {
    if (isDataPath(request)) {
      reply.callNotFound();
      return reply;
    }
    return sendViewerPage(request, reply, 200);
  };

  // The gate's hooks skip data paths, so they stay a 404 rather than a sign-in page.
  const gate: Partial<AccessHooks> = {};
  if (opts.viewerGate) {
    await opts.viewerGate.install(app);
    const hooks = opts.viewerGate.hooks(sendViewerPage);
    const unlessData = (hook: AccessHooks['onRequest']): AccessHooks['onRequest'] => async (request, reply) =>
      isDataPath(request) ? undefined : hook(request, reply);
    gate.onRequest = unlessData(hooks.onRequest);
    if (hooks.preHandler) gate.preHandler = unlessData(hooks.preHandler);
  }

  app.get<P>('/visualization/:project_id/:job_id', { schema: { hide: true } }, async (request, reply) => {
    const q = request.url.indexOf('?');
    const path = q < 0 ? request.url : request.url.slice(0, q);
    return reply.redirect(`${path}/${q < 0 ? '' : request.url.slice(q)}`, 301);
  });
  app.get<P>('/visualization/:project_id/:job_id/', { ...gate, schema: { hide: true } }, viewerPage);
  app.get<P>('/visualization/:project_id/:job_id/*', { ...gate, schema: { hide: true } }, viewerPage);
};
