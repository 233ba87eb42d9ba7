// Read-ahead for sequential scans of large objects. The engine reads a file in modest chunks
// (4 MiB: its decoder is fastest that way), one after the other; against an object store each
// chunk is a round trip, so a file would load at one request's latency per chunk. Once a bulk read
// of an object is seen, the bytes the last listing says follow it are fetched ahead, several parts
// in parallel, and later chunks are served from them. Invariants: nothing is fetched beyond the
// listed size (the engine reads up to there anyway, so no byte is wasted on a healthy file); a
// prefetched part is only used for the very object it was fetched from (If-Match on the listed
// ETag); any failure of a prefetch falls back to a plain read, so read-ahead never changes what a
// read returns, only how fast; a new listing drops what is left (a new reload starts afresh).

/** Fetches `length` bytes at `offset`; with `etag`, fails unless the object still has that ETag. */
export type RangeFetch = (key: string, offset: number, length: number, etag?: string) => Promise<Buffer>;

export interface ReadAheadOptions {
  /** Size of each prefetched part. */
  partSize: number;
  /** Parts kept in flight or waiting ahead of the reader, per object. */
  parts: number;
  /** Reads shorter than this (blobs, tails) never start read-ahead. */
  minBulkRead: number;
  /** Objects with read-ahead state at once; the least recently read is dropped beyond it. */
  maxObjects: number;
  /** Read-ahead state unused this long is dropped, so an idle job holds no buffers. */
  idleMs?: number;
}

interface Part {
  offset: number;
  length: number;
  data: Promise<Buffer | undefined>;
}

interface ObjectAhead {
  size: number;
  etag: string;
  parts: Part[];
  /** Set when a prefetch failed (object replaced, store trouble): no more read-ahead for it. */
  stopped: boolean;
  /** The last answer, so a read that starts a little before its end (a partial record) hits. */
  last?: { offset: number; buf: Buffer };
}

export class ReadAhead {
  private readonly listed = new Map<string, { size: number; etag: string }>();
  private readonly objects = new Map<string, ObjectAhead>();
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly fetch: RangeFetch,
    private readonly options: ReadAheadOptions,
  ) {}

  /** A fresh listing of `prefix`: remember sizes and ETags, forget every prefetch of the last reload. */
  noteListing(prefix: string, objects: Iterable<{ key: string; size: number; etag: string }>): void {
    for (const k of this.listed.keys()) if (k.startsWith(prefix)) this.listed.delete(k);
    for (const o of objects) this.listed.set(o.key, { size: o.size, etag: o.etag });
    this.objects.clear();
  }

  async read(key: string, offset: number, length: number): Promise<Buffer> {
    const end = offset + length;
    const state = this.objects.get(key);
    const chunks: Buffer[] = [];
    let pos = offset;
    let eof = false;
    if (state) {
      while (pos < end) {
        const got = await this.take(state, pos, end);
        if (!got) break;
        chunks.push(got.buf);
        pos += got.buf.length;
        if (got.eof) {
          eof = true;
          break;
        }
      }
    }
    if (pos < end && !eof) chunks.push(await this.fetch(key, pos, end - pos));
    const buf = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    this.after(key, offset, length, buf);
    return buf;
  }

  /** Bytes at `pos` from the last answer or a prefetched part, or undefined when neither has them. */
  private async take(state: ObjectAhead, pos: number, end: number): Promise<{ buf: Buffer; eof: boolean } | undefined> {
    const last = state.last;
    if (last && pos >= last.offset && pos < last.offset + last.buf.length) {
      const from = pos - last.offset;
      return { buf: last.buf.subarray(from, Math.min(last.buf.length, from + (end - pos))), eof: false };
    }
    const part = state.parts.find((p) => pos >= p.offset && pos < p.offset + p.length);
    if (!part) return undefined;
    const data = await part.data;
    if (!data) {
      // The object changed or the store failed: plain reads from here on.
      state.parts = [];
      state.stopped = true;
      return undefined;
    }
    const from = pos - part.offset;
    if (from >= data.length) return { buf: Buffer.alloc(0), eof: true };
    const buf = data.subarray(from, Math.min(data.length, from + (end - pos)));
    return { buf, eof: data.length < part.length && from + buf.length >= data.length };
  }

  private after(key: string, offset: number, length: number, buf: Buffer): void {
    const end = offset + buf.length;
    let state = this.objects.get(key);
    const listed = this.listed.get(key);
    if (!state) {
      const bulk = length >= this.options.minBulkRead && buf.length === length;
      if (!listed || !bulk || listed.size <= offset + length) return;
      state = { size: listed.size, etag: listed.etag, parts: [], stopped: false };
    }
    this.objects.delete(key); // re-insert: the map's order is least recently read first
    // Read to the listed end: the scan of this object is over until the next listing.
    if (end >= state.size) {
      this.armIdleTimer();
      return;
    }
    this.objects.set(key, state);
    while (this.objects.size > this.options.maxObjects) {
      const oldest = this.objects.keys().next().value as string;
      this.objects.delete(oldest);
    }
    state.last = { offset, buf };
    state.parts = state.parts.filter((p) => p.offset + p.length > end);
    let next = state.parts.length ? state.parts[state.parts.length - 1].offset + state.parts[state.parts.length - 1].length : offset + length;
    while (!state.stopped && state.parts.length < this.options.parts && next < state.size) {
      const partLength = Math.min(this.options.partSize, state.size - next);
      const at = next;
      state.parts.push({
        offset: at,
        length: partLength,
        data: this.fetch(key, at, partLength, state.etag).catch(() => undefined),
      });
      next += partLength;
    }
    this.armIdleTimer();
  }

  private armIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (this.objects.size === 0) return;
    this.idleTimer = setTimeout(() => this.objects.clear(), this.options.idleMs ?? 10_000);
    this.idleTimer.unref();
  }

  /** Objects holding read-ahead buffers now (for tests and diagnostics). */
  get activeObjects(): number {
    return this.objects.size;
  }
}
