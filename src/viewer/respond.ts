// Sending viewer bodies: gzip when the client accepts it (bodies of a few hundred bytes are sent
// as they are — compressing them costs more than it saves), and a per-job cache of encoded
// bodies so a UI polling a 1,000,000-point tag pays for the downsampling, JSON and gzip once per
// data change, not once per poll. The cache is keyed by the job's data generation, so new data
// is never hidden behind it.
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { cachePut, type ViewedJob } from './runtime.js';
import { tbStringify } from './tb-json.js';

const gzip = promisify(gzipCb);
const MIN_GZIP_BYTES = 1024;
/** Bodies larger than this (e.g. samples=all on a 1,000,000-point tag, ~40 MB) are not cached. */
const MAX_CACHED_BODY_BYTES = 4 << 20;
/** Per job, the cache holds at most this many bytes of bodies (plus their gzip). */
const MAX_CACHED_BYTES_PER_JOB = 32 << 20;

function cachedBytes(cache: Map<string, unknown>): number {
  let n = 0;
  for (const v of cache.values()) {
    const e = v as Partial<EncodedBody>;
    if (e.body) n += e.body.length + (e.gz?.length ?? 0);
  }
  return n;
}

export interface EncodedBody {
  body: Buffer;
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
  if (enc.body.length >= MIN_GZIP_BYTES && acceptsGzip(request)) {
    // Level 1: a quarter of level 6's time on scalar JSON for ~10% more bytes; the body is cached.
    enc.gz ??= await gzip(enc.body, { level: 1 });
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
  viewed: ViewedJob,
  key: string,
  make: () => unknown,
  contentType: string = JSON_TYPE,
): Promise<FastifyReply> {
  const fullKey = `${viewed.generation}\0${key}`;
  let enc = viewed.cache.get(fullKey) as EncodedBody | undefined;
  if (!enc) {
    const v = make();
    const body = Buffer.isBuffer(v) ? v : Buffer.from(typeof v === 'string' ? v : tbStringify(v), 'utf8');
    enc = { body, contentType };
    if (enc.body.length <= MAX_CACHED_BODY_BYTES) {
      // Oldest entries out until the new one fits the job's byte budget.
      while (viewed.cache.size > 0 && cachedBytes(viewed.cache) + enc.body.length * 2 > MAX_CACHED_BYTES_PER_JOB) {
        const first = viewed.cache.keys().next();
        if (first.done) break;
        viewed.cache.delete(first.value);
      }
      cachePut(viewed.cache, fullKey, enc);
    }
  }
  return sendEncoded(request, reply, enc);
}

/** Sends a value as TensorBoard JSON, uncached. */
export function sendJson(request: FastifyRequest, reply: FastifyReply, value: unknown): Promise<FastifyReply> {
  return sendEncoded(request, reply, { body: Buffer.from(tbStringify(value), 'utf8'), contentType: JSON_TYPE });
}
