// Range GETs without the SDK's middleware stack. A sweep is thousands of 5 KB objects read once
// each, and per request the SDK's stack (endpoint rules, schemas, retry and checksum bookkeeping)
// cost ~1.2 ms of CPU against s3rver — 12 s of one core for 10,000 runs, far more than the bytes.
// This module signs the same request with the SDK's own signer (SigV4 over the client's credential
// provider, so profiles, IRSA and session tokens work unchanged) and sends it on a keep-alive
// agent: ~0.2 ms. Invariants: it only ever answers a GET with the bytes the store sent for the
// asked range (a 206, or the asked slice of a 200 from a server that ignores Range, stopped as
// soon as the slice is complete), or EMPTY for a range at or past the end (416); every other
// answer becomes an error shaped as the SDK's (name = the S3 error code, $metadata.httpStatusCode),
// so errors.ts classifies and s3-retry.ts retries both paths alike; a store that redirects (an AWS
// bucket in another region than configured) returns `redirect`, and the caller uses the SDK,
// which follows it.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { S3Client } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';

/** What a GET answered: the bytes (at most the asked length; EMPTY past the end), or that the SDK must take over. */
export type LeanGetResult = Buffer | 'redirect';

/** An S3 error as the SDK shapes it, so one classification serves both paths. */
export class S3ResponseError extends Error {
  readonly $metadata: { httpStatusCode: number };
  constructor(code: string, status: number, message: string) {
    super(message);
    this.name = code;
    this.$metadata = { httpStatusCode: status };
  }
}

const EMPTY = Buffer.alloc(0);
/** An error body longer than this is not read further (only its <Code> matters). */
const MAX_ERROR_BODY = 16 * 1024;
const CONNECT_TIMEOUT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 60_000;

interface Target {
  protocol: 'http:' | 'https:';
  hostname: string;
  port: number | undefined;
  /** Path prefix before the key, ending in '/': `/bucket/` (path style) or `/` (virtual host). */
  base: string;
}

/** S3's key encoding: RFC 3986 per segment, '/' kept (the SDK's extended URI encoding). */
export function encodeKey(key: string): string {
  return key
    .split('/')
    .map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
}

/** A bucket name usable as a DNS label (no dots: TLS wildcard certificates do not cover them). */
function dnsCompatible(bucket: string): boolean {
  return /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(bucket) && !bucket.includes('--');
}

/** One per S3 client: its signer and keep-alive agents, shared by every bucket and job using it. */
export class LeanGet {
  private readonly targets = new Map<string, Promise<Target>>();
  private readonly signer: SignatureV4;
  private readonly agents: { 'http:'?: HttpAgent; 'https:'?: HttpsAgent } = {};

  constructor(private readonly client: S3Client) {
    const config = client.config;
    this.signer = new SignatureV4({
      credentials: config.credentials,
      region: config.region,
      service: 's3',
      sha256: config.sha256,
      // Keys are encoded once here (encodeKey), as S3 expects; the signer must not encode again.
      uriEscapePath: false,
      applyChecksum: false,
    });
  }

  private target(bucket: string): Promise<Target> {
    let t = this.targets.get(bucket);
    if (!t) {
      t = this.resolveTarget(bucket);
      this.targets.set(bucket, t);
    }
    return t;
  }

  private async resolveTarget(bucket: string): Promise<Target> {
    const config = this.client.config;
    const pathStyle = config.forcePathStyle === true || !dnsCompatible(bucket);
    if (config.isCustomEndpoint && config.endpoint) {
      const e = await config.endpoint();
      const protocol = e.protocol === 'http:' ? 'http:' : 'https:';
      const path = e.path.endsWith('/') ? e.path : `${e.path}/`;
      return pathStyle
        ? { protocol, hostname: e.hostname, port: e.port, base: `${path}${encodeKey(bucket)}/` }
        : { protocol, hostname: `${bucket}.${e.hostname}`, port: e.port, base: path };
    }
    const region = await config.region();
    const host = `s3.${region}.amazonaws.com`;
    return pathStyle
      ? { protocol: 'https:', hostname: host, port: undefined, base: `/${encodeKey(bucket)}/` }
      : { protocol: 'https:', hostname: `${bucket}.${host}`, port: undefined, base: '/' };
  }

  private agent(protocol: Target['protocol']): HttpAgent {
    const options = { keepAlive: true, maxSockets: 64, scheduling: 'lifo' as const };
    if (protocol === 'http:') return (this.agents['http:'] ??= new HttpAgent(options));
    return (this.agents['https:'] ??= new HttpsAgent(options));
  }

