// TensorBoard's projector routes (tensorboard/plugins/projector/projector_plugin.py) over the files
// PyTorch's add_embedding writes: `projector_config.pbtxt` in a run's directory naming, per
// embedding, tensors.tsv, metadata.tsv and sprite.png relative to it. Answers are TensorBoard's:
// `runs` → [run], `info?run=` → the config as proto3 JSON with tensorShape filled in,
// `tensor?run=&name=&num_rows=` → float32 little-endian rows, `metadata?…` → the TSV cut to
// num_rows, `sprite_image` and `bookmarks` → the file's bytes; refusals are 400 as TensorBoard's
// (in the API's envelope). Only tensors in files (tensor_path) are served, not TF checkpoints.
// Invariants: files are read through the storage seam and only from under the log directory the
// config sits in (a path leaving it, absolute or with `..`, is refused); every read is capped by
// LIMITS (projectorConfigBytes, projectorFileBytes, tensorElements) before memory is spent, and a
// file's claimed size or a config's tensor_shape never sizes anything. Parsed configs and one
// tensor (TensorBoard's cache capacity) are kept per Logdir, keyed by the file's etag.
import { posix } from 'node:path';
import { ApiError } from '../api/errors.js';
import { LIMITS, type Logdir, type ProjectorConfigFile } from '../events/index.js';
import { StorageError, fileProblem } from '../storage/errors.js';
import type { LogLocation } from '../storage/storage.js';
import { imageContentType } from './blob-key.js';
import { ConfigSyntaxError, parseProjectorConfig, projectorConfigJson, type EmbeddingInfo, type ProjectorConfig } from './projector-config.js';
import { decodeUtf8, metadataBody, parseTensorTsv, TsvError, tsvShape, type Matrix } from './projector-tsv.js';
import { sendCached, sendJson, sendLogBlob } from './respond.js';
import { one, type Query, type RouteFn } from './routing.js';
import type { LoadedJob } from './runtime.js';

/** A run's config as the routes use it: its file (for resolving paths) and the normalized config. */
export interface RunConfig {
  file: ProjectorConfigFile;
  config: ProjectorConfig;
}

interface Cached<T> {
  etag: string;
  value: T;
}

interface ProjectorCache {
  configs: Map<string, Cached<ProjectorConfig | string>>;
  shapes: Map<string, Cached<{ rows: number; cols: number } | string>>;
  tensor?: { key: string; etag: string; matrix: Matrix };
}

const caches = new WeakMap<Logdir, ProjectorCache>();
function cacheOf(logdir: Logdir): ProjectorCache {
  let c = caches.get(logdir);
  if (!c) caches.set(logdir, (c = { configs: new Map(), shapes: new Map() }));
  return c;
}

/** A tensor parsed once is kept for the next request only up to this size (TensorBoard keeps one). */
const MAX_CACHED_TENSOR_BYTES = 64 << 20;
const READ_CHUNK = 4 << 20;

/** TensorBoard's 400 answers, in the API's envelope. */
function refuse(message: string): ApiError {
  return new ApiError('invalidArgument', `Invalid Argument. ${message}`);
}

/** A key relative to the log directory, for messages (never a server path). */
function shown(loc: LogLocation, key: string): string {
  return key.startsWith(loc.prefix) ? key.slice(loc.prefix.length) : key;
}

/**
 * The storage key a config's path names: relative to the config's directory, as TensorBoard's
 * _rel_to_abs_asset_path; refused when it is absolute or leaves the log directory.
 */
export function resolveAssetKey(file: ProjectorConfigFile, path: string): string {
  if (path.startsWith('/') || path.startsWith('~') || path.startsWith('\\') || /^[A-Za-z]:[\\/]/.test(path) || path.includes('\0')) {
    throw refuse(`"${path}": only paths relative to the config file are served`);
  }
  const dir = file.key.slice(0, file.key.lastIndexOf('/') + 1);
  const key = posix.normalize(dir + path.replace(/\\/g, '/'));
  const root = file.location.prefix;
  if (key.startsWith('../') || key === '..' || !key.startsWith(root) || key.endsWith('/')) {
    throw refuse(`"${path}" is not a file under the log directory`);
  }
  return key;
}

