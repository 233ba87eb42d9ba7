// Local object storage: a directory plays a bucket. Every path is resolved through realpath and
// must stay inside the root, so neither `..` nor a symlink can reach a file outside it; a key
// that escapes is refused as access denied, never read. Every failure leaves as a StorageError
// classified by errors.ts, whose message names the key inside the bucket, never the server path.
import { open, readdir, realpath, stat } from 'node:fs/promises';
import { basename, join, sep } from 'node:path';
import { toStorageError } from './errors.js';
import { StorageError, type ObjectInfo, type ObjectReader, type ObjectStorage } from './storage.js';

function errCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

/**
 * File-system calls of one listing in flight at once. Unbounded, a sweep of 10,000 runs put
 * thousands of completions into single event-loop turns (gaps of 130–245 ms for every other
 * request); eight keep the thread pool (4 threads) busy and each turn short (32 still left 26–37 ms turns).
 */
const LIST_CONCURRENCY = 8;

class FsGate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

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

  private inside(realRoot: string, real: string): boolean {
    return real === realRoot || real.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep);
  }

  /** `where` names the key (or bucket) in the bucket; the fs error's own message holds the server path. */
  private mapError(err: unknown, where: string): StorageError {
    return toStorageError(err, `reading ${where}`);
  }

  /** Real path of a key, checked to lie inside the root; undefined when it does not exist. */
  private async resolveKey(key: string): Promise<string | undefined> {
    if (key.includes('\0') || key.split('/').some((s) => s === '..')) {
      throw new StorageError('invalid_location', `invalid key ${JSON.stringify(key)}`);
    }
    const realRoot = await this.rootReal();
    if (!realRoot) return undefined;
    let real: string;
    try {
      real = await realpath(join(realRoot, key));
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

  async list(prefix: string): Promise<ObjectInfo[]> {
    // Start at the deepest directory the prefix names, then filter by the full prefix.
    const dir = await this.prefixDir(prefix);
    if (!dir) return [];
    const { dirReal, dirKey, realRoot } = dir;
    const out: ObjectInfo[] = [];
    const seen = new Set<string>();
    const fs = new FsGate(LIST_CONCURRENCY);
    const walk = async (real: string, keyBase: string): Promise<void> => {
      if (seen.has(real)) return; // symlink loops
      seen.add(real);
      let entries;
      try {
        entries = await fs.run(() => readdir(real, { withFileTypes: true }));
      } catch (err) {
        if (errCode(err) === 'ENOENT' || errCode(err) === 'ENOTDIR') return;
        throw this.mapError(err, keyBase || '/');
      }
      // Entries are stat'ed (and sub-directories walked) concurrently: a log root of hundreds of
      // runs is a few thread-pool round trips per level instead of one per file. `out` is sorted below.
      await Promise.all(
        entries.map(async (e) => {
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
              target = await fs.run(() => realpath(target));
            } catch {
              return; // dangling link
            }
            if (!this.inside(realRoot, target)) return; // never follow a link out of the root
          }
          let st;
          try {
            st = await fs.run(() => stat(target));
          } catch {
            return; // vanished between readdir and stat
          }
          if (st.isDirectory()) {
            if (wanted()) await walk(target, key);
          } else if (st.isFile() && key.startsWith(prefix)) {
            out.push({ key, size: st.size, etag: `${st.ino}-${st.mtimeMs}`, mtimeMs: st.mtimeMs });
          }
        }),
      );
    };
    await walk(dirReal, dirKey);
    out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
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

  async openReader(key: string): Promise<ObjectReader> {
    const real = await this.resolveKey(key);
    if (!real) throw new StorageError('unavailable', `${key} does not exist`);
    const fh = await open(real, 'r').catch((err: unknown) => {
      throw this.mapError(err, key);
    });
    return {
      async readInto(target: Uint8Array, at: number, length: number, offset: number): Promise<number> {
        let got = 0;
        while (got < length) {
          const { bytesRead } = await fh.read(target, at + got, length - got, offset + got).catch((err: unknown) => {
            throw toStorageError(err, `reading ${key}`);
          });
          if (bytesRead === 0) break;
          got += bytesRead;
        }
        return got;
      },
      close: () => fh.close(),
    };
  }

  async read(key: string, offset: number, length: number): Promise<Buffer> {
    const real = await this.resolveKey(key);
    if (!real) throw new StorageError('unavailable', `${key} does not exist`);
    const fh = await open(real, 'r').catch((err: unknown) => {
      throw this.mapError(err, key);
    });
    try {
      const buf = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await fh.read(buf, got, length - got, offset + got).catch((err: unknown) => {
          throw this.mapError(err, key);
        });
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return got === length ? buf : buf.subarray(0, got);
    } finally {
      await fh.close();
    }
  }
}
