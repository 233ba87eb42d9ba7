// Local object storage: a directory plays a bucket. Every path is resolved through realpath and
// must stay inside the root, so neither `..` nor a symlink can reach a file outside it; a key
// that escapes is refused as access denied, never read. Every failure leaves as a StorageError
// classified by errors.ts, whose message names the key inside the bucket, never the server path.
import { close as closeFd, constants as fsConstants, open as openFd, closeSync, openSync, read as readFd, readdirSync, readlinkSync, readSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, join, sep } from 'node:path';
import { toStorageError } from './errors.js';
import { StorageError, type ListOptions, type ObjectInfo, type ObjectReader, type ObjectStorage } from './storage.js';

function errCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

/**
 * File-system calls of one listing in flight at once. Unbounded, a sweep of 10,000 runs put
 * thousands of completions into single event-loop turns (gaps of 130–245 ms for every other
 * request); eight keep the thread pool (4 threads) busy and each turn short (32 still left 26–37 ms turns).
 */
const LIST_CONCURRENCY = 8;
/** Entries of a synchronous walk between two calls of the caller's pause. */
const PAUSE_EVERY = 32;

/**
 * File-system calls are made synchronously while the file system answers from memory (a stat or
 * readdir of a cached inode is 2–10 µs; the same call through the thread pool costs the main
 * thread a completion, a promise and an event-loop wake-up, ~15–80 µs, and 10,000 runs are 20,000
 * such calls). One call slower than SLOW_SYNC_MS (a cold disk, a network file system) switches every
 * LocalStorage of the process back to the thread pool for SLOW_BACKOFF_MS, so a slow disk blocks
 * the event loop for at most two calls now and then. Callers that loop over many calls yield
 * between them (list's `pause`, the engine's slices).
 */
const SLOW_SYNC_MS = 4;
/** Slow calls in a row that mean a slow file system (one alone may be a GC pause or a preemption). */
const SLOW_STRIKES = 2;
const SLOW_BACKOFF_MS = 10_000;
let syncSlowUntil = 0;
/** Whether /proc/self/fd names an open file's path (Linux); see openChecked. */
let procFd = process.platform === 'linux';
let strikes = 0;

function syncFast(): boolean {
  return syncSlowUntil === 0 || performance.now() >= syncSlowUntil;
}

function timedSync<T>(call: () => T): T {
  const t0 = performance.now();
  try {
    return call();
  } finally {
    const t1 = performance.now();
    if (t1 - t0 <= SLOW_SYNC_MS) strikes = 0;
    else if (++strikes >= SLOW_STRIKES) {
      syncSlowUntil = t1 + SLOW_BACKOFF_MS;
      strikes = 0;
    }
  }
}

/** For tests: whether the next call will be made synchronously; `slow` forces the thread pool for a while. */
export function localSyncState(slow?: boolean): boolean {
  if (slow !== undefined) syncSlowUntil = slow ? performance.now() + SLOW_BACKOFF_MS : 0;
  return syncFast();
}

