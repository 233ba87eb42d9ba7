// ObjectStorage over the S3 protocol (AWS S3, Huawei OBS, MinIO). Every call is a billed,
// latency-bound request, so this backend does only what is asked: list = ListObjectsV2 pages,
// stat = one HeadObject, read = Range GETs of exactly the requested bytes (large ranges split into
// parts fetched in parallel, because one TCP stream rarely fills the link to an object store).
// Each attempt is counted by kind, so tests and the benchmark can prove an unchanged reload costs
// one listing request per page and nothing else. The SDK's own retries are off (maxAttempts 1):
// retries happen here, visibly counted, with full jitter (s3-retry.ts).
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import type { S3BucketSettings } from './s3-config.js';
import { leanGetFor, type LeanGet } from './s3-get.js';
import { ReadAhead, type ReadAheadOptions } from './s3-readahead.js';
import { DEFAULT_RETRY, errorCode, errorStatus, withRetry, type RetryPolicy } from './s3-retry.js';
import { StorageError, type ListOptions, type ObjectInfo, type ObjectStorage } from './storage.js';

export interface S3RequestCounts {
  /** ListObjectsV2 requests (one per page). */
  list: number;
  /** HeadObject requests. */
  head: number;
  /** GetObject requests (one per range part). */
  get: number;
  /** Attempts that failed transiently and were tried again (included in the counts above). */
  retries: number;
  /** Body bytes received by GetObject. */
  bytes: number;
}

export interface S3StorageOptions {
  client: S3Client;
  bucket: string;
  /** How the location is written in messages: `s3` or `obs`. */
  scheme?: string;
  /** Ranges longer than this are fetched as parallel parts of this size. */
  partSize?: number;
  /** Most part requests in flight for one read. */
  partConcurrency?: number;
  /** ListObjectsV2 page size (S3 caps it at 1000). */
  maxKeys?: number;
  retry?: RetryPolicy;
  /** Prefetch of the listed bytes after a bulk read (s3-readahead.ts); false turns it off. */
  readAhead?: Partial<ReadAheadOptions> | false;
  /** GETs signed and sent without the SDK's middleware (s3-get.ts); false sends them through the SDK. */
  leanGet?: boolean;
  /** Ranges of a listing longer than a page fetched at once (default 1: page after page; see s3-config.ts listConcurrencyFor). */
  listConcurrency?: number;
}

type ListPage = ListObjectsV2CommandOutput;

export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
export const DEFAULT_PART_CONCURRENCY = 4;

const EMPTY = Buffer.alloc(0);

function stripQuotes(etag: string | undefined): string {
  return (etag ?? '').replace(/^"|"$/g, '');
}

export class S3Storage implements ObjectStorage {
  readonly description: string;
  /** Small objects read at once by a load: each is a round trip, and the store serves many in parallel. */
  readonly readConcurrency = 64;
  readonly bucket: string;
  private readonly client: S3Client;
  private readonly partSize: number;
  private readonly partConcurrency: number;
  private readonly maxKeys: number;
  private readonly listConcurrency: number;
  private readonly retry: RetryPolicy;
  private readonly ahead: ReadAhead | undefined;
  /** Unset when the store redirected a lean GET: the SDK follows redirects, so it reads from then on. */
  private lean: LeanGet | undefined;
  private counts: S3RequestCounts = { list: 0, head: 0, get: 0, retries: 0, bytes: 0 };

  constructor(options: S3StorageOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.description = `${options.scheme ?? 's3'}://${options.bucket}`;
    this.partSize = Math.max(1, options.partSize ?? DEFAULT_PART_SIZE);
    this.partConcurrency = Math.max(1, options.partConcurrency ?? DEFAULT_PART_CONCURRENCY);
    this.maxKeys = Math.min(1000, Math.max(1, options.maxKeys ?? 1000));
    this.listConcurrency = Math.max(1, options.listConcurrency ?? 1);
    this.retry = options.retry ?? DEFAULT_RETRY;
    if (options.leanGet !== false) this.lean = leanGetFor(this.client);
    if (options.readAhead !== false) {
      const fetch = (key: string, offset: number, length: number, etag?: string): Promise<Buffer> =>
        etag ? this.readRange(key, offset, length, etag) : this.readSplit(key, offset, length);
      this.ahead = new ReadAhead(fetch, {
        partSize: this.partSize,
        parts: 2,
        minBulkRead: 256 * 1024,
        maxObjects: 4,
        ...options.readAhead,
      });
    }
  }

