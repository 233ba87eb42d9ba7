// Shared pieces of the data routes: query parameters (TensorBoard sends repeated ones, e.g.
// `runs`), the §4 point budget, and HttpError — thrown by a handler, answered by the plugin's
// error handler with the API's envelope, so a handler never writes an error body itself.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../api/errors.js';
import { parseSamples } from './downsample.js';
import type { ViewedJob } from './runtime.js';

export type Query = Record<string, string | string[] | undefined>;
export interface JobParams {
  project_id: string;
  job_id: string;
}
export type Req = FastifyRequest<{ Params: JobParams; Querystring: Query }>;

/** Registers a data route (path relative to `data/`) whose handler gets the job's loaded data. */
export type RouteFn = (
  method: 'GET' | 'POST' | ('GET' | 'POST')[],
  path: string,
  handler: (v: ViewedJob, q: Query, request: Req, reply: FastifyReply) => Promise<FastifyReply> | FastifyReply,
) => void;

export class HttpError extends Error {
  constructor(readonly err: ApiError) {
    super(err.message);
  }
}

export function one(q: Query, name: string): string | undefined {
  const v = q[name];
  return Array.isArray(v) ? v[0] : v;
}

export function many(q: Query, name: string): string[] {
  const v = q[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** Evenly spaced indices including the first and last: the budget for non-scalar series. */
export function evenIndices(n: number, limit: number): number[] {
  if (n <= limit) return Array.from({ length: n }, (_, i) => i);
  if (limit <= 1) return limit === 1 ? [n - 1] : [];
  const out: number[] = [];
  for (let k = 0; k < limit; k++) out.push(Math.round((k * (n - 1)) / (limit - 1)));
  return out;
}

export function need(q: Query, name: string): string {
  const v = one(q, name);
  if (v === undefined || v === '') throw new HttpError(new ApiError('badParameter', `Invalid parameter ${name}: required`));
  return v;
}

export function notFound(what: string): HttpError {
  return new HttpError(new ApiError('notFound', `The resource you requested is not exist: ${what}`));
}

export function budget(q: Query): number {
  const limit = parseSamples(one(q, 'samples'));
  if (limit === undefined) {
    throw new HttpError(new ApiError('badParameter', 'Invalid parameter samples: must be "all" or an integer ≥ 1'));
  }
  return limit;
}
