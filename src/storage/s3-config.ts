// Where each bucket's S3 client points and how it signs. Precedence, most specific first: the
// bucket's entry in the VIZJOBS_S3_CONFIG file, that file's `default` entry, VIZJOBS_S3_ENDPOINT,
// then the SDK's own chain (AWS_* variables, ~/.aws files) for anything still unset. The file is
// validated field by field so a typo fails with its path, never as a request error. Example:
//   {"default": {"region": "cn-north-4"},
//    "buckets": {"team-logs": {"endpoint": "https://obs.cn-north-4.myhuaweicloud.com",
//                              "forcePathStyle": false, "profile": "obs"},
//                "minio-logs": {"endpoint": "http://10.0.0.5:9000", "accessKeyId": "…", "secretAccessKey": "…",
//                               "listConcurrency": 8}}}
import { readFileSync } from 'node:fs';
import { ConfigError } from '../config.js';

/** Connection settings for one bucket; every field optional, unset ones fall back as above. */
export interface S3BucketSettings {
  /** e.g. `http://127.0.0.1:9000` (MinIO) or `https://obs.cn-north-4.myhuaweicloud.com`. */
  endpoint?: string;
  region?: string;
  /** `/bucket/key` URLs instead of `bucket.host/key`; defaults to true when an endpoint is set. */
  forcePathStyle?: boolean;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  /** A profile of ~/.aws/credentials and ~/.aws/config to take credentials and region from. */
  profile?: string;
  /**
   * Ranges of a long listing fetched at once (1–64; see listConcurrencyFor for the default).
   * Not a client setting: clients are shared whatever it is.
   */
  listConcurrency?: number;
}

/** Ranges a long listing is split into on stores known to serve many listings at once. */
export const PARALLEL_LIST_RANGES = 16;

/**
 * How many ranges of a long listing are fetched at once. AWS S3 and Huawei OBS answer each
 * ListObjectsV2 page after a round trip and serve many at once, so a sweep's listing is split at
 * its folders (16 ranges: 100,000 runs in ~7 round trips instead of 100). Any other endpoint (MinIO
 * on one machine, s3rver) lists page after page unless its settings say otherwise: against
 * s3rver, one thread that walks its directory tree for every request, 16 ranges listed 10,000
 * keys in 4.8 s against 1.0 s page after page (docs/performance.md).
 */
export function listConcurrencyFor(settings: S3BucketSettings): number {
  if (settings.listConcurrency !== undefined) return settings.listConcurrency;
  if (!settings.endpoint) return PARALLEL_LIST_RANGES; // AWS S3 itself
  const host = new URL(settings.endpoint).hostname.toLowerCase();
  return /(^|\.)(amazonaws\.com|myhuaweicloud\.com)$/.test(host) ? PARALLEL_LIST_RANGES : 1;
}

export interface S3SettingsFile {
  default?: S3BucketSettings;
  buckets?: Record<string, S3BucketSettings>;
}

const STRING_FIELDS = ['endpoint', 'region', 'accessKeyId', 'secretAccessKey', 'sessionToken', 'profile'] as const;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkSettings(where: string, raw: unknown): S3BucketSettings {
  if (!isRecord(raw)) throw new ConfigError(`${where} must be an object`);
  const out: S3BucketSettings = {};
  for (const [k, v] of Object.entries(raw)) {
    if ((STRING_FIELDS as readonly string[]).includes(k)) {
      if (typeof v !== 'string' || v === '') throw new ConfigError(`${where}.${k} must be a non-empty string`);
      out[k as (typeof STRING_FIELDS)[number]] = v;
    } else if (k === 'forcePathStyle') {
      if (typeof v !== 'boolean') throw new ConfigError(`${where}.forcePathStyle must be true or false`);
      out.forcePathStyle = v;
    } else if (k === 'listConcurrency') {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 64) throw new ConfigError(`${where}.listConcurrency must be an integer from 1 to 64`);
      out.listConcurrency = v;
    } else {
      throw new ConfigError(`${where}.${k} is not a known setting (${[...STRING_FIELDS, 'forcePathStyle', 'listConcurrency'].join(', ')})`);
    }
  }
  if (out.endpoint !== undefined) checkEndpoint(`${where}.endpoint`, out.endpoint);
  if ((out.accessKeyId === undefined) !== (out.secretAccessKey === undefined)) {
    throw new ConfigError(`${where} needs both accessKeyId and secretAccessKey, or neither`);
  }
  return out;
}

export function checkEndpoint(where: string, endpoint: string): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new ConfigError(`${where} must be an http(s) URL, got ${JSON.stringify(endpoint)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${where} must be an http(s) URL, got ${JSON.stringify(endpoint)}`);
  }
}

/** Validates a parsed settings file (its `path` only names it in messages). */
export function parseS3SettingsFile(raw: unknown, path: string): S3SettingsFile {
  if (!isRecord(raw)) throw new ConfigError(`${path} must hold a JSON object`);
  const out: S3SettingsFile = {};
  for (const [k, v] of Object.entries(raw)) {
    if (k === 'default') out.default = checkSettings(`${path}: default`, v);
    else if (k === 'buckets') {
      if (!isRecord(v)) throw new ConfigError(`${path}: buckets must be an object of bucket name to settings`);
      out.buckets = {};
      for (const [bucket, s] of Object.entries(v)) out.buckets[bucket] = checkSettings(`${path}: buckets.${bucket}`, s);
    } else throw new ConfigError(`${path}: unknown key ${JSON.stringify(k)} (expected default, buckets)`);
  }
  return out;
}

/** Reads and validates the settings file; an empty path means no file. */
export function loadS3SettingsFile(path: string): S3SettingsFile {
  if (!path) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read S3 settings file ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`S3 settings file ${path} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  return parseS3SettingsFile(raw, path);
}

/** The settings one bucket's client uses, after the precedence above. */
export function bucketSettings(file: S3SettingsFile, envEndpoint: string, bucket: string): S3BucketSettings {
  const merged: S3BucketSettings = { ...(envEndpoint ? { endpoint: envEndpoint } : {}) };
  for (const layer of [file.default, file.buckets?.[bucket]]) {
    if (!layer) continue;
    for (const [k, v] of Object.entries(layer)) if (v !== undefined) (merged as Record<string, unknown>)[k] = v;
  }
  return merged;
}