class FsGate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  /** The call made synchronously while the file system is fast, else through the gate. */
  io<T>(sync: () => T, task: () => Promise<T>): T | Promise<T> {
    return syncFast() ? timedSync(sync) : this.run(task);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

export class LocalStorage implements ObjectStorage {
  readonly description: string;
  private realRoot: string | undefined;

  /**
   * @param root the bucket directory.
   * @param confineTo the object-storage root the bucket must lie in: a bucket directory that is
   *   itself a symlink out of it is refused like any other escaping path.
   */
  constructor(
    private readonly root: string,
    private readonly confineTo?: string,
  ) {
    this.description = `file://${root}`;
    this.bucket = basename(root);
  }

  /** How messages name the bucket: its name, as the train_url gave it. */
  private readonly bucket: string;

  /** The root's real path, or undefined while the root does not exist (no data yet). */
  private async rootReal(): Promise<string | undefined> {
    if (this.realRoot) return this.realRoot;
    try {
      const real = await realpath(this.root);
      if (this.confineTo !== undefined) {
        const confine = await realpath(this.confineTo);
        if (!this.inside(confine, real)) {
          throw new StorageError('access_denied', `bucket ${this.bucket} resolves outside the object storage root`);
        }
      }
      this.realRoot = real;
      return this.realRoot;
    } catch (err) {
      if (err instanceof StorageError) throw err;
      if (errCode(err) === 'ENOENT' || errCode(err) === 'ENOTDIR') return undefined;
      throw this.mapError(err, `bucket ${this.bucket}`);
    }
  }

  /** A key with a NUL or a `..` segment names nothing in a bucket: refused before any call. */
  private checkKey(key: string): void {
    if (key.includes('\0') || key.split('/').some((s) => s === '..')) {
      throw new StorageError('invalid_location', `invalid key ${JSON.stringify(key)}`);
    }
  }

  private inside(realRoot: string, real: string): boolean {
    return real === realRoot || real.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep);
  }

  /** `where` names the key (or bucket) in the bucket; the fs error's own message holds the server path. */
  private mapError(err: unknown, where: string): StorageError {
    return toStorageError(err, `reading ${where}`);
  }

  /** Real path of a key, checked to lie inside the root; undefined when it does not exist. */
  private async resolveKey(key: string): Promise<string | undefined> {
    this.checkKey(key);
    const realRoot = await this.rootReal();
    if (!realRoot) return undefined;
    let real: string;
    try {
      const path = join(realRoot, key);
      real = syncFast() ? timedSync(() => realpathSync.native(path)) : await realpath(path);
    } catch (err) {
      if (errCode(err) === 'ENOENT') return undefined;
      // ENOTDIR: a file stands where the key needs a directory; nothing can appear under it until
      // someone removes that file, so it is the path that is wrong, not the data that is late.
      throw this.mapError(err, key || '/');
    }
    if (!this.inside(realRoot, real)) {
      throw new StorageError('access_denied', `${key} resolves outside the object storage root`);
    }
    return real;
  }

  /**
   * The deepest directory `prefix` names, checked to lie inside the root; undefined when it does
   * not exist (yet). Throws what list() and probe() both must: outside the root, a folder prefix
   * that is a file, and every error resolving the path (too long, a loop, access denied).
   */
  private async prefixDir(prefix: string): Promise<{ dirReal: string; dirKey: string; realRoot: string } | undefined> {
    const slash = prefix.lastIndexOf('/');
    const dirKey = slash >= 0 ? prefix.slice(0, slash) : '';
    const dirReal = await this.resolveKey(dirKey);
    if (!dirReal) return undefined;
    const realRoot = (await this.rootReal()) as string;
    if (!this.inside(realRoot, dirReal)) {
      throw new StorageError('access_denied', `${prefix} resolves outside the object storage root`);
    }
    const st = await stat(dirReal).catch((err: unknown) => {
      if (errCode(err) === 'ENOENT') return undefined; // removed meanwhile: no data (yet)
      throw this.mapError(err, dirKey || '/');
    });
    if (!st) return undefined;
    if (!st.isDirectory()) {
      // A prefix naming a folder ('…/') that is a file can never hold logs.
      if (prefix.endsWith('/')) throw new StorageError('not_a_directory', `not a directory: ${dirKey}`);
      return undefined;
    }
    return { dirReal, dirKey, realRoot };
  }

  /** The prefix's directory resolved and read once, not walked: a sweep of 10,000 runs costs one readdir. */
  async probe(prefix: string): Promise<void> {
    const dir = await this.prefixDir(prefix);
    if (!dir) return;
    await readdir(dir.dirReal).catch((err: unknown) => {
      if (errCode(err) === 'ENOENT' || errCode(err) === 'ENOTDIR') return [];
      throw this.mapError(err, dir.dirKey || '/');
    });
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ObjectInfo[]> {
    // Start at the deepest directory the prefix names, then filter by the full prefix.
    const dir = await this.prefixDir(prefix);
    if (!dir) return [];
    const { dirReal, dirKey, realRoot } = dir;
    const pause = options.pause;
    const maxEntries = options.maxEntries ?? Infinity;
    let entriesSeen = 0;
    /** Counts an entry; false once past maxEntries (the walk then stops where it is). */
    const admit = (): boolean => ++entriesSeen <= maxEntries;
    const out: ObjectInfo[] = [];
    const seen = new Set<string>();
    const fs = new FsGate(LIST_CONCURRENCY);
    const walk = async (real: string, keyBase: string): Promise<void> => {
      if (seen.has(real)) return; // symlink loops
      seen.add(real);
      let entries: Dirent[];
      try {
        entries = await fs.io(
          () => readdirSync(real, { withFileTypes: true }),
          () => readdir(real, { withFileTypes: true }),
        );
      } catch (err) {
        if (errCode(err) === 'ENOENT' || errCode(err) === 'ENOTDIR') return;
        throw this.mapError(err, keyBase || '/');
      }
      if (syncFast()) await walkSync(entries, real, keyBase);
      else {
        // Through the thread pool, entries are stat'ed (and sub-directories walked) concurrently:
        // a few round trips per level instead of one per file. `out` is sorted below.
        await Promise.all(entries.map((e) => entryOf(e, real, keyBase)));
      }
    };
    const entryOf = async (e: Dirent, real: string, keyBase: string): Promise<void> => {
      if (!admit()) return;
      const key = keyBase ? `${keyBase}/${e.name}` : e.name;
      const wanted = (): boolean => prefix.startsWith(key + '/') || (key + '/').startsWith(prefix) || key.startsWith(prefix);
      let target = join(real, e.name);
      if (e.isDirectory()) {
        // A directory (not a link to one) needs no stat: readdir said what it is.
        if (wanted()) await walk(target, key);
        return;
      }
      if (e.isSymbolicLink()) {
        try {
          const link = target;
          target = await fs.io(
            () => realpathSync.native(link),
            () => realpath(link),
          );
        } catch {
          return; // dangling link
        }
        if (!this.inside(realRoot, target)) return; // never follow a link out of the root
      }
      let st: Stats;
      try {
        const path = target;
        st = await fs.io(
          () => statSync(path),
          () => stat(path),
        );
      } catch {
        return; // vanished between readdir and stat
      }
      if (st.isDirectory()) {
        if (wanted()) await walk(target, key);
      } else if (st.isFile() && key.startsWith(prefix)) {
        out.push({ key, size: st.size, etag: `${st.ino}-${st.mtimeMs}`, mtimeMs: st.mtimeMs });
      }
    };
    /**
     * The same walk with synchronous calls, depth first, in a loop (no promise per entry: they
     * were most of a 10,000-directory listing's garbage); the caller's pause every PAUSE_EVERY
     * entries. Whatever is left when the file system turns slow goes back to `walk`.
     */
    const walkSync = async (first: Dirent[], firstReal: string, firstKey: string): Promise<void> => {
      const stack: Array<{ entries: Dirent[]; i: number; real: string; keyBase: string }> = [{ entries: first, i: 0, real: firstReal, keyBase: firstKey }];
      let n = 0;
      while (stack.length > 0) {
        const top = stack[stack.length - 1];
        if (top.i >= top.entries.length) {
          stack.pop();
          continue;
        }
        if (pause && ++n % PAUSE_EVERY === 0) await pause();
        if (!syncFast()) {
          // Slow now: each level's remaining entries through the thread pool.
          for (const level of stack) await Promise.all(level.entries.slice(level.i).map((e) => entryOf(e, level.real, level.keyBase)));
          return;
        }
        if (!admit()) return;
        const e = top.entries[top.i++];
        const key = top.keyBase ? `${top.keyBase}/${e.name}` : e.name;
        let target = join(top.real, e.name);
        let isDir = e.isDirectory();
        let st: Stats | undefined;
        if (!isDir) {
          if (e.isSymbolicLink()) {
            const link = target;
            try {
              target = timedSync(() => realpathSync.native(link));
            } catch {
              continue; // dangling link
            }
            if (!this.inside(realRoot, target)) continue; // never follow a link out of the root
          }
          const path = target;
          try {
            st = timedSync(() => statSync(path, { throwIfNoEntry: false }));
          } catch {
            st = undefined;
          }
          if (!st) continue; // vanished between readdir and stat
          isDir = st.isDirectory();
        }
        if (isDir) {
          if (!(prefix.startsWith(key + '/') || (key + '/').startsWith(prefix) || key.startsWith(prefix))) continue;
          if (seen.has(target)) continue; // symlink loops
          seen.add(target);
          let entries: Dirent[];
          try {
            const dirPath = target;
            entries = timedSync(() => readdirSync(dirPath, { withFileTypes: true }));
          } catch (err) {
            if (errCode(err) === 'ENOENT' || errCode(err) === 'ENOTDIR') continue;
            throw this.mapError(err, key);
          }
          stack.push({ entries, i: 0, real: target, keyBase: key });
        } else if (st?.isFile() && key.startsWith(prefix)) {
          out.push({ key, size: st.size, etag: `${st.ino}-${st.mtimeMs}`, mtimeMs: st.mtimeMs });
        }
      }
    };
    await walk(dirReal, dirKey);
    out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    if (entriesSeen > maxEntries) options.truncated?.();
    return out;
  }

  async stat(key: string): Promise<ObjectInfo | null> {
    const real = await this.resolveKey(key).catch((err: unknown) => {
      if (err instanceof StorageError && err.kind === 'not_a_directory') return undefined; // no such object
      throw err;
    });
    if (!real) return null;
    const st = await stat(real).catch((err: unknown) => {
      if (errCode(err) === 'ENOENT') return undefined;
      throw this.mapError(err, key);
    });
    if (!st?.isFile()) return null;
    return { key, size: st.size, etag: `${st.ino}-${st.mtimeMs}`, mtimeMs: st.mtimeMs };
  }

  /**
   * Opens a key and then checks where the opened file really is (/proc/self/fd names it): one
   * readlink instead of a realpath's call per path component (5 against 13 µs a file here, and a
   * sweep's load opens 10,000), and the file checked is the one read, whatever is renamed or linked
   * meanwhile. Non-blocking, so a FIFO cannot hold the event loop at open. Undefined where /proc is
   * not there (or the thread pool is in use): the caller resolves the path first, as before.
   */
  private openChecked(key: string, realRoot: string): number | undefined {
    if (!procFd || !syncFast()) return undefined;
    const path = join(realRoot, key);
    let fd: number;
    try {
      fd = timedSync(() => openSync(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK));
    } catch (err) {
      if (errCode(err) === 'ENOENT') throw new StorageError('unavailable', `${key} does not exist`);
      throw this.mapError(err, key);
    }
    let real: string;
    try {
      real = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      procFd = false; // no /proc here after all: resolve first from now on
      closeSync(fd);
      return undefined;
    }
    if (!this.inside(realRoot, real)) {
      closeSync(fd);
      throw new StorageError('access_denied', `${key} resolves outside the object storage root`);
    }
    return fd;
  }

  async openReader(key: string): Promise<ObjectReader> {
    this.checkKey(key);
    const realRoot = await this.rootReal();
    if (!realRoot) throw new StorageError('unavailable', `${key} does not exist`);
    let fd = this.openChecked(key, realRoot);
    if (fd === undefined) {
      const real = await this.resolveKey(key);
      if (!real) throw new StorageError('unavailable', `${key} does not exist`);
      try {
        fd = syncFast()
          ? timedSync(() => openSync(real, 'r'))
          : await new Promise<number>((res, rej) => openFd(real, 'r', (err, d) => (err ? rej(err) : res(d))));
      } catch (err) {
        throw this.mapError(err, key);
      }
    }
    const opened = fd;
    // A descriptor, not a FileHandle: read synchronously while the disk is fast, else through the pool.
    const readAsync = (target: Uint8Array, at: number, length: number, offset: number): Promise<number> =>
      new Promise((res, rej) => readFd(opened, target, at, length, offset, (err, n) => (err ? rej(err) : res(n))));
    return {
      async readInto(target: Uint8Array, at: number, length: number, offset: number): Promise<number> {
        let got = 0;
        while (got < length) {
          let bytesRead: number;
          try {
            const a = at + got;
            const l = length - got;
            const o = offset + got;
            bytesRead = syncFast() ? timedSync(() => readSync(opened, target, a, l, o)) : await readAsync(target, a, l, o);
          } catch (err) {
            throw toStorageError(err, `reading ${key}`);
          }
          if (bytesRead === 0) break;
          got += bytesRead;
        }
        return got;
      },
      close: async () => {
        if (syncFast()) timedSync(() => closeSync(opened));
        else await new Promise<void>((res) => closeFd(opened, () => res()));
      },
    };
  }

  async read(key: string, offset: number, length: number): Promise<Buffer> {
    const reader = await this.openReader(key);
    try {
      const buf = Buffer.allocUnsafe(length);
      const got = await reader.readInto(buf, 0, length, offset);
      return got === length ? buf : buf.subarray(0, got);
    } finally {
      await reader.close();
    }
  }
}
