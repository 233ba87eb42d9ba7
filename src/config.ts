// Configuration of §5: every setting is an environment variable, and `vizjobs serve` has a flag of
// the same name that wins over it. Defaults are the embedded ones, so `npm start` needs nothing.
import { resolve } from 'node:path';

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  /** Root of the local object storage: train_url `/bucket/dir/` reads `<obsRoot>/bucket/dir/`. */
  obsRoot: string;
  /** Base of every service_url; no trailing slash. */
  publicUrl: string;
  /** SQLite file path, or a postgres:// URL. */
  db: string;
  /** `token=project[|project…]`, comma-separated; empty means: generate an admin token. */
  tokens: string;
  runningQuota: number;
  jobLimit: number;
  /** S3/OBS endpoint; when set, `/bucket/dir/` train_urls resolve to S3 instead of the local root. */
  s3Endpoint: string;
  /**
   * Optional JSON file of per-bucket S3 settings (endpoint, region, path style, credentials):
   * `{"default": {...}, "buckets": {"name": {...}}}`; see src/storage/s3-config.ts. '' = none.
   */
  s3Config: string;
  /** A viewed job's data is dropped after this long without a viewer request. */
  viewerIdleMs: number;
  /**
   * What the loaded logs of all viewed jobs may take together, MB (the engine's estimate); one job
   * at most half of it (viewer/memory-budget.ts). 0 (the default): a quarter of V8's heap limit.
   */
  viewerMemoryMb: number;
  /**
   * The admin token given explicitly (valid for every project), the same on every replica; ''
   * = none given (then, with no VIZJOBS_TOKENS, one is generated: a file for SQLite, a row of the
   * shared database for PostgreSQL).
   */
  adminToken: string;
  /** Level of the JSON log on stdout: fatal, error, warn, info, debug, trace or silent. */
  logLevel: LogLevel;
  /** When set (non-zero), /metrics is served without a token on this port only. */
  metricsPort: number;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The settings of §5, with the env variable each one reads. */
export const SETTINGS = {
  host: 'VIZJOBS_HOST',
  port: 'VIZJOBS_PORT',
  dataDir: 'VIZJOBS_DATA_DIR',
  obsRoot: 'VIZJOBS_OBS_ROOT',
  publicUrl: 'VIZJOBS_PUBLIC_URL',
  db: 'VIZJOBS_DB',
  tokens: 'VIZJOBS_TOKENS',
  runningQuota: 'VIZJOBS_RUNNING_QUOTA',
  jobLimit: 'VIZJOBS_JOB_LIMIT',
  s3Endpoint: 'VIZJOBS_S3_ENDPOINT',
  s3Config: 'VIZJOBS_S3_CONFIG',
  viewerIdleMs: 'VIZJOBS_VIEWER_IDLE_MS',
  viewerMemoryMb: 'VIZJOBS_VIEWER_MEMORY_MB',
  adminToken: 'VIZJOBS_ADMIN_TOKEN',
  logLevel: 'VIZJOBS_LOG_LEVEL',
  metricsPort: 'VIZJOBS_METRICS_PORT',
} as const satisfies Record<keyof Config, string>;

export type ConfigInput = Partial<Record<keyof Config, string | number | undefined>>;

export class ConfigError extends Error {}

function int(name: string, raw: string | number | undefined, def: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return def;
  const n = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(raw)}`);
  }
  return n;
}

function s3Endpoint(raw: string): string {
  if (!raw) return '';
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new ConfigError(`${SETTINGS.s3Endpoint} must be an http(s) URL, got ${JSON.stringify(raw)}`);
  }
  return raw.replace(/\/+$/, '');
}

function logLevel(raw: string): LogLevel {
  const l = raw.trim().toLowerCase();
  const found = LOG_LEVELS.find((x) => x === l);
  if (!found) throw new ConfigError(`${SETTINGS.logLevel} must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(raw)}`);
  return found;
}

/** A guessable admin token would open every project: at least 16 characters, no spaces or commas. */
function adminToken(raw: string): string {
  const t = raw.trim();
  if (t === '') return '';
  if (t.length < 16 || t.length > 512 || /[\s,]/.test(t)) {
    // Never echo the value: it is a secret.
    throw new ConfigError(`${SETTINGS.adminToken} must be 16-512 characters without spaces or commas`);
  }
  return t;
}

/** Flags (`overrides`) win over environment variables, which win over the embedded defaults. */
export function loadConfig(overrides: ConfigInput = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const pick = (k: keyof Config): string | number | undefined => {
    const o = overrides[k];
    if (o !== undefined) return o;
    const e = env[SETTINGS[k]];
    return e === undefined || e === '' ? undefined : e;
  };
  const str = (k: keyof Config): string | undefined => {
    const v = pick(k);
    return v === undefined ? undefined : String(v);
  };
  const host = str('host') ?? '127.0.0.1';
  const port = int(SETTINGS.port, pick('port'), 8080, 0, 65535);
  const dataDir = resolve(str('dataDir') ?? './data');
  const obsRoot = resolve(str('obsRoot') ?? resolve(dataDir, 'obs'));
  const db = str('db') ?? resolve(dataDir, 'vizjobs.db');
  const publicUrl = (str('publicUrl') ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/+$/, '');
  return {
    host,
    port,
    dataDir,
    obsRoot,
    publicUrl,
    db: db.startsWith('postgres://') || db.startsWith('postgresql://') ? db : resolve(db),
    tokens: str('tokens') ?? '',
    runningQuota: int(SETTINGS.runningQuota, pick('runningQuota'), 10, 1, 1_000_000),
    jobLimit: int(SETTINGS.jobLimit, pick('jobLimit'), 1000, 1, 10_000_000),
    s3Endpoint: s3Endpoint(str('s3Endpoint') ?? ''),
    s3Config: str('s3Config') ? resolve(str('s3Config') as string) : '',
    viewerIdleMs: int(SETTINGS.viewerIdleMs, pick('viewerIdleMs'), 5 * 60_000, 1_000, 7 * 24 * 3_600_000),
    viewerMemoryMb: int(SETTINGS.viewerMemoryMb, pick('viewerMemoryMb'), 0, 0, 16 << 20),
    adminToken: adminToken(str('adminToken') ?? ''),
    logLevel: logLevel(str('logLevel') ?? 'info'),
    metricsPort: int(SETTINGS.metricsPort, pick('metricsPort'), 0, 0, 65535),
  };
}
