// The app's one error handler (every plugin's errors reach it: no plugin sets its own). Turns
// everything Fastify itself rejects (schema violations, unparsable or oversized bodies,
// unknown routes, wrong methods) into the §3 envelope, and anything unexpected into a bare 500
// ModelArts.0010 — never a stack trace. Schema failures of a wrong JSON type are ModelArts.0101;
// every other rule (length, range, pattern, enum, required, unknown key) is ModelArts.0104 naming the
// parameter; a job id that breaks the one job-id rule gets the same answer as in the viewer.
// Client-provided text echoed in a message (key names, parser messages) is cut short.
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { ApiError, sendError, type ErrorKind } from './errors.js';
import { badJobId } from './job-id.js';
import { StoreUnavailableError } from '../store/store.js';

/** Whether a store outage is behind `err` (it may arrive wrapped as a cause). */
function storeUnavailable(err: unknown): StoreUnavailableError | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof StoreUnavailableError) return e;
  }
  return undefined;
}

/** An outage fails every request: one log line per 30 s says so, with how many were answered 503 since. */
const OUTAGE_LOG_EVERY_MS = 30_000;

const clip = (s: string, n = 64): string => (s.length > n ? `${s.slice(0, n)}…` : s);

interface AjvLikeError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

function paramName(context: string | undefined, e: AjvLikeError): string {
  const path = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
  if (e.keyword === 'required' && typeof e.params.missingProperty === 'string') {
    return path ? `${path}.${e.params.missingProperty}` : e.params.missingProperty;
  }
  if (e.keyword === 'additionalProperties' && typeof e.params.additionalProperty === 'string') {
    const key = clip(e.params.additionalProperty);
    return path ? `${path}.${key}` : key;
  }
  return path || (context === 'querystring' ? 'query' : context ?? 'body');
}

export function validationError(context: string | undefined, errors: AjvLikeError[]): ApiError {
  const e = errors.find((x) => x.keyword === 'type') ?? errors[0];
  const name = paramName(context, e);
  if (context === 'params' && name === 'job_id') return badJobId();
  if (e.keyword === 'additionalProperties') return new ApiError('badParameter', `Invalid parameter ${name}: unknown field`);
  if (e.keyword === 'type') return new ApiError('invalidArgument', `Invalid Argument. ${name} must be ${String(e.params.type)}`);
  if (e.keyword === 'required') return new ApiError('badParameter', `Invalid parameter ${name}: is required`);
  if (e.keyword === 'enum' && Array.isArray(e.params.allowedValues)) {
    return new ApiError('badParameter', `Invalid parameter ${name}: must be one of ${e.params.allowedValues.join(', ')}`);
  }
  return new ApiError('badParameter', `Invalid parameter ${name}: ${e.message ?? e.keyword}`);
}

const send = (reply: FastifyReply, kind: ErrorKind, message?: string): FastifyReply => sendError(reply, new ApiError(kind, message));

/**
 * Fastify's `frameworkErrors`: the router refused the URL before any route or hook (bad
 * percent-encoding, a path segment over maxParamLength); Fastify's own body would not be the envelope.
 */
export function frameworkError(err: FastifyError, reply: FastifyReply): FastifyReply {
  const rule =
    err.code === 'FST_ERR_BAD_URL'
      ? 'not a valid URL (bad percent-encoding)'
      : err.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? 'a path segment is too long'
        : 'not a valid URL';
  return send(reply, 'badParameter', `Invalid parameter path: ${rule}`);
}

// Routes of the job API by shape, to tell a wrong method (405) from an unknown path (404).
const API_SHAPES: [RegExp, string][] = [
  [/^\/v1\/[^/]+\/visualization-jobs\/?$/, 'GET, POST'],
  [/^\/v1\/[^/]+\/visualization-jobs\/[^/]+\/?$/, 'GET, PUT, DELETE'],
  [/^\/v1\/[^/]+\/visualization-jobs\/[^/]+\/(stop|restart)\/?$/, 'POST'],
];

export function installErrorHandling(app: FastifyInstance, log: (msg: string) => void): void {
  let lastOutageLog = -Infinity;
  let unloggedOutages = 0;
  app.setErrorHandler((err: FastifyError, _req, reply) => {
    if (err instanceof ApiError) return sendError(reply, err);
    const outage = storeUnavailable(err);
    if (outage) {
      unloggedOutages++;
      const now = Date.now();
      if (now - lastOutageLog >= OUTAGE_LOG_EVERY_MS) {
        log(`answering 503: ${outage.message} (${String(unloggedOutages)} request(s) since the last such line)`);
        lastOutageLog = now;
        unloggedOutages = 0;
      }
      return sendError(reply, new ApiError('storeUnavailable', undefined, { 'retry-after': '1' }));
    }
    if (err.validation) return sendError(reply, validationError(err.validationContext, err.validation as AjvLikeError[]));
    const status = err.statusCode ?? 500;
    // The body's unread rest is drained by the onSend hook (client-errors.ts) before this leaves.
    if (status === 413) return send(reply, 'bodyTooLarge');
    if (status >= 400 && status < 500) {
      // Fastify's own messages (unparsable JSON, unsupported content type) carry no internals,
      // but may quote the client's header: cut.
      return send(reply, 'invalidArgument', `Invalid Argument. ${clip(err.message, 200)}`);
    }
    log(`internal error: ${err.stack ?? err.message}`);
    return send(reply, 'internal');
  });

  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0];
    const shape = API_SHAPES.find(([re]) => re.test(path));
    if (shape && !shape[1].split(', ').includes(req.method)) {
      return send(reply.header('allow', shape[1]), 'methodNotAllowed', `Method Not Allowed. ${req.method} ${path} accepts ${shape[1]}.`);
    }
    return send(reply, 'noRoute', `The resource you requested is not exist: no route ${req.method} ${path}`);
  });
}