/** A whole file through the storage seam, at most `cap` bytes; missing, too big or unreadable is a clear refusal. */
async function readWhole(loc: LogLocation, key: string, cap: number): Promise<{ bytes: Buffer; etag: string }> {
  const name = shown(loc, key);
  try {
    const info = await loc.storage.stat(key);
    if (!info) throw refuse(`"${name}" not found, or is not a file`);
    if (info.size > cap) throw refuse(`"${name}" is ${info.size} bytes, over the cap of ${cap} bytes`);
    const parts: Buffer[] = [];
    let got = 0;
    for (;;) {
      const b = await loc.storage.read(key, got, READ_CHUNK);
      if (b.length === 0) break;
      got += b.length;
      if (got > cap) throw refuse(`"${name}" grew over the cap of ${cap} bytes`);
      parts.push(b);
      if (b.length < READ_CHUNK) break;
    }
    return { bytes: parts.length === 1 ? parts[0] : Buffer.concat(parts, got), etag: info.etag };
  } catch (err) {
    if (err instanceof ApiError) throw err;
    if (err instanceof StorageError) {
      if (err.transient) throw new ApiError('storageUnavailable');
      throw refuse(`"${name}": ${fileProblem(err)}`);
    }
    throw err;
  }
}

/** The config as TensorBoard normalizes it: a ":0" suffix dropped, a missing name taken from tensor_path. */
function normalize(c: ProjectorConfig): ProjectorConfig {
  for (const e of c.embeddings) {
    if (e.tensorName.endsWith(':0')) e.tensorName = e.tensorName.slice(0, -2);
    if (!e.tensorName && e.tensorPath) e.tensorName = posix.basename(e.tensorPath.replace(/\\/g, '/'));
  }
  return c;
}

async function loadConfig(v: LoadedJob, file: ProjectorConfigFile): Promise<ProjectorConfig | undefined> {
  const cache = cacheOf(v.logdir).configs;
  let hit = cache.get(file.key);
  if (!hit || hit.etag !== file.etag) {
    let value: ProjectorConfig | string;
    try {
      const { bytes } = await readWhole(file.location, file.key, LIMITS.projectorConfigBytes);
      value = normalize(parseProjectorConfig(decodeUtf8(bytes, 'projector_config.pbtxt'), LIMITS.projectorEmbeddings));
    } catch (err) {
      if (err instanceof ApiError && err.http === 503) throw err;
      if (!(err instanceof ApiError || err instanceof ConfigSyntaxError || err instanceof TsvError)) throw err;
      value = err.message;
      v.logdir.reportProblem(file.run, { file: file.key, offset: 0, kind: 'decode', message: `projector config not read: ${err.message}` });
    }
    hit = { etag: file.etag, value };
    cache.set(file.key, hit);
  }
  return typeof hit.value === 'string' ? undefined : hit.value;
}

/** Runs with an embedding in a file, in the Logdir's run order, each with its (last listed) config. */
export async function projectorRuns(v: LoadedJob): Promise<Map<string, RunConfig>> {
  const files = v.logdir.projectorConfigs();
  const byRun = new Map<string, RunConfig>();
  for (const file of files) {
    const config = await loadConfig(v, file);
    // TensorBoard drops a config naming no tensor file (we read no checkpoints).
    if (config && config.embeddings.some((e) => e.tensorPath)) byRun.set(file.run, { file, config });
  }
  const order = v.logdir.runNames();
  const rank = new Map(order.map((r, i) => [r, i]));
  return new Map([...byRun].sort((a, b) => (rank.get(a[0]) ?? -1) - (rank.get(b[0]) ?? -1)));
}

/** Whether any run has an embedding to show (data/plugins_listing). */
export function projectorActive(logdir: Logdir): boolean {
  return logdir.projectorConfigs().length > 0;
}

