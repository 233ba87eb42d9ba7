// The §3 envelope for answers shaped below the routes. (1) Node's HTTP parser refuses a request
// (bad request line, headers over the limit, timeout): a well-formed HTTP/1.1 response carrying the
// envelope and `Connection: close` is written on the socket itself. An HTTP/1.1 request without
// Host, which Node would refuse with an empty 400, is refused by a hook instead (Node's own check
// is turned off in server.ts), in the envelope. (2) A response sent while the
// client is still uploading its body (413 over 1 MiB, 401 before the body is read): the rest of the
// body is read and discarded first, within a bound, so a client that sends its whole body before
// reading (Python urllib/requests) gets the answer instead of a connection reset, and the
// connection is closed after it.
import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, ERRORS, sendError, type ErrorKind } from './errors.js';

/** At most this much of an unwanted body is read before answering (then the socket is closed anyway). */
export const DRAIN_MAX_BYTES = 16 * 1024 * 1024;
export const DRAIN_MAX_MS = 5000;
/** How long a refused connection may keep sending after the answer before it is cut. */
const LINGER_MS = 2000;

const answered = new WeakSet<Duplex>();
/** The latest request on each connection, to tell an error inside its body from a new bad request. */
const lastExchange = new WeakMap<Duplex, { req: IncomingMessage; res: ServerResponse }>();

/** Call once on the HTTP server (server.ts) so clientErrorHandler knows each connection's request. */
export function trackExchanges(server: Server): void {
  server.on('request', (req: IncomingMessage, res: ServerResponse) => lastExchange.set(req.socket, { req, res }));
}

function rawResponse(kind: ErrorKind): string {
  const e = ERRORS[kind];
  const body = JSON.stringify(new ApiError(kind).body());
  return (
    `HTTP/1.1 ${e.http} ${STATUS_CODES[e.http] ?? 'Error'}\r\n` +
    'Content-Type: application/json; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Connection: close\r\n\r\n' +
    body
  );
}

/** Fastify's `clientErrorHandler`: Node's parser gave up on this connection. */
export function clientErrorHandler(err: Error & { code?: string }, socket: Duplex): void {
  // A reset connection has nobody to answer; the parser may report one connection twice.
  if (err.code === 'ECONNRESET' || socket.destroyed || answered.has(socket)) return;
  answered.add(socket);
  const last = lastExchange.get(socket);
  if (last && !last.req.complete && last.res.headersSent) {
    // The error is in the body of a request that already has its answer: a second response
    // would be unsolicited. Close once that answer is out.
    closeAfter(last.res, socket);
    return;
  }
  const kind: ErrorKind =
    err.code === 'HPE_HEADER_OVERFLOW' ? 'headersTooLarge' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'requestTimeout' : 'malformedRequest';
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  // end() rather than destroy(): the answer leaves before the FIN, and the client's remaining
  // bytes are read (discarded) for a moment instead of turning into a reset that could discard
  // the answer from the client's receive buffer.
  socket.on('error', () => {});
  socket.end(rawResponse(kind));
  const cut = setTimeout(() => socket.destroy(), LINGER_MS);
  cut.unref();
  socket.once('close', () => clearTimeout(cut));
}

function closeAfter(res: ServerResponse, socket: Duplex): void {
  const close = (): void => {
    socket.end();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  };
  if (res.writableFinished) close();
  else {
    res.once('finish', close);
    res.once('close', close);
  }
}

/** onRequest hook (root): HTTP/1.1 requires Host (RFC 9112 §3.2); refused like any malformed request. */
export async function requireHost(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  const raw = request.raw;
  if (raw.httpVersion === '1.1' && raw.headers.host === undefined) {
    const message = `${ERRORS.malformedRequest.message} HTTP/1.1 requires a Host header.`;
    return sendError(reply.header('connection', 'close'), new ApiError('malformedRequest', message));
  }
  return undefined;
}

/** Resolves once the rest of the request body has arrived (or a bound was hit); the data is dropped. */
export function drainBody(raw: IncomingMessage, maxBytes = DRAIN_MAX_BYTES, maxMs = DRAIN_MAX_MS): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const finish = (): void => {
      clearTimeout(timer);
      raw.off('data', onData);
      raw.off('end', finish);
      raw.off('error', finish);
      raw.off('close', finish);
      resolve();
    };
    const onData = (chunk: Buffer): void => {
      seen += chunk.length;
      if (seen > maxBytes) finish();
    };
    const timer = setTimeout(finish, maxMs);
    raw.on('data', onData);
    raw.on('end', finish);
    raw.on('error', finish);
    raw.on('close', finish);
    raw.resume();
  });
}

/**
 * onSend hook (root, so every route and plugin has it): a response leaving before its request's
 * body was read waits for that body, bounded, and closes the connection — the remaining bytes
 * must not be parsed as a next request, and a bounded drain may have stopped mid-body.
 * Injected requests (tests) have no `complete` flag and pass through.
 */
export async function drainUnreadBody(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const raw = request.raw;
  if (raw.complete !== false || raw.destroyed) return;
  await drainBody(raw);
  if (answered.has(raw.socket)) {
    // The body turned out malformed and clientErrorHandler already answered this connection on
    // the socket: this reply is abandoned (never settles) rather than written after that answer.
    // Nothing else holds it once the socket is gone.
    await new Promise<never>(() => {});
  }
  reply.header('connection', 'close');
}
