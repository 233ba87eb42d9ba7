// Test and benchmark support: an HTTP front of a server (s3rver), as a balancer or a network
// would stand before an object store. Each request goes to `handle`, which may answer it itself
// (a 503, a redirect), or pass it on — now, later (latency), or once the test lets it (a slow
// object); passed requests are proxied to the target as they came.
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpFront {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  close(): Promise<void>;
}

/** Decides a request's fate: answer on `res` (and let the body go: `req.resume()`), or call `pass()`. */
export type FrontHandler = (req: IncomingMessage, res: ServerResponse, pass: () => void) => void;

export async function startHttpFront(target: string, handle: FrontHandler = (_req, _res, pass) => pass()): Promise<HttpFront> {
  const t = new URL(target);
  const server = createServer((req, res) => {
    const pass = (): void => {
      const up = httpRequest({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
    };
    handle(req, res, pass);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A front that holds each request `ms` before passing it on (an object store's latency). */
export function startLatencyFront(target: string, ms: number): Promise<HttpFront> {
  return startHttpFront(target, (_req, _res, pass) => void setTimeout(pass, ms));
}