const canonical = (name: string): string => (name.includes(':') ? name : `${name}:0`);

function embeddingOf(rc: RunConfig, name: string): EmbeddingInfo | undefined {
  return rc.config.embeddings.find((e) => canonical(e.tensorName) === canonical(name));
}

function need(q: Query, name: string): string {
  const v = one(q, name);
  if (v === undefined) throw new ApiError('badParameter', `Invalid parameter ${name}: query parameter "${name}" is required`);
  return v;
}

/** TensorBoard's num_rows: absent or a positive integer. */
function numRows(q: Query): number | undefined {
  const raw = one(q, 'num_rows');
  if (!raw) return undefined;
  const n = /^\+?\d{1,15}$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!(n > 0)) throw new ApiError('badParameter', 'Invalid parameter num_rows: query parameter num_rows must be integer > 0');
  return n;
}

async function runConfig(v: LoadedJob, q: Query): Promise<RunConfig> {
  const run = need(q, 'run');
  const rc = (await projectorRuns(v)).get(run);
  if (!rc) throw refuse(`Unknown run: "${run}"`);
  return rc;
}

async function tensorShape(v: LoadedJob, rc: RunConfig, e: EmbeddingInfo): Promise<number[]> {
  if (e.tensorShape.length || !e.tensorPath) return e.tensorShape;
  let key: string;
  try {
    key = resolveAssetKey(rc.file, e.tensorPath);
  } catch {
    return [];
  }
  const cache = cacheOf(v.logdir).shapes;
  const info = await rc.file.location.storage.stat(key).catch(() => null);
  if (!info) return [];
  let hit = cache.get(key);
  if (!hit || hit.etag !== info.etag) {
    let value: { rows: number; cols: number } | string;
    try {
      const { bytes } = await readWhole(rc.file.location, key, LIMITS.projectorFileBytes);
      value = tsvShape(decodeUtf8(bytes, 'tensors file'));
    } catch (err) {
      if (err instanceof ApiError && err.http === 503) throw err;
      value = err instanceof Error ? err.message : String(err);
    }
    hit = { etag: info.etag, value };
    cache.set(key, hit);
  }
  return typeof hit.value === 'string' ? [] : [hit.value.rows, hit.value.cols];
}

async function loadTensor(v: LoadedJob, rc: RunConfig, name: string): Promise<Matrix> {
  const e = embeddingOf(rc, name);
  if (!e || !e.tensorPath) throw refuse(`Tensor "${name}" not found: run "${rc.file.run}" names no tensor file for it`);
  const key = resolveAssetKey(rc.file, e.tensorPath);
  const cache = cacheOf(v.logdir);
  const info = await rc.file.location.storage.stat(key).catch(() => null);
  if (info && cache.tensor?.key === key && cache.tensor.etag === info.etag) return cache.tensor.matrix;
  const { bytes, etag } = await readWhole(rc.file.location, key, LIMITS.projectorFileBytes);
  let matrix: Matrix;
  try {
    matrix = await parseTensorTsv(decodeUtf8(bytes, `"${shown(rc.file.location, key)}"`), LIMITS.tensorElements);
  } catch (err) {
    if (err instanceof TsvError) throw refuse(`"${shown(rc.file.location, key)}": ${err.message}`);
    throw err;
  }
  if (matrix.rows * matrix.cols * 4 <= MAX_CACHED_TENSOR_BYTES) cache.tensor = { key, etag, matrix };
  return matrix;
}

/** rows × cols float32 values as little-endian bytes, whatever the host's byte order. */
export function float32LE(m: Matrix, rows: number): Buffer {
  const n = rows * m.cols;
  const out = Buffer.allocUnsafe(n * 4);
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] === 1) {
    out.set(new Uint8Array(m.data.buffer, m.data.byteOffset, n * 4));
  } else {
    for (let i = 0; i < n; i++) out.writeFloatLE(m.data[i], i * 4);
  }
  return out;
}