  /** GET `length` (≥ 1) bytes at `offset`; with `etag`, the store refuses (412) a replaced object. */
  async get(bucket: string, key: string, offset: number, length: number, etag?: string): Promise<LeanGetResult> {
    const t = await this.target(bucket);
    const headers: Record<string, string> = {
      host: t.port ? `${t.hostname}:${t.port}` : t.hostname,
      range: `bytes=${offset}-${offset + length - 1}`,
      'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
    };
    if (etag) headers['if-match'] = `"${etag}"`;
    const signed = await this.signer.sign({
      method: 'GET',
      protocol: t.protocol,
      hostname: t.hostname,
      port: t.port,
      path: t.base + encodeKey(key),
      query: {},
      headers,
    });
    return this.send(t, signed.path, signed.headers, offset, length);
  }

  private send(t: Target, path: string, headers: Record<string, string>, offset: number, length: number): Promise<LeanGetResult> {
    return new Promise<LeanGetResult>((resolve, reject) => {
      const req = (t.protocol === 'https:' ? httpsRequest : httpRequest)(
        { method: 'GET', hostname: t.hostname, port: t.port, path, headers, agent: this.agent(t.protocol), timeout: REQUEST_TIMEOUT_MS },
        (res) => {
          answer(res, offset, length).then(resolve, reject);
        },
      );
      // Until the socket connects the limit is the connect timeout; after it, the request timeout.
      const connectTimer = setTimeout(() => req.destroy(timeoutError('connecting')), CONNECT_TIMEOUT_MS);
      req.once('socket', (socket) => {
        if (!socket.connecting) clearTimeout(connectTimer);
        else socket.once('connect', () => clearTimeout(connectTimer));
      });
      req.once('close', () => clearTimeout(connectTimer));
      req.on('timeout', () => req.destroy(timeoutError('waiting for an answer')));
      req.on('error', reject);
      req.end();
    });
  }
}

async function answer(res: IncomingMessage, offset: number, length: number): Promise<LeanGetResult> {
  const status = res.statusCode ?? 0;
  if (status === 206 || status === 200) {
    // A 206 holds the range; a 200 (Range ignored) holds the whole object, of which only the
    // slice [offset, offset + length) is kept, and the transfer is cut once it is complete.
    return collect(res, status === 200 && !res.headers['content-range'] ? offset : 0, length);
  }
  if (status === 416) {
    res.resume();
    return EMPTY;
  }
  const body = (await collect(res, 0, MAX_ERROR_BODY)).toString('utf8');
  if (status === 301 || status === 307 || (status === 400 && res.headers['x-amz-bucket-region'])) return 'redirect';
  const code = /<Code>([^<]{1,128})<\/Code>/.exec(body)?.[1] ?? (status === 404 ? 'NotFound' : status === 412 ? 'PreconditionFailed' : 'UnknownError');
  throw new S3ResponseError(code, status, `${code} (HTTP ${status})`);
}

const shared = new WeakMap<S3Client, LeanGet>();

/** The LeanGet of `client` (one per client, so one connection pool per client as with the SDK). */
export function leanGetFor(client: S3Client): LeanGet {
  let g = shared.get(client);
  if (!g) {
    g = new LeanGet(client);
    shared.set(client, g);
  }
  return g;
}

function timeoutError(what: string): Error {
  const err = new Error(`S3 request timed out ${what}`);
  err.name = 'TimeoutError';
  return err;
}

/** The body's bytes [skip, skip + limit); the rest of the stream is not waited for. */
function collect(res: IncomingMessage, skip: number, limit: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let seen = 0;
    let kept = 0;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, kept));
    };
    res.on('data', (chunk: Buffer) => {
      if (done) return;
      const start = Math.max(0, skip - seen);
      seen += chunk.length;
      if (start >= chunk.length) return;
      const take = chunk.subarray(start, start + (limit - kept));
      chunks.push(take);
      kept += take.length;
      if (kept >= limit) {
        finish();
        // Complete: the rest (a whole object from a server that ignored Range) is not read.
        if (!res.complete) res.destroy();
      }
    });
    res.once('end', finish);
    res.once('close', () => {
      if (done) return;
      done = true;
      reject(Object.assign(new Error('S3 answer cut short'), { code: 'ECONNRESET' }));
    });
    res.once('error', (err) => {
      if (done) return;
      done = true;
      reject(err);
    });
  });
}
