// What an operator and a load balancer ask of every replica, on the main port (API.md §6):
// - GET /healthz: 200 while the process can answer (liveness); it never touches the store, so a
//   database outage does not get healthy replicas restarted.
// - GET /readyz: 200 when the store answers and its migrations are applied, else 503 with the
//   reason; 503 as soon as the server is closing too, so the balancer drains it before it stops.
// - GET /metrics: Prometheus text, behind an admin token here; without a token only on its own
//   port (VIZJOBS_METRICS_PORT, metricsServer), which should not be exposed beyond the cluster.
// - Request ids (X-Request-Id when the client sent a sane one, else generated) returned on every
//   answer, and one access-log line per request: id, method, route, project, job id, status,
//   latency — never a header, a cookie or a query string (tokens travel there).
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError, sendError } from '../api/errors.js';
import { tokenFromHeader, type Authorizer } from '../api/auth.js';
import type { JobStore } from '../store/store.js';
import type { ServiceMetrics } from './metrics.js';

/** How long readiness waits for the store before answering 503. */
export const READY_TIMEOUT_MS = 2_000;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Fastify's genReqId: the client's X-Request-Id when it is a sane token, else a fresh UUID. */
export function requestId(req: { headers: Record<string, string | string[] | undefined> }): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** Fastify's logger options: JSON lines on stdout at `level`; requests logged without headers or query. */
export function loggerOptions(level: string): { level: string; serializers: Record<string, (v: unknown) => unknown> } {
  return {
    level,
    serializers: {
      req: (r: unknown) => {
        const q = r as { method?: string; url?: string; ip?: string };
        return { method: q.method, path: q.url?.split('?')[0], remote: q.ip };
      },
      res: (r: unknown) => ({ status: (r as { statusCode?: number }).statusCode }),
    },
  };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export interface OpsRoutesOptions {
  store: JobStore;
  auth: Authorizer;
  metrics: ServiceMetrics;
}

export function installOps(app: FastifyInstance, opts: OpsRoutesOptions): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id);
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    const params = (request.params ?? {}) as { project_id?: string; job_id?: string };
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        project: params.project_id,
        job_id: params.job_id,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request',
    );
  });
  opts.metrics.install(app);

  const noToken = { schema: { hide: true } };
  app.get('/healthz', noToken, async (_req, reply) => reply.header('cache-control', 'no-store').send({ status: 'ok' }));
  app.get('/readyz', noToken, async (_req, reply) => {
    reply.header('cache-control', 'no-store');
    if (closing) return reply.code(503).send({ status: 'not ready', reason: 'shutting down' });
    try {
      await withTimeout(opts.store.check(), READY_TIMEOUT_MS, 'the metadata store');
      return reply.send({ status: 'ready' });
    } catch (err) {
      return reply.code(503).send({ status: 'not ready', reason: err instanceof Error ? err.message : String(err) });
    }
  });
  app.get('/metrics', noToken, async (request: FastifyRequest, reply) => {
    const token = tokenFromHeader(request.headers['x-auth-token']);
    if (!token) return sendError(reply, new ApiError('noToken'));
    if (!opts.auth.isAdmin(token)) return sendError(reply, new ApiError('badToken', 'Invalid Token header. /metrics needs the admin token (or VIZJOBS_METRICS_PORT).'));
    const m = await opts.metrics.text();
    return reply.header('content-type', m.contentType).send(m.body);
  });
}

/** /metrics without a token on its own port (VIZJOBS_METRICS_PORT); everything else 404. */
export async function metricsServer(metrics: ServiceMetrics, host: string, port: number): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
      metrics.text().then(
        (m) => {
          res.writeHead(200, { 'content-type': m.contentType });
          res.end(m.body);
        },
        () => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end('metrics unavailable\n');
        },
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found: this port serves GET /metrics only\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  return { server, port: addr && typeof addr === 'object' ? addr.port : port };
}
