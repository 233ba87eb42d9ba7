// Shared pieces of the data routes: query parameters (TensorBoard sends repeated ones, e.g.
// `runs`), the §4 point budget. A handler refuses by throwing ApiError, answered by the app's one
// error handler (api/http-errors.ts) with the API's envelope, so a handler never writes an error body itself.
// ResponseBudget keeps an answer under LIMITS.responseBytes while it is built.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../api/errors.js';
import { LIMITS } from '../events/index.js';
import { parseSamples } from './downsample.js';
import type { LoadedJob } from './runtime.js';

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
  handler: (v: LoadedJob, q: Query, request: Req, reply: FastifyReply) => Promise<FastifyReply> | FastifyReply,
  /** `partial`: the route may answer from a first load still running (LoadedJob.partial). */
  options?: { partial?: boolean },
) => void;

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
  if (v === undefined || v === '') throw new ApiError('badParameter', `Invalid parameter ${name}: required`);
  return v;
}

export function notFound(what: string): ApiError {
  return new ApiError('notFound', `The resource you requested is not exist: ${what}`);
}

/** The most characters one number takes in JSON ("-1.2345678901234567e-308" and a comma). */
export const MAX_NUMBER_JSON = 25;

/**
 * The bytes of one answer as it is built: each part is counted before the next is made, and a part
 * whose worst case alone is over the cap is refused before it is made, so no answer grows past
 * about twice LIMITS.responseBytes in memory. A refusal is reported in the runs' problem lists.
 */
export class ResponseBudget {
  private used = 0;
  constructor(
    private readonly v: LoadedJob,
    private readonly runs: readonly string[],
    private readonly what: string,
  ) {}

  /** Refuses now if `bytes` more (an upper bound) cannot fit. */
  reserve(bytes: number): void {
    if (this.used + bytes > LIMITS.responseBytes) throw this.refuse(this.used + bytes);
  }

  /** Counts `bytes` (the exact size of a part just made). */
  add(bytes: number): void {
    this.used += bytes;
    if (this.used > LIMITS.responseBytes) throw this.refuse(this.used);
  }

  refuse(bytes: number): ApiError {
    // The problem names only what was asked (one entry per tag and route however often it is asked).
    const cap = `over the cap of ${LIMITS.responseBytes} bytes`;
    for (const run of this.runs) this.v.logdir.reportProblem(run, { file: '', offset: 0, kind: 'limit', message: `${this.what}: an answer was refused, ${cap}` });
    const size = Number.isFinite(bytes) ? `${bytes} bytes` : 'too large';
    return new ApiError('responseTooLarge', `Invalid Argument. ${this.what}: the answer would be ${size}, ${cap}; ask for fewer samples.`);
  }
}

/** `[part, part, …]` of parts made one at a time under `b`. */
export function boundedArray<T>(items: readonly T[], b: ResponseBudget, part: (item: T) => string): string {
  const parts: string[] = [];
  for (const it of items) {
    const s = part(it);
    b.add(s.length + 1);
    parts.push(s);
  }
  return `[${parts.join(',')}]`;
}

export function budget(q: Query): number {
  const limit = parseSamples(one(q, 'samples'));
  if (limit === undefined) {
    throw new ApiError('badParameter', 'Invalid parameter samples: must be "all" or an integer ≥ 1');
  }
  return limit;
}