export function registerProjectorRoutes(route: RouteFn): void {
  route('GET', 'plugin/projector/runs', async (v, _q, req, reply) => sendJson(req, reply, [...(await projectorRuns(v)).keys()]));

  route('GET', 'plugin/projector/info', async (v, q, req, reply) => {
    const rc = await runConfig(v, q);
    const json = projectorConfigJson(rc.config);
    const embeddings = (json.embeddings ?? []) as Record<string, unknown>[];
    for (let i = 0; i < rc.config.embeddings.length; i++) {
      const shape = await tensorShape(v, rc, rc.config.embeddings[i]);
      if (shape.length && !embeddings[i].tensorShape) {
        // tensorShape sits before sprite and tensorPath in field order.
        const { sprite, tensorPath, ...head } = embeddings[i];
        embeddings[i] = { ...head, tensorShape: shape, ...(sprite ? { sprite } : {}), ...(tensorPath ? { tensorPath } : {}) };
      }
    }
    if (embeddings.length) json.embeddings = embeddings;
    return sendJson(req, reply, json);
  });

  route('GET', 'plugin/projector/tensor', async (v, q, _req, reply) => {
    const rc = await runConfig(v, q);
    const name = need(q, 'name');
    const rows = numRows(q);
    const m = await loadTensor(v, rc, name);
    return reply
      .header('content-type', 'application/octet-stream')
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .send(float32LE(m, Math.min(m.rows, rows ?? m.rows)));
  });

  route('GET', 'plugin/projector/metadata', async (v, q, req, reply) => {
    const rc = await runConfig(v, q);
    const name = need(q, 'name');
    const rows = numRows(q);
    const e = embeddingOf(rc, name);
    if (!e?.metadataPath) throw refuse(`No metadata file found for tensor "${name}" in the config file of run "${rc.file.run}"`);
    const key = resolveAssetKey(rc.file, e.metadataPath);
    const { bytes, etag } = await readWhole(rc.file.location, key, LIMITS.projectorFileBytes);
    return sendCached(req, reply, v, `projector/metadata\0${key}\0${etag}\0${rows ?? ''}`, () => {
      try {
        return metadataBody(decodeUtf8(bytes, `"${shown(rc.file.location, key)}"`), rows);
      } catch (err) {
        if (err instanceof TsvError) throw refuse(err.message);
        throw err;
      }
    }, 'text/plain; charset=utf-8');
  });

  route('GET', 'plugin/projector/sprite_image', async (v, q, _req, reply) => {
    const rc = await runConfig(v, q);
    const name = need(q, 'name');
    const e = embeddingOf(rc, name);
    if (!e?.sprite?.imagePath) throw refuse(`No sprite image file found for tensor "${name}" in the config file of run "${rc.file.run}"`);
    const key = resolveAssetKey(rc.file, e.sprite.imagePath);
    const { bytes } = await readWhole(rc.file.location, key, Math.min(LIMITS.projectorFileBytes, LIMITS.blobBytes));
    return sendLogBlob(reply, imageContentType(bytes), bytes);
  });

  route('GET', 'plugin/projector/bookmarks', async (v, q, _req, reply) => {
    const rc = await runConfig(v, q);
    const name = need(q, 'name');
    const e = embeddingOf(rc, name);
    if (!e?.bookmarksPath) throw refuse(`No bookmarks file found for tensor "${name}" in the config file of run "${rc.file.run}"`);
    const key = resolveAssetKey(rc.file, e.bookmarksPath);
    const { bytes } = await readWhole(rc.file.location, key, Math.min(LIMITS.projectorFileBytes, LIMITS.responseBytes));
    // TensorBoard sends the file as it is; it is sent here only when it is JSON, so the type is true.
    try {
      JSON.parse(decodeUtf8(bytes, 'bookmarks file'));
    } catch {
      throw refuse(`"${shown(rc.file.location, key)}" is not JSON`);
    }
    return reply.header('content-type', 'application/json; charset=utf-8').header('cache-control', 'no-cache').send(bytes);
  });
}
