// The viewer page of `vizjobs view` at `/` , with the hashed assets under
// /assets/: the same built page as a job's service_url, whose data URLs are relative to the page's
// directory, so at the root it reads /data/. Invariant: no path under /data/ is answered here.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DEFAULT_WEB_ROOT, HTML_HEADERS, registerAssets } from '../web-static/plugin.js';

export async function registerViewerPage(app: FastifyInstance, opts: { root?: string }): Promise<void> {
  const root = resolve(opts.root ?? DEFAULT_WEB_ROOT);
  await registerAssets(app, root);
  const page = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const path = request.url.split('?')[0];
    if (path === '/data' || path.startsWith('/data/')) {
      reply.callNotFound();
      return reply;
    }
    let html: string;
    try {
      html = await readFile(join(root, 'viewer.html'), 'utf8');
    } catch {
      return reply.code(503).headers({ ...HTML_HEADERS, 'cache-control': 'no-store' }).send('<!doctype html><meta charset="utf-8"><title>vizjobs view</title><p>The web UI is not built (dist/web is missing); the data API at <a href="data/runs">data/runs</a> works without it.</p>');
    }
    return reply.headers(HTML_HEADERS).send(html);
  };
  // Only the root: at a deeper path the page would look for its data under that path.
  app.get('/', page);
  app.get('/index.html', page);
}
