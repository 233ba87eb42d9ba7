// The storage seam: everything vizjobs reads of training logs goes through ObjectStorage, so the
// event engine never knows whether bytes come from a local directory, OBS, S3 or MinIO.
// Keys are '/'-separated and never start with '/'. Listing is recursive (object stores have no
// directories); a prefix names a "folder" when it ends with '/'.

export interface ObjectInfo {
  /** Full key, '/'-separated, relative to the storage root (for S3: the object key in its bucket). */
  key: string;
  size: number;
  /** Changes when the object is replaced (S3 ETag; local: inode+mtime). */
  etag: string;
  mtimeMs: number;
}

/** How a caller wants a (long) listing made. */
export interface ListOptions {
  /**
   * Called between pieces of a listing's own work (a local walk's entries); resolves when the
   * listing may go on. The event engine passes its slices' pause so that a 10,000-directory walk
   * shares the event loop like every other big job.
   */
  pause?: () => Promise<void>;
  /**
   * At most this many entries: objects, and in a walk of directories the directories too (each
   * costs a call). The listing stops there and calls `truncated`. What it returns is then the
   * first objects in key order where the store lists in key order (S3), a stable subset of the
   * walk otherwise. Without it, every object under the prefix.
   */
  maxEntries?: number;
  /** Called once, when the listing stopped at maxEntries. */
  truncated?: () => void;
}

export interface ObjectStorage {
  /** Human-readable location for messages, e.g. `file:///data/obs/bucket` or `s3://bucket`. */
  readonly description: string;
  /** Every object whose key starts with `prefix`, recursively, in key order. */
  list(prefix: string, options?: ListOptions): Promise<ObjectInfo[]>;
  /**
   * Resolves when the storage answers for `prefix` (nothing there yet is fine), and fails as
   * list() would otherwise; costs one request, whatever the prefix holds. Without it, list().
   */
  probe?(prefix: string): Promise<void>;
  /**
   * How many small whole-file reads the event engine keeps in flight (default 16). An object
   * store answers each after a round trip and serves many at once, so it wants more than a disk.
   */
  readonly readConcurrency?: number;
  /** One object's metadata, or null when it does not exist. */
  stat(key: string): Promise<ObjectInfo | null>;
  /**
   * Up to `length` bytes starting at `offset`. Returns fewer bytes only at the end of the object
   * (a growing file is fine: read again later for the rest).
   */
  read(key: string, offset: number, length: number): Promise<Buffer>;
  /**
   * Optional fast path for reading one object in many ranges (the event engine's cold load): the
   * object is resolved and opened once, and reads land in a buffer the caller reuses, so neither
   * a lookup per read nor fresh memory per read is paid. Storages without it are read with read().
   */
  openReader?(key: string): Promise<ObjectReader>;
}

/** An open object (see ObjectStorage.openReader). */
export interface ObjectReader {
  /**
   * Reads up to `length` bytes of the object starting at `offset` into target[at, at + length);
   * returns how many were read (fewer only at the end of the object).
   */
  readInto(target: Uint8Array, at: number, length: number, offset: number): Promise<number>;
  close(): Promise<void>;
}

// Failures are StorageErrors, classified transient or permanent in one place (errors.ts).
export { StorageError, type StorageErrorKind, type StorageRetry } from './errors.js';

/** A log directory: a storage and the prefix (ending in '/', or '' for the root) holding the logs. */
export interface LogLocation {
  storage: ObjectStorage;
  prefix: string;
}

/** One request that proves `location`'s storage answers (probe() where the storage has it). */
export async function probeLocation(location: LogLocation): Promise<void> {
  if (location.storage.probe) await location.storage.probe(location.prefix);
  else await location.storage.list(location.prefix);
}