  /** A snapshot of the requests made so far. */
  requestCounts(): S3RequestCounts {
    return { ...this.counts };
  }

  /** Objects holding read-ahead buffers now: 0 once scans finish or sit idle. */
  readAheadObjects(): number {
    return this.ahead?.activeObjects ?? 0;
  }

  resetRequestCounts(): void {
    this.counts = { list: 0, head: 0, get: 0, retries: 0, bytes: 0 };
  }

  private attempt<T>(kind: 'list' | 'head' | 'get', what: string, run: () => Promise<T>): Promise<T> {
    let tries = 0;
    return withRetry(this.retry, what, () => {
      this.counts[kind]++;
      if (tries++ > 0) this.counts.retries++;
      return run();
    });
  }

  /**
   * Every object under `prefix`. A listing that fits a page is one request. A longer one is split
   * where its folders start: one delimited request names the folders after the first page, and
   * ranges of them are listed at once (each page after page from StartAfter, up to where the next
   * range starts), so a sweep's 10,000 runs in 100 folders take three round trips, not ten. Without
   * folders to split at (or with more than a page of them) the pages follow one another.
   */
  async list(prefix: string, options: ListOptions = {}): Promise<ObjectInfo[]> {
    const max = options.maxEntries ?? Infinity;
    /** Objects past what was listed may exist (a range stopped at max). */
    let cut = false;
    const first = await this.listPage(prefix, {});
    const out = this.objectsOf(first);
    let token = first.IsTruncated ? first.NextContinuationToken : undefined;
    const after = first.Contents?.[first.Contents.length - 1]?.Key;
    if (token && after !== undefined && this.listConcurrency > 1 && out.length < max) {
      const ranges = await this.splitPoints(prefix, after, keysPerFolder(prefix, first));
      if (ranges) {
        const held = ranges.map((_, i) => (i === 0 ? out.length : 0));
        const bound: RangeBound = {
          add: (i, n) => void (held[i] += n),
          full: (i) => held.slice(0, i + 1).reduce((a, b) => a + b, 0) >= max,
          stopped: false,
        };
        const parts = await Promise.all(ranges.map((r, i) => this.listRange(prefix, r, ranges[i + 1]?.start, i, bound)));
        for (const part of parts) for (const o of part) out.push(o);
        token = undefined;
        cut = bound.stopped;
      }
    }
    while (token && out.length < max) {
      const page = await this.listPage(prefix, { ContinuationToken: token });
      for (const o of this.objectsOf(page)) out.push(o);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    }
    if (out.length > max || token || cut) {
      out.length = Math.min(out.length, max);
      options.truncated?.();
    }
    this.ahead?.noteListing(prefix, out);
    return out;
  }

