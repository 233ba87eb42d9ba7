// Tokens → projects (API.md §3). Tokens come from VIZJOBS_TOKENS (`token=proj[|proj…][@expiry]`,
// comma-separated), VIZJOBS_ADMIN_TOKEN, or, when neither is configured, an admin token generated
// on first start, valid for every project: kept at <dataDir>/admin-token (0600, fixed to 0600 with
// a warning if found looser) for one process, or in the shared database for a fleet (app.ts). Tokens are compared as SHA-256 digests with timingSafeEqual against every entry,
// so timing reveals nothing about any token.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir, fixPrivateFile, warnToStderr, type Warn } from '../private-files.js';
import { AuthFailureLimiter } from './auth-limit.js';
import { ApiError } from './errors.js';

export interface TokenEntry {
  digest: Buffer;
  /** Projects this token may act on; '*' for the admin token. */
  projects: ReadonlySet<string> | '*';
  /** Epoch ms after which the token is refused with ModelArts.0202; undefined = never. */
  expiresAt?: number;
}

export class TokenConfigError extends Error {}

export const PROJECT_ID = /^[A-Za-z0-9_-]{1,64}$/;

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * Parses VIZJOBS_TOKENS. The expiry suffix is ours (ModelArts tokens expire; a static list needs a
 * way to say so): `tok=projA|projB@2026-12-31T00:00:00Z`.
 */
export function parseTokens(spec: string): TokenEntry[] {
  const out: TokenEntry[] = [];
  for (const raw of spec.split(',')) {
    const item = raw.trim();
    if (!item) continue;
    const eq = item.indexOf('=');
    if (eq <= 0) throw new TokenConfigError(`VIZJOBS_TOKENS entry must be token=project[|project…][@expiry]`);
    const token = item.slice(0, eq);
    let rest = item.slice(eq + 1);
    let expiresAt: number | undefined;
    const at = rest.lastIndexOf('@');
    if (at >= 0) {
      expiresAt = Date.parse(rest.slice(at + 1));
      if (!Number.isFinite(expiresAt)) throw new TokenConfigError(`VIZJOBS_TOKENS: bad expiry ${JSON.stringify(rest.slice(at + 1))}`);
      rest = rest.slice(0, at);
    }
    const projects = rest.split('|').filter((p) => p !== '');
    if (projects.length === 0) throw new TokenConfigError('VIZJOBS_TOKENS: a token must name at least one project');
    for (const p of projects) {
      if (!PROJECT_ID.test(p)) throw new TokenConfigError(`VIZJOBS_TOKENS: bad project id ${JSON.stringify(p)}`);
    }
    out.push({ digest: digest(token), projects: new Set(projects), expiresAt });
  }
  return out;
}

/**
 * Reads the admin token, creating it (0600, in a data dir created 0700) on first start; an existing
 * file readable by others is warned about and made 0600. Returns the token and whether it is new.
 */
export function ensureAdminToken(dataDir: string, warn: Warn = warnToStderr): { token: string; created: boolean; path: string } {
  const path = join(dataDir, 'admin-token');
  try {
    const token = readFileSync(path, 'utf8').trim();
    fixPrivateFile(path, warn);
    if (token) return { token, created: false, path };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  ensurePrivateDir(dataDir);
  const token = randomBytes(24).toString('base64url');
  writeFileSync(path, token + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
  return { token, created: true, path };
}

export class Authorizer {
  constructor(private readonly entries: readonly TokenEntry[], private readonly now: () => number = Date.now) {}

  static fromSpec(spec: string, adminToken?: string): Authorizer {
    const entries = parseTokens(spec);
    if (adminToken) entries.push({ digest: digest(adminToken), projects: '*' });
    return new Authorizer(entries);
  }

  /** The token's entry, or the reason it is refused. Always compares against every entry. */
  private find(token: string): TokenEntry | undefined {
    const d = digest(token);
    let found: TokenEntry | undefined;
    for (const e of this.entries) {
      if (timingSafeEqual(d, e.digest) && !found) found = e;
    }
    return found;
  }

  /** Whether `token` is an admin token (valid for every project) and not expired. */
  isAdmin(token: string | undefined): boolean {
    if (!token) return false;
    const entry = this.find(token);
    return entry !== undefined && entry.projects === '*' && (entry.expiresAt === undefined || this.now() < entry.expiresAt);
  }

  /**
   * Checks a token for a project: undefined when allowed, else the ApiError to answer with
   * (0201 no token, 0203 unknown, 0202 expired, 0104 malformed project id, 0210 other project).
   */
  authorize(token: string | undefined, projectId: string): ApiError | undefined {
    if (token === undefined || token === '') return new ApiError('noToken');
    const entry = this.find(token);
    if (!entry) return new ApiError('badToken');
    if (entry.expiresAt !== undefined && this.now() >= entry.expiresAt) return new ApiError('expiredToken');
    if (!PROJECT_ID.test(projectId)) {
      return new ApiError('badParameter', 'Invalid parameter project_id: must be 1-64 of [A-Za-z0-9_-]');
    }
    if (entry.projects !== '*' && !entry.projects.has(projectId)) return new ApiError('wrongProject');
    return undefined;
  }
}

/** Header value as one string (a repeated header counts as malformed: no token matches it). */
export function tokenFromHeader(value: string | string[] | undefined): string | undefined {
  if (Array.isArray(value)) return value.join(',');
  return value;
}

/** `path`: where the token is kept (a file, the shared database, or the variable that gave it). */
export type AdminToken = ReturnType<typeof ensureAdminToken>;

/** Who may call: the configured tokens, else the admin token (read, or created on first start). */
export interface ConfiguredAuth {
  authorizer: Authorizer;
  /** Set when no tokens were configured. */
  adminToken?: AdminToken;
  /** Failed checks per client address, counted together for the API and the viewer. */
  limiter: AuthFailureLimiter;
}

/**
 * The one rule the API and the viewer share: VIZJOBS_TOKENS, plus the admin token — VIZJOBS_ADMIN_TOKEN
 * when given, else (only when no tokens are configured) `generated` (a fleet's, from its shared
 * database) or the data dir's admin-token file (one process on SQLite).
 */
export function configuredAuth(
  config: { tokens: string; dataDir: string; adminToken?: string },
  warn: Warn = warnToStderr,
  generated?: AdminToken,
): ConfiguredAuth {
  let admin: AdminToken | undefined;
  if (config.adminToken) admin = { token: config.adminToken, created: false, path: 'VIZJOBS_ADMIN_TOKEN' };
  else if (config.tokens.trim() === '') admin = generated ?? ensureAdminToken(config.dataDir, warn);
  return { authorizer: Authorizer.fromSpec(config.tokens, admin?.token), adminToken: admin, limiter: new AuthFailureLimiter() };
}
