// The error envelope of API.md §3, in one table: every code once, with its HTTP status and the
// message it starts with. Everything that answers an error (the job API, the viewer, the 404/405
// handlers) goes through ApiError + sendError so clients always see the same shape.
import type { FastifyReply } from 'fastify';

export const ERRORS = {
  noToken: { code: 'ModelArts.0201', http: 401, message: 'Token header cannot be empty.' },
  badToken: { code: 'ModelArts.0203', http: 401, message: 'Invalid Token header.' },
  expiredToken: { code: 'ModelArts.0202', http: 401, message: 'Invalid Token header. Token expired' },
  wrongProject: {
    code: 'ModelArts.0210',
    http: 403,
    message: 'The project id in the request URL does not match the token.',
  },
  badParameter: { code: 'ModelArts.0104', http: 400, message: 'Invalid parameter.' },
  invalidArgument: { code: 'ModelArts.0101', http: 400, message: 'Invalid Argument.' },
  notFound: { code: 'ModelArts.0015', http: 404, message: 'The resource you requested is not exist' },
  badStatus: { code: 'ModelArts.0105', http: 400, message: 'This job can\'t be operated.' },
  jobLimit: { code: 'ModelArts.0116', http: 400, message: 'The number of jobs exceeds the limit.' },
  internal: { code: 'ModelArts.0010', http: 500, message: 'Internal error.' },
  // Not in the ModelArts table: our choices for HTTP-level failures, same envelope.
  noRoute: { code: 'ModelArts.0015', http: 404, message: 'The resource you requested is not exist' },
  methodNotAllowed: { code: 'ModelArts.0107', http: 405, message: 'Method Not Allowed.' },
  bodyTooLarge: { code: 'ModelArts.0101', http: 413, message: 'Invalid Argument. Request body is larger than 1 MiB.' },
  notRunning: { code: 'ModelArts.0105', http: 409, message: 'The job is not running.' },
  // Not in the ModelArts table either: too many failed token or cookie checks from one client
  // address (src/api/auth-limit.ts). 02xx is the token family; 0299 stays clear of its known codes.
  tooManyAuthFailures: {
    code: 'ModelArts.0299',
    http: 429,
    message: 'Too many failed authentication attempts from this address. Retry later.',
  },
  // A RUNNING job's storage does not answer; its viewer retries (the code is the one this case had before).
  storageUnavailable: { code: 'ModelArts.0010', http: 503, message: 'storage unavailable, retrying' },
  // The metadata store does not answer (a database outage): retryable, like a storage outage.
  storeUnavailable: { code: 'ModelArts.0010', http: 503, message: 'Service temporarily unavailable: the metadata store does not answer. Retry later.' },
  responseTooLarge: { code: 'ModelArts.0101', http: 400, message: 'Invalid Argument. The response would be larger than the cap; ask for fewer samples.' },
  // Answers written below Fastify, on the socket, when Node's HTTP parser refuses a request.
  malformedRequest: { code: 'ModelArts.0101', http: 400, message: 'Invalid Argument. Malformed HTTP request.' },
  headersTooLarge: { code: 'ModelArts.0101', http: 431, message: 'Invalid Argument. Request headers are too large.' },
  requestTimeout: { code: 'ModelArts.0101', http: 408, message: 'Invalid Argument. The request was not received in time.' },
} as const;

export type ErrorKind = keyof typeof ERRORS;

export interface ErrorBody {
  is_success: false;
  error_code: string;
  error_message: string;
}

/** A failure the API reports as-is: the table's code and HTTP status, with the table's message or a more specific one. */
export class ApiError extends Error {
  readonly code: string;
  readonly http: number;
  /** Response headers that belong to this error (Retry-After on a 429). */
  readonly headers: Readonly<Record<string, string>>;
  /** The same as `http`, under the name Fastify's error handlers read (one thrown from a body parser reaches them all). */
  readonly statusCode: number;
  constructor(kind: ErrorKind, message?: string, headers: Readonly<Record<string, string>> = {}) {
    const e = ERRORS[kind];
    super(message ?? e.message);
    this.code = e.code;
    this.http = e.http;
    this.headers = headers;
    this.statusCode = e.http;
    this.name = 'ApiError';
  }
  body(): ErrorBody {
    return { is_success: false, error_code: this.code, error_message: this.message };
  }
}

/** Message for a parameter rule violation: names the parameter and the rule. */
export function badParameter(param: string, rule: string): ApiError {
  return new ApiError('badParameter', `Invalid parameter ${param}: ${rule}`);
}

/** ModelArts.0105 with the exact wording of API.md §2 ("stop", "resubmit", "delete"). */
export function badStatus(verb: 'stop' | 'resubmit' | 'delete', status: number): ApiError {
  return new ApiError('badStatus', `This job can't be ${verb}. job status: ${status}`);
}

export function sendError(reply: FastifyReply, err: ApiError | ErrorKind): FastifyReply {
  const e = typeof err === 'string' ? new ApiError(err) : err;
  for (const [name, value] of Object.entries(e.headers)) reply.header(name, value);
  return reply.code(e.http).header('content-type', 'application/json; charset=utf-8').send(e.body());
}