  private listPage(prefix: string, extra: { ContinuationToken?: string; StartAfter?: string; Delimiter?: string; MaxKeys?: number }): Promise<ListPage> {
    return this.attempt('list', `listing ${this.description}/${prefix}`, () =>
      this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix || undefined, MaxKeys: this.maxKeys, ...extra })),
    );
  }

  /** A page's objects with keys in [from, to) (either open), folder markers left out. */
  private objectsOf(page: ListPage, from?: string, to?: string): ObjectInfo[] {
    const out: ObjectInfo[] = [];
    for (const o of page.Contents ?? []) {
      // Keys ending in '/' are the folder markers consoles create, never log files.
      if (o.Key === undefined || o.Key.endsWith('/')) continue;
      if ((from !== undefined && o.Key < from) || (to !== undefined && o.Key >= to)) continue;
      out.push({ key: o.Key, size: o.Size ?? 0, etag: stripQuotes(o.ETag), mtimeMs: o.LastModified?.getTime() ?? 0 });
    }
    return out;
  }

  /**
   * The ranges after key `after`: the first from `after` (exclusive), then one per group of the
   * folders that follow it (one delimited request), at most listConcurrency in all, each with the
   * keys it is expected to hold (`perFolder` keys per folder, as in the first page). Undefined
   * when there are no folders to split at, or more than a page of them (the pages then follow
   * one another).
   */
  private async splitPoints(prefix: string, after: string, perFolder: number): Promise<ListRange[] | undefined> {
    const page = await this.listPage(prefix, { Delimiter: '/', StartAfter: after });
    if (page.IsTruncated) return undefined;
    const folders = (page.CommonPrefixes ?? []).map((c) => c.Prefix).filter((p): p is string => p !== undefined && p > after).sort();
    if (folders.length === 0) return undefined;
    const groups = Math.min(this.listConcurrency - 1, folders.length);
    const ranges: ListRange[] = [{ start: after, expected: perFolder }];
    for (let g = 0; g < groups; g++) {
      const from = Math.floor((g * folders.length) / groups);
      const to = Math.floor(((g + 1) * folders.length) / groups);
      ranges.push({ start: folders[from], expected: perFolder * (to - from) });
    }
    return ranges;
  }

  /**
   * The objects of one range, up to where the next range starts, page after page. The pages ask
   * for about the keys the range is expected to hold, not a full 1,000: every range's last page
   * runs into the next range, and a store pays for each key it lists. A range that starts at a
   * folder lists from just before it (StartAfter is exclusive; the folder name without its '/'
   * sorts before every key in it) and keeps the keys from the folder on; the first range starts
   * right after the first page's last key.
   */
  private async listRange(prefix: string, range: ListRange, end: string | undefined, index: number, bound: RangeBound): Promise<ObjectInfo[]> {
    const first = index === 0;
    const out: ObjectInfo[] = [];
    const maxKeys = Math.min(this.maxKeys, Math.max(1, Math.ceil(range.expected * 1.25) + 1));
    let page = await this.listPage(prefix, { StartAfter: first ? range.start : range.start.slice(0, -1), MaxKeys: maxKeys });
    for (;;) {
      const objects = this.objectsOf(page, first ? undefined : range.start, end);
      for (const o of objects) out.push(o);
      bound.add(index, objects.length);
      const last = page.Contents?.[page.Contents.length - 1]?.Key;
      if (!page.IsTruncated || !page.NextContinuationToken || (end !== undefined && last !== undefined && last >= end)) return out;
      // The range's objects so far are still its first ones, so the ranges' together stay the first.
      if (bound.full(index)) {
        bound.stopped = true;
        return out;
      }
      page = await this.listPage(prefix, { ContinuationToken: page.NextContinuationToken });
    }
  }

  async probe(prefix: string): Promise<void> {
    await this.attempt('list', `listing ${this.description}/${prefix}`, () =>
      this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix || undefined, MaxKeys: 1 })),
    );
  }

  async stat(key: string): Promise<ObjectInfo | null> {
    try {
      const head = await this.attempt('head', `reading ${this.description}/${key}`, async () => {
        try {
          return await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
        } catch (err) {
          // HEAD answers carry no error body: a 404 is a missing object (or bucket; list tells them apart).
          if (errorStatus(err) === 404) return null;
          throw err;
        }
      });
      if (!head) return null;
      return {
        key,
        size: head.ContentLength ?? 0,
        etag: stripQuotes(head.ETag),
        mtimeMs: head.LastModified?.getTime() ?? 0,
      };
    } catch (err) {
      if (err instanceof StorageError && err.kind === 'no_such_bucket') return null;
      throw err;
    }
  }

  async read(key: string, offset: number, length: number): Promise<Buffer> {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw new StorageError('invalid_location', `invalid range ${offset}+${length} of ${key}`);
    }
    if (length === 0) return EMPTY;
    return this.ahead ? this.ahead.read(key, offset, length) : this.readSplit(key, offset, length);
  }

  /** A range as one GET, or as parallel part GETs when it is longer than a part. */
  private async readSplit(key: string, offset: number, length: number): Promise<Buffer> {
    if (length <= this.partSize) return this.readRange(key, offset, length);
    const parts: Array<{ offset: number; length: number }> = [];
    for (let at = 0; at < length; at += this.partSize) {
      parts.push({ offset: offset + at, length: Math.min(this.partSize, length - at) });
    }
    const results: Buffer[] = new Array<Buffer>(parts.length);
    // A short part means the object ends there; later parts need not be fetched.
    let endAt = parts.length;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < parts.length) {
        const i = next++;
        if (i >= endAt) return;
        const part = parts[i];
        const buf = await this.readRange(key, part.offset, part.length);
        results[i] = buf;
        if (buf.length < part.length) endAt = Math.min(endAt, i + 1);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.partConcurrency, parts.length) }, worker));
    const kept: Buffer[] = [];
    for (let i = 0; i < endAt; i++) {
      kept.push(results[i]);
      if (results[i].length < parts[i].length) break;
    }
    return kept.length === 1 ? kept[0] : Buffer.concat(kept);
  }

  /**
   * One Range GET; an offset at or past the end of the object yields no bytes, not an error.
   * With `etag`, the store refuses (412) if the object was replaced since it was listed.
   */
  private async readRange(key: string, offset: number, length: number, etag?: string): Promise<Buffer> {
    return this.attempt('get', `reading ${this.description}/${key}`, async () => {
      const got = this.lean ? await this.lean.get(this.bucket, key, offset, length, etag).catch((err: unknown) => this.refused(err, key)) : 'redirect';
      if (got !== 'redirect') {
        if (got === undefined) return EMPTY;
        this.counts.bytes += got.length;
        return got;
      }
      this.lean = undefined;
      return this.sdkRange(key, offset, length, etag);
    });
  }

  /** readRange through the SDK (it follows region redirects). */
  private async sdkRange(key: string, offset: number, length: number, etag?: string): Promise<Buffer> {
    const res = await this.client
      .send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Range: `bytes=${offset}-${offset + length - 1}`,
          ...(etag ? { IfMatch: `"${etag}"` } : {}),
        }),
      )
      .catch((err: unknown) => this.refused(err, key));
    if (!res?.Body) return EMPTY;
    const bytes = await res.Body.transformToByteArray();
    this.counts.bytes += bytes.byteLength;
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // A server that ignores Range sends the whole object (200): keep only what was asked.
    if (res.$metadata.httpStatusCode === 200 && !res.ContentRange) {
      return buf.subarray(Math.min(offset, buf.length), Math.min(offset + length, buf.length));
    }
    return buf.length > length ? buf.subarray(0, length) : buf;
  }

  /** A GET's failure: undefined for a range past the end (no bytes), else the error to throw. */
  private refused(err: unknown, key: string): undefined {
    const code = errorCode(err);
    if (code === 'InvalidRange' || errorStatus(err) === 416) return undefined;
    if (code === 'NoSuchKey') throw new StorageError('unavailable', `${this.description}/${key} does not exist`, { cause: err });
    throw err;
  }
}

