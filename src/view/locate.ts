// LOGDIR arguments of `vizjobs view` → named log locations. Invariant: resolving makes no request
// and loads the S3 client only when an s3:// or obs:// location is given (a local look at logs
// starts without it). Names follow TensorBoard's --logdir_spec: `name:path` entries separated by
// commas; an entry that is a URL (`s3://…`) or has no name is named after its path.
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { LocalStorage } from '../storage/local.js';
import type { LogLocation } from '../storage/storage.js';

export interface LogdirSpecEntry {
  /** The run-name prefix; undefined for a single LOGDIR served as TensorBoard's --logdir does. */
  name: string | undefined;
  /** A local path, `s3://bucket/dir` or `obs://bucket/dir`. */
  path: string;
}

const URL_RE = /^[a-z][a-z0-9+.-]*:\/\//i;

export function isObjectUrl(path: string): boolean {
  return /^(s3|obs):\/\//i.test(path);
}

/** `name1:path1,name2:path2` (TensorBoard's --logdir_spec); an entry without a name gets one from its path. */
export function parseLogdirSpec(spec: string): LogdirSpecEntry[] {
  const out: LogdirSpecEntry[] = [];
  for (const raw of spec.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const colon = entry.indexOf(':');
    // A URL's scheme, or on Windows a drive letter, is not a name (TensorBoard's rule too).
    const drive = process.platform === 'win32' && /^[a-zA-Z]:/.test(entry);
    if (colon <= 0 || URL_RE.test(entry) || drive) out.push({ name: undefined, path: entry });
    else out.push({ name: entry.slice(0, colon), path: entry.slice(colon + 1) });
  }
  return nameEntries(out);
}

/** Several LOGDIR arguments: like --logdir_spec, each named after its last path segment (made unique). */
export function nameEntries(entries: LogdirSpecEntry[]): LogdirSpecEntry[] {
  if (entries.length === 1 && entries[0].name === undefined) return entries;
  const used = new Set<string>();
  for (const e of entries) if (e.name !== undefined) used.add(e.name);
  return entries.map((e) => {
    if (e.name !== undefined) return e;
    const base = basename(e.path.replace(/[\\/]+$/, '')) || e.path;
    let name = base;
    for (let i = 2; used.has(name); i++) name = `${base}_${i}`;
    used.add(name);
    return { name, path: e.path };
  });
}

export interface S3Env {
  s3Endpoint: string;
  s3Config?: string;
}

/** The service's S3 settings, from the environment as `vizjobs serve` reads them. */
export function s3EnvFromProcess(env: NodeJS.ProcessEnv = process.env): S3Env {
  return { s3Endpoint: env.VIZJOBS_S3_ENDPOINT ?? '', s3Config: env.VIZJOBS_S3_CONFIG || undefined };
}

/**
 * A local directory is read through storage rooted at '/', so every part's keys are absolute paths
 * and distinct (CompositeLogdir finds a blob's part by its key).
 */
export function localLocation(path: string): LogLocation {
  const abs = resolve(path).replace(/\\/g, '/').replace(/\/+$/, '');
  const prefix = abs.replace(/^\/+/, '');
  return { storage: new LocalStorage('/'), prefix: prefix === '' ? '' : `${prefix}/` };
}

export async function locate(path: string, s3: S3Env): Promise<LogLocation> {
  if (!isObjectUrl(path)) return localLocation(path);
  const { resolveTrainUrl } = await import('../storage/resolve.js');
  return resolveTrainUrl(path.endsWith('/') ? path : `${path}/`, { obsRoot: process.cwd(), ...s3 });
}

/** Local paths that do not exist yet (TensorBoard waits for them; so do we, and says so). */
export function missingLocal(entries: readonly LogdirSpecEntry[]): string[] {
  return entries.filter((e) => !isObjectUrl(e.path) && !existsSync(e.path)).map((e) => e.path);
}
