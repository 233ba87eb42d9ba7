// Sending viewer bodies: gzip when the client accepts it (bodies under MIN_GZIP_BYTES are sent as
// they are), and a per-job cache of encoded bodies so a UI polling a 1,000,000-point tag pays for
// the downsampling, JSON and gzip once per data change, not once per poll. That cache of gzip is
// why the viewer encodes here rather than through @fastify/compress, which would gzip the same
// body again on every request; the policy (gzip only, threshold, level) is shared with it in
// api/compression.ts, and the Content-Encoding set here tells the plugin to leave the body be. The cache is keyed by the job's data generation, so new data
// is never hidden behind it. No body over LIMITS.responseBytes is sent (routes refuse earlier, while
// building; this is the last check).
import { promisify } from 'node:util';
import { gunzip as gunzipCb, gzip as gzipCb } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GZIP_LEVEL, MIN_GZIP_BYTES } from '../api/compression.js';
import { ApiError } from '../api/errors.js';
import { LIMITS } from '../events/index.js';
import { cachePut, type LoadedJob } from './runtime.js';
import { tbStringify } from './tb-json.js';

const gzip = promisify(gzipCb);
const gunzip = promisify(gunzipCb);
/**
 * Bodies larger than this (e.g. samples=all on a 1,000,000-point tag, ~40 MB of JSON) are cached
 * only as gzip, and only when that fits the job's budget: building one again costs seconds.
 */
const MAX_CACHED_BODY_BYTES = 4 << 20;
/** Per job, the cache holds at most this many bytes of bodies (plus their gzip). */
const MAX_CACHED_BYTES_PER_JOB = 32 << 20;

function cachedBytes(cache: Map<string, unknown>): number {
  let n = 0;
  for (const v of cache.values()) {
    const e = v as Partial<EncodedBody>;
    n += (e.body?.length ?? 0) + (e.gz?.length ?? e.body?.length ?? 0);
  }
  return n;
}

/** Oldest entries out until `cost` more bytes fit the job's budget, then the entry in. */
function putBounded(cache: Map<string, unknown>, key: string, enc: EncodedBody, cost: number): void {
  while (cache.size > 0 && cachedBytes(cache) + cost > MAX_CACHED_BYTES_PER_JOB) {
    const first = cache.keys().next();
    if (first.done) break;
    cache.delete(first.value);
  }
  cachePut(cache, key, enc);
}

export interface EncodedBody {
  /** Dropped for big bodies once gzipped: the cache keeps only the (much smaller) gzip. */
  body?: Buffer;
  gz?: Buffer;
  contentType: string;
}

export const JSON_TYPE = 'application/json; charset=utf-8';

/** Whether Accept-Encoding allows gzip (a `q=0` refuses it). */
export function acceptsGzip(request: FastifyRequest): boolean {
  const h = request.headers['accept-encoding'];
  const value = Array.isArray(h) ? h.join(',') : h;
  if (!value) return false;
  for (const part of value.split(',')) {
    const [name, ...params] = part.trim().split(';');
    const n = name.trim().toLowerCase();
    if (n !== 'gzip' && n !== '*') continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (q && Number(q.slice(2)) === 0) return false;
    return true;
  }
  return false;
}

async function sendEncoded(request: FastifyRequest, reply: FastifyReply, enc: EncodedBody): Promise<FastifyReply> {
  reply.header('content-type', enc.contentType).header('cache-control', 'no-cache').header('vary', 'Accept-Encoding');
  if (!enc.body) {
    if (acceptsGzip(request)) return reply.header('content-encoding', 'gzip').send(enc.gz);
    return reply.send(await gunzip(enc.gz as Buffer));
  }
  if (enc.body.length >= MIN_GZIP_BYTES && acceptsGzip(request)) {
    enc.gz ??= await gzip(enc.body, { level: GZIP_LEVEL });
    return reply.header('content-encoding', 'gzip').send(enc.gz);
  }
  return reply.send(enc.body);
}

/**
 * Sends `make()`'s body, cached under `key` for the job's current data generation.
 * `make` returns a string or Buffer (sent as `contentType`) or any value (sent as TensorBoard JSON).
 */
export async function sendCached(
  request: FastifyRequest,
  reply: FastifyReply,
  viewed: LoadedJob,
  key: string,
  make: () => unknown | Promise<unknown>,
  contentType: string = JSON_TYPE,
): Promise<FastifyReply> {
  if (viewed.partial !== undefined) {
    // From a first load still running: what is loaded now, for this request only.
    const v = await make();
    const body = Buffer.isBuffer(v) ? v : Buffer.from(typeof v === 'string' ? v : tbStringify(v), 'utf8');
    checkSize(body);
    reply.header('x-vizjobs-partial', viewed.partial);
    return sendEncoded(request, reply, { body, contentType });
  }
  const fullKey = `${viewed.generation}\0${key}`;
  let enc = viewed.cache.get(fullKey) as EncodedBody | undefined;
  if (!enc) {
    const v = await make();
    const body = Buffer.isBuffer(v) ? v : Buffer.from(typeof v === 'string' ? v : tbStringify(v), 'utf8');
    checkSize(body);
    enc = { body, contentType };
    let cost = body.length * 2;
    if (body.length > MAX_CACHED_BODY_BYTES) {
      const gz = await gzip(body, { level: GZIP_LEVEL });
      enc = { gz, contentType };
      if (!acceptsGzip(request)) {
        // Serve this request from the body we have; later ones gunzip the cached copy.
        await sendEncoded(request, reply, { body, contentType });
        if (gz.length <= MAX_CACHED_BYTES_PER_JOB / 2) putBounded(viewed.cache, fullKey, enc, gz.length);
        return reply;
      }
      cost = gz.length;
    }
    if (cost <= MAX_CACHED_BYTES_PER_JOB / 2) putBounded(viewed.cache, fullKey, enc, cost);
  }
  return sendEncoded(request, reply, enc);
}

/** Sends a value as TensorBoard JSON, uncached. */
export function sendJson(request: FastifyRequest, reply: FastifyReply, value: unknown): Promise<FastifyReply> {
  const body = Buffer.from(tbStringify(value), 'utf8');
  checkSize(body);
  return sendEncoded(request, reply, { body, contentType: JSON_TYPE });
}

function checkSize(body: Buffer): void {
  if (body.length > LIMITS.responseBytes) {
    throw new ApiError('responseTooLarge', `Invalid Argument. The answer would be ${body.length} bytes, over the cap of ${LIMITS.responseBytes}; ask for fewer samples.`);
  }
}

/**
 * Image and audio bytes from the logs (TensorBoard's and MindInsight's images, audio, projector
 * sprites). The sandbox CSP matters for SVG: opened directly, an SVG from a log file would
 * otherwise run its scripts with the viewer's origin (and its cookie).
 */
export function sendLogBlob(reply: FastifyReply, contentType: string, bytes: Buffer): FastifyReply {
  return reply
    .header('content-type', contentType)
    .header('cache-control', 'private, max-age=300')
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'; img-src data:; media-src data:; style-src 'unsafe-inline'; sandbox")
    .send(bytes);
}