/**
 * What the ranges of one listing hold so far, when the listing has a maxEntries: a range stops
 * once it and the ranges before it hold that many (their counts only grow, so nothing it would
 * list next is among the first maxEntries).
 */
interface RangeBound {
  add(range: number, objects: number): void;
  full(range: number): boolean;
  /** A range stopped before its end. */
  stopped: boolean;
}

interface ListRange {
  /** The key the range lists after (the first range), or the folder prefix it starts at. */
  start: string;
  /** Keys it is expected to hold, from the first page's keys per folder. */
  expected: number;
}

/** Keys per top-level folder in a listing's first page (its last folder may continue: counted whole). */
function keysPerFolder(prefix: string, page: ListPage): number {
  const folders = new Set<string>();
  let keys = 0;
  for (const o of page.Contents ?? []) {
    if (o.Key === undefined) continue;
    keys++;
    const slash = o.Key.indexOf('/', prefix.length);
    folders.add(slash < 0 ? '' : o.Key.slice(prefix.length, slash));
  }
  return Math.max(1, Math.ceil(keys / Math.max(1, folders.size)));
}

/** Client settings from bucket settings: endpoints mean path-style unless told otherwise. */
export function s3ClientConfig(settings: S3BucketSettings, env: NodeJS.ProcessEnv = process.env): S3ClientConfig {
  const config: S3ClientConfig = {
    region: settings.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    // S3-compatible stores (OBS, MinIO, s3rver) reject or mis-answer the SDK's newer default
    // CRC checksums; ask for them only where an operation requires one.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000, throwOnRequestTimeout: true },
  };
  if (settings.endpoint) {
    config.endpoint = settings.endpoint;
    config.forcePathStyle = settings.forcePathStyle ?? true;
  } else {
    if (settings.forcePathStyle !== undefined) config.forcePathStyle = settings.forcePathStyle;
    // AWS itself: a bucket in another region than the configured one answers with a redirect
    // the SDK can follow, instead of failing the job.
    config.followRegionRedirects = true;
  }
  if (settings.accessKeyId && settings.secretAccessKey) {
    config.credentials = {
      accessKeyId: settings.accessKeyId,
      secretAccessKey: settings.secretAccessKey,
      ...(settings.sessionToken ? { sessionToken: settings.sessionToken } : {}),
    };
  }
  if (settings.profile) config.profile = settings.profile;
  return config;
}

const clients = new Map<string, S3Client>();

/** One client (and connection pool) per distinct settings, shared by every job using them. */
export function sharedS3Client(settings: S3BucketSettings): S3Client {
  const key = JSON.stringify(
    Object.entries(settings)
      .filter(([k]) => k !== 'listConcurrency')
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );
  let client = clients.get(key);
  if (!client) {
    client = new S3Client(s3ClientConfig(settings));
    clients.set(key, client);
  }
  return client;
}
