// PostgreSQL JobStore (pg), safe for several replicas sharing one database:
// - every compare-and-set is one conditional UPDATE … WHERE status = ANY(from) RETURNING; only when
//   it misses does a short transaction lock the row (SELECT … FOR UPDATE) to learn the status that
//   refused it, retrying the update if the job had meanwhile moved into an allowed status — so a
//   refusal always names a status the operation may really not leave;
// - admission to RUNNING (admitHead) checks a count and the queue's head over the project's rows,
//   which row locks cannot protect (a phantom: two replicas each add one RUNNING row). A
//   transaction-scoped advisory lock per (schema, project) serialises exactly that check; it is
//   released at commit or when a replica dies, and other projects never wait on it. Only the head
//   of the project's queue may be admitted, so a replica whose view of free slots is stale can
//   never hand a slot to a later job while an earlier one waits: FIFO and the quota hold across
//   replicas. (SKIP LOCKED would spread queue work among replicas, which the idempotent
//   reconciler does not need, and would not stop the count from being exceeded.)
// - creation under the job limit is one statement on a per-project counter row (project_jobs),
//   whose row lock serialises concurrent creates; finishDelete decrements it in the same statement.
// - migrations run under a session advisory lock, so replicas starting together migrate once.
// The pool connects lazily and migrates before the first query; ready() lets a caller fail fast.
import pg from 'pg';
import { parseConditions, type JobCondition } from '../domain/conditions.js';
import { FAILABLE, QUEUED, RECONCILE_PENDING, Status } from '../domain/status.js';
import { POSTGRES_MIGRATIONS } from './postgres-migrations.js';
import { JobCache } from './job-cache.js';
import { StoreUnavailableError, type CasResult, type CreateResult, type JobRecord, type JobStore, type ListQuery, type NewJob, type SharedSecrets } from './store.js';

const COLUMNS = [
  'job_id', 'project_id', 'job_name', 'job_desc', 'job_type', 'status', 'desired', 'stop_target', 'create_time', 'train_url',
  'resource_id', 'schedule_json', 'schedule_ms', 'deadline', 'duration_ms', 'running_since', 'queue_pos', 'workspace_id',
  'flavor_json', 'failure_reason', 'conditions_json',
] as const;
const COLS = COLUMNS.join(', ');
const SELECT = `SELECT ${COLS} FROM jobs`;
type Row = unknown[];

function toRecord(r: Row, at = 0): JobRecord {
  return {
    jobId: r[at] as number,
    projectId: r[at + 1] as string,
    jobName: r[at + 2] as string,
    jobDesc: r[at + 3] as string,
    jobType: r[at + 4] as JobRecord['jobType'],
    status: r[at + 5] as number,
    desired: r[at + 6] as JobRecord['desired'],
    stopTarget: r[at + 7] as number,
    createTime: r[at + 8] as number,
    trainUrl: r[at + 9] as string,
    resourceId: r[at + 10] as string,
    scheduleJson: r[at + 11] as string | null,
    scheduleMs: r[at + 12] as number,
    deadline: r[at + 13] as number | null,
    durationMs: r[at + 14] as number,
    runningSince: r[at + 15] as number | null,
    queuePos: r[at + 16] as number,
    workspaceId: r[at + 17] as string,
    flavorJson: r[at + 18] as string | null,
    failureReason: r[at + 19] as string | null,
    conditions: parseConditions(r[at + 20] as string | null),
  };
}

// BIGINT (and COUNT(*)) arrive as strings by default; every such value here is an id, a count or
// epoch milliseconds, all far below 2^53. Set per pool, not on pg's global parser table.
const INT8_OID = 20;
const TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

const SORT_COLUMNS = {
  job_id: 'job_id',
  // Byte order, as SQLite's BINARY collation sorts: the listing must not depend on the backend.
  job_name: 'job_name COLLATE "C"',
  job_desc: 'job_desc COLLATE "C"',
  create_time: 'create_time',
  status: 'status',
} as const;

/** Escapes LIKE's wildcards so the user's text is matched literally (backslash is the default escape). */
export function likeSubstring(s: string): string {
  return `%${s.replace(/[\\%_]/g, '\\$&')}%`;
}

// Status sets (domain/status.ts) travel as bound int[] parameters (`= ANY($n::int[])`), never as
// SQL text, so the statements name no set and are prepared once.
const intSet = (xs: readonly number[]): number[] => xs.map((x) => Math.trunc(x));
const PENDING_SET = intSet(RECONCILE_PENDING);
const QUEUED_SET = intSet(QUEUED);
const FAILABLE_SET = intSet(FAILABLE);

// Advisory lock keys: (schema, purpose) so stores in different schemas of one database never wait
// on each other.
const LOCK_SCHEMA = `hashtext(coalesce(current_schema(), ''))`;
/** 1|7 → 8: $1 job id, $2 now; the caller appends the status guard (and any admission guard). */
const ADMIT_UPDATE = `UPDATE jobs SET status = ${Status.RUNNING}, running_since = $2::bigint,
    deadline = CASE WHEN schedule_ms > 0 THEN $2::bigint + schedule_ms ELSE NULL END
  WHERE job_id = $1 AND desired = 'running'`;
const CLOSE_RUN = (now: string) =>
  `duration_ms = duration_ms + CASE WHEN running_since IS NULL THEN 0 ELSE GREATEST(0, ${now} - running_since) END, running_since = NULL`;

// Errors that say the server cannot be reached or is going away, not that a statement is wrong:
// Node's socket errors, SQLSTATE classes 08 (connection exception) and 57P (operator intervention:
// shutdown, crash, cannot connect now), 53300 (too many connections), and pg's own wordings for a
// lost or timed-out connection.
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', '53300']);
const UNAVAILABLE_MESSAGE = /Connection terminated|timeout exceeded when trying to connect|Query read timeout|connection error|Connection refused|the database system is (starting up|shutting down)/i;

/** Whether `err` (or one of its causes) says the server is unreachable rather than the statement wrong. */
export function isUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof StoreUnavailableError) return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08') || code.startsWith('57P'))) return true;
    if (UNAVAILABLE_MESSAGE.test(e.message)) return true;
    if (e instanceof AggregateError && e.errors.some(isUnavailable)) return true;
  }
  return false;
}

export interface PostgresStoreOptions {
  /**
   * Per-project running quota, enforced atomically when a job is admitted to RUNNING so that
   * replicas reconciling the same database never exceed it together. Default: not enforced here.
   */
  runningQuota?: number;
  /** Pool size (default 10). */
  maxConnections?: number;
  /** Called with errors of idle pooled connections (e.g. the server restarted); default: ignored. */
  onIdleError?: (err: Error) => void;
  /**
   * Serve get() from a cache kept true by the database's change notifications (job-cache.ts):
   * details and viewer requests then cost no round trip. Default true.
   */
  cacheReads?: boolean;
}

// Every statement text gets a name, so each pooled connection parses and plans it once (PostgreSQL
// prepared statements): re-planning the 13-parameter insert on every create cost more than running it.
const statementNames = new Map<string, string>();
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = `vizjobs_${statementNames.size}`;
    statementNames.set(text, name);
  }
  return name;
}
function named(text: string, values: unknown[]): pg.QueryConfig {
  return { name: statementName(text), text, values };
}
/** Rows as arrays in column order: cheaper than a 20-key object per row on 1,000-job pages. */
function namedArray(text: string, values: unknown[]): pg.QueryArrayConfig {
  return { name: statementName(text), text, values, rowMode: 'array' };
}

export class PostgresJobStore implements JobStore, SharedSecrets {
  private readonly pool: pg.Pool;
  private readonly quota: number | undefined;
  private migrated: Promise<void> | undefined;
  private closed = false;
  private readonly cache: JobCache | undefined;

  constructor(
    private readonly url: string,
    opts: PostgresStoreOptions = {},
  ) {
    // Timeouts so an unreachable server fails requests (503) instead of holding them: a connect
    // gives up after 3 s, a statement after 15 s; keep-alive notices a peer that vanished.
    this.pool = new pg.Pool({
      connectionString: url,
      max: opts.maxConnections ?? 10,
      types: TYPES,
      connectionTimeoutMillis: 3_000,
      query_timeout: 15_000,
      keepAlive: true,
    });
    // An idle client's error (server restart, network) must not crash the process: the pool drops
    // that client and the next query opens a new one.
    this.pool.on('error', (err) => opts.onIdleError?.(err));
    this.quota = opts.runningQuota !== undefined && Number.isFinite(opts.runningQuota) ? Math.trunc(opts.runningQuota) : undefined;
    // Listening starts once the schema (and its trigger) exist: after the first migration that succeeds.
    this.cache = (opts.cacheReads ?? true) ? new JobCache(url) : undefined;
    void this.ready().catch(() => {});
  }

  private cacheStarted = false;

  /** Whether get() is being served from the notified cache (tests). */
  get cacheActive(): boolean {
    return this.cache?.active ?? false;
  }

  /** Connects and applies migrations (once; retried on the next call after a failure). */
  ready(): Promise<void> {
    this.migrated ??= this.migrate().then(() => {
      if (this.cache && !this.cacheStarted && !this.closed) {
        this.cacheStarted = true;
        this.cache.start();
      }
    }).catch((err: unknown) => {
      this.migrated = undefined;
      throw this.describe(err);
    });
    return this.migrated;
  }

  /** Where the server is, for messages (never the URL itself: it may hold a password). */
  private where(): string {
    try {
      const u = new URL(this.url);
      return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
    } catch {
      return 'the configured server';
    }
  }

  /** Connection-level failures become StoreUnavailableError (503, backoff); others pass unchanged. */
  private classify(err: unknown): unknown {
    if (err instanceof StoreUnavailableError || !isUnavailable(err)) return err;
    const msg = err instanceof Error ? err.message : String(err);
    return new StoreUnavailableError(`VIZJOBS_DB: PostgreSQL at ${this.where()} unavailable: ${msg}`, { cause: err });
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw this.classify(err);
    }
  }

  private describe(err: unknown): Error {
    if (isUnavailable(err)) return this.classify(err) as Error;
    const msg = err instanceof Error ? err.message : String(err);
    return new Error(`VIZJOBS_DB: PostgreSQL at ${this.where()}: ${msg}`, { cause: err });
  }

  private async migrate(): Promise<void> {
    const c = await this.pool.connect();
    let broken: Error | undefined;
    try {
      const schema = (await c.query<{ s: string | null }>('SELECT current_schema() AS s')).rows[0]?.s;
      if (!schema) throw new Error('no schema to create tables in: the search_path names no existing schema');
      await c.query(`SELECT pg_advisory_lock(${LOCK_SCHEMA}, hashtext('vizjobs.migrate'))`);
      try {
        await c.query('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
        const current = (await c.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_version')).rows[0]?.v ?? 0;
        for (const m of POSTGRES_MIGRATIONS) {
          if (m.version <= current) continue;
          await c.query('BEGIN');
          try {
            await c.query(m.sql);
            await c.query('INSERT INTO schema_version (version) VALUES ($1)', [m.version]);
            await c.query('COMMIT');
          } catch (err) {
            await c.query('ROLLBACK');
            throw err;
          }
        }
      } finally {
        await c.query(`SELECT pg_advisory_unlock(${LOCK_SCHEMA}, hashtext('vizjobs.migrate'))`);
      }
    } catch (err) {
      broken = err instanceof Error ? err : new Error(String(err));
      throw err;
    } finally {
      // A client whose unlock may not have run is destroyed rather than pooled (that ends its session lock).
      c.release(broken);
    }
  }

  private async q(text: string, values: unknown[] = []): Promise<Row[]> {
    await this.ready();
    return this.guard(async () => (await this.pool.query<Row>(namedArray(text, values))).rows);
  }

  /** A write; one naming a job first ($1 = job id) drops that job from the read cache once it is done. */
  private async exec(text: string, values: unknown[]): Promise<number> {
    await this.ready();
    try {
      return await this.guard(async () => (await this.pool.query(named(text, values))).rowCount ?? 0);
    } finally {
      if (typeof values[0] === 'number') this.cache?.invalidate(values[0]);
    }
  }

  /** Runs fn in one transaction on one pooled connection. */
  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    await this.ready();
    return this.guard(() => this.txOn(fn));
  }

  private async txOn<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      try {
        await c.query('ROLLBACK');
      } catch (e) {
        broken = e instanceof Error ? e : new Error(String(e));
      }
      throw err;
    } finally {
      c.release(broken);
    }
  }

  async check(): Promise<void> {
    try {
      await this.ready();
    } catch (err) {
      if (err instanceof StoreUnavailableError) throw err;
      throw new StoreUnavailableError(`migrations not applied: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    await this.q('SELECT 1');
  }

  async statusCounts(): Promise<Map<number, number>> {
    const rows = await this.q('SELECT status, COUNT(*) FROM jobs GROUP BY status');
    return new Map(rows.map((r) => [r[0] as number, r[1] as number]));
  }

  /** Applied schema version (tests and diagnostics). */
  async schemaVersion(): Promise<number> {
    const rows = await this.q('SELECT MAX(version) FROM schema_version');
    return (rows[0]?.[0] as number | null) ?? 0;
  }

  async create(job: NewJob, jobLimit: number): Promise<CreateResult> {
    // ON CONFLICT DO UPDATE locks the project's counter row and checks the limit against its latest
    // committed value, so concurrent creates (any replica) cannot both take the last slot; the job
    // row is inserted only when a slot was taken, in the same statement (one transaction).
    const rows = await this.q(
      `WITH slot AS (
         INSERT INTO project_jobs AS pj (project_id, jobs) SELECT $1, 1 WHERE $12::bigint > 0
         ON CONFLICT (project_id) DO UPDATE SET jobs = pj.jobs + 1 WHERE pj.jobs < $12::bigint
         RETURNING 1)
       INSERT INTO jobs (project_id, job_name, job_desc, job_type, status, desired, create_time, train_url, resource_id,
         schedule_json, schedule_ms, workspace_id, flavor_json)
       SELECT $1, $2, $3, $4, ${Status.INIT}, 'running', $5, $6, $7, $8, $9, $10, $11 FROM slot
       RETURNING ${COLS}`,
      [job.projectId, job.jobName, job.jobDesc, job.jobType, job.createTime, job.trainUrl, job.resourceId,
        job.scheduleJson, job.scheduleMs, job.workspaceId, job.flavorJson, jobLimit],
    );
    return rows[0] ? { ok: true, job: toRecord(rows[0]) } : { ok: false, reason: 'limit', limit: jobLimit };
  }

  async get(jobId: number): Promise<JobRecord | undefined> {
    const cached = this.cache?.get(jobId);
    if (cached) return cached;
    const mark = this.cache?.mark() ?? 0;
    const rows = await this.q(`${SELECT} WHERE job_id = $1`, [jobId]);
    const job = rows[0] ? toRecord(rows[0]) : undefined;
    if (job) this.cache?.put(job, mark);
    return job;
  }

  async list(q: ListQuery): Promise<{ total: number; jobs: JobRecord[] }> {
    const values: unknown[] = [q.projectId];
    const where = ['project_id = $1'];
    if (q.statuses && q.statuses.length) {
      values.push(q.statuses.map((s) => Math.trunc(s)));
      where.push(`status = ANY($${values.length}::int[])`);
    }
    if (q.search) {
      values.push(likeSubstring(q.search));
      where.push(`job_name ILIKE $${values.length}`);
    }
    const w = where.join(' AND ');
    const dir = q.order === 'desc' ? 'DESC' : 'ASC';
    const col = SORT_COLUMNS[q.sortBy];
    const outerCol = col.replace(/^(\w+)/, 'p.$1');
    values.push(q.limit, q.offset);
    const lim = values.length - 1;
    // One statement, one snapshot: the total and the page always agree (SQLite's transaction).
    // The LEFT JOIN still yields the total when the page is empty.
    const rows = await this.q(
      `SELECT t.total, p.* FROM (SELECT COUNT(*) AS total FROM jobs WHERE ${w}) t
       LEFT JOIN (SELECT ${COLS} FROM jobs WHERE ${w} ORDER BY ${col} ${dir}, job_id ${dir} LIMIT $${lim} OFFSET $${lim + 1}) p ON true
       ORDER BY ${outerCol} ${dir}, p.job_id ${dir}`,
      values,
    );
    const total = (rows[0]?.[0] as number | undefined) ?? 0;
    const jobs = rows.filter((r) => r[1] !== null).map((r) => toRecord(r, 1));
    return { total, jobs };
  }

  async countJobs(projectId: string): Promise<number> {
    return ((await this.q('SELECT jobs FROM project_jobs WHERE project_id = $1', [projectId]))[0]?.[0] as number | undefined) ?? 0;
  }

  async updateDesc(projectId: string, jobId: number, desc: string): Promise<boolean> {
    return (await this.exec('UPDATE jobs SET job_desc = $1 WHERE job_id = $2 AND project_id = $3', [desc, jobId, projectId])) === 1;
  }

  /**
   * A compare-and-set: `update` must be an UPDATE … WHERE job_id = $1 AND status = ANY($2) RETURNING.
   * The fast path is that one statement. On a miss, the row is locked to read its current status;
   * if that status is allowed after all (the job moved between the two), the update is applied
   * under the lock, otherwise that status is the refusal.
   */
  private async cas(jobId: number, from: readonly number[], update: string, values: unknown[]): Promise<CasResult> {
    try {
      return await this.casOnce(jobId, from, update, values);
    } finally {
      this.cache?.invalidate(jobId);
    }
  }

  private async casOnce(jobId: number, from: readonly number[], update: string, values: unknown[]): Promise<CasResult> {
    const params = [jobId, from.map((s) => Math.trunc(s)), ...values];
    const rows = await this.q(update, params);
    if (rows[0]) return { ok: true, job: toRecord(rows[0]) };
    return this.tx(async (c): Promise<CasResult> => {
      const cur = await c.query<Row>(namedArray('SELECT status FROM jobs WHERE job_id = $1 FOR UPDATE', [jobId]));
      const status = cur.rows[0]?.[0] as number | undefined;
      if (status === undefined || !from.includes(status)) return { ok: false, status };
      const again = await c.query<Row>(namedArray(update, params));
      return again.rows[0] ? { ok: true, job: toRecord(again.rows[0]) } : { ok: false, status };
    });
  }

  async beginKill(jobId: number, from: readonly number[], desired: 'stopped' | 'deleted', stopTarget: number, now: number): Promise<CasResult> {
    return this.cas(
      jobId,
      from,
      `UPDATE jobs SET status = ${Status.KILLING}, desired = $3, stop_target = $4, deadline = NULL, ${CLOSE_RUN('$5::bigint')}
       WHERE job_id = $1 AND status = ANY($2::int[]) RETURNING ${COLS}`,
      [desired, stopTarget, now],
    );
  }

  async beginRestart(jobId: number, from: readonly number[]): Promise<CasResult> {
    return this.cas(
      jobId,
      from,
      `UPDATE jobs SET status = ${Status.INIT}, desired = 'running', queue_pos = nextval('queue_seq'), failure_reason = NULL,
         conditions_json = NULL, deadline = NULL, running_since = NULL, stop_target = ${Status.KILLED}
       WHERE job_id = $1 AND status = ANY($2::int[]) RETURNING ${COLS}`,
      [],
    );
  }

  async pending(now: number): Promise<JobRecord[]> {
    const rows = await this.q(
      `${SELECT} WHERE status = ANY($2::int[])
         OR (status = ${Status.RUNNING} AND deadline IS NOT NULL AND deadline <= $1)
       ORDER BY queue_pos`,
      [now, PENDING_SET],
    );
    return rows.map((r) => toRecord(r));
  }

  async running(): Promise<JobRecord[]> {
    return (await this.q(`${SELECT} WHERE status = ${Status.RUNNING} ORDER BY job_id`)).map((r) => toRecord(r));
  }

  async countRunning(projectId: string): Promise<number> {
    return (await this.q(`SELECT COUNT(*) FROM jobs WHERE project_id = $1 AND status = ${Status.RUNNING}`, [projectId]))[0][0] as number;
  }

  async markRunning(jobId: number, now: number): Promise<boolean> {
    const quota = this.quota;
    if (quota === undefined) return (await this.exec(`${ADMIT_UPDATE} AND status = ANY($3::int[])`, [jobId, now, QUEUED_SET])) === 1;
    return this.admitLocked(jobId, now, quota, false);
  }

  async admitHead(jobId: number, quota: number, now: number): Promise<boolean> {
    return this.admitLocked(jobId, now, quota, true);
  }

  /**
   * 1|7 → 8 under the project's transaction-scoped advisory lock, below `quota`, and (`head`) only
   * for the first job of the project's queue. The lock and the guarded update go as one
   * simple-protocol message: PostgreSQL runs its statements as one implicit transaction (the xact
   * lock is held until it commits, and any error rolls it all back), each statement with a fresh
   * snapshot — so the count and the head check are taken after the lock and see every admission
   * committed before. One round trip instead of four; the simple protocol takes no parameters, so
   * only checked integers are written into the text (the queued set too: generated from
   * domain/status.ts).
   */
  private async admitLocked(jobId: number, now: number, quota: number, head: boolean): Promise<boolean> {
    const int = (n: number): string => {
      if (!Number.isSafeInteger(n)) throw new TypeError(`admission: ${n} is not an integer`);
      return String(n);
    };
    const queued = `ARRAY[${QUEUED_SET.map(int).join(',')}]`;
    const sql = `SELECT pg_advisory_xact_lock(${LOCK_SCHEMA}, hashtext('vizjobs.running:' || project_id)) FROM jobs WHERE job_id = ${int(jobId)};
      ${ADMIT_UPDATE.replaceAll('$1', int(jobId)).replaceAll('$2', int(Math.trunc(now)))} AND status = ANY(${queued})
        AND (SELECT COUNT(*) FROM jobs r WHERE r.project_id = jobs.project_id AND r.status = ${Status.RUNNING}) < ${int(Math.trunc(quota))}
        ${head ? `AND NOT EXISTS (SELECT 1 FROM jobs e WHERE e.project_id = jobs.project_id AND e.status = ANY(${queued}) AND e.queue_pos < jobs.queue_pos)` : ''}`;
    await this.ready();
    try {
      const results = await this.guard(async () => (await this.pool.query(sql)) as unknown as pg.QueryResult[]);
      return results[1]?.rowCount === 1;
    } finally {
      this.cache?.invalidate(jobId);
    }
  }

  async markWaiting(jobId: number): Promise<boolean> {
    return (await this.exec(`UPDATE jobs SET status = ${Status.WAITING} WHERE job_id = $1 AND status = ${Status.INIT} AND desired = 'running'`, [jobId])) === 1;
  }

  async markFailed(jobId: number, reason: string, now: number): Promise<boolean> {
    return (
      (await this.exec(
        `UPDATE jobs SET status = ${Status.FAILED}, failure_reason = $2, deadline = NULL, ${CLOSE_RUN('$3::bigint')}
         WHERE job_id = $1 AND status = ANY($4::int[]) AND desired = 'running'`,
        [jobId, reason, now, FAILABLE_SET],
      )) === 1
    );
  }

  async setConditions(jobId: number, conditions: readonly JobCondition[]): Promise<boolean> {
    const json = conditions.length ? JSON.stringify(conditions) : null;
    return (await this.exec('UPDATE jobs SET conditions_json = $2 WHERE job_id = $1 AND status = ANY($3::int[])', [jobId, json, FAILABLE_SET])) === 1;
  }

  async finishStop(jobId: number): Promise<boolean> {
    return (await this.exec(`UPDATE jobs SET status = stop_target WHERE job_id = $1 AND status = ${Status.KILLING} AND desired = 'stopped'`, [jobId])) === 1;
  }

  async finishDelete(jobId: number): Promise<boolean> {
    return (
      (await this.exec(
        `WITH gone AS (DELETE FROM jobs WHERE job_id = $1 AND status = ${Status.KILLING} AND desired = 'deleted' RETURNING project_id)
         UPDATE project_jobs SET jobs = jobs - 1 FROM gone WHERE project_jobs.project_id = gone.project_id`,
        [jobId],
      )) === 1
    );
  }

  async failDelete(jobId: number, reason: string): Promise<boolean> {
    return (
      (await this.exec(
        `UPDATE jobs SET status = ${Status.DELETE_FAILED}, desired = 'stopped', failure_reason = $2
         WHERE job_id = $1 AND status = ${Status.KILLING} AND desired = 'deleted'`,
        [jobId, reason],
      )) === 1
    );
  }

  async revokeSession(sessionId: string, expiresAt: number, now: number): Promise<void> {
    // One statement: the purge and the insert commit together.
    await this.exec(
      `WITH purged AS (DELETE FROM revoked_sessions WHERE expires_at <= $3::bigint)
       INSERT INTO revoked_sessions (id, expires_at) SELECT $1, $2::bigint WHERE $2::bigint > $3::bigint
       ON CONFLICT (id) DO NOTHING`,
      [sessionId, expiresAt, now],
    );
  }

  async isSessionRevoked(sessionId: string): Promise<boolean> {
    return (await this.q('SELECT 1 FROM revoked_sessions WHERE id = $1', [sessionId])).length > 0;
  }

  async sharedSecret(name: string, candidate: string): Promise<{ value: string; created: boolean }> {
    // Two statements, not one: a concurrent first insert makes ON CONFLICT wait for it, but a
    // SELECT in the same statement would still read the snapshot taken before it committed.
    const inserted = await this.q('INSERT INTO cluster_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING value', [name, candidate]);
    if (inserted[0]) return { value: inserted[0][0] as string, created: true };
    const rows = await this.q('SELECT value FROM cluster_secrets WHERE name = $1', [name]);
    if (!rows[0]) throw new Error(`shared secret ${name}: neither inserted nor found`);
    return { value: rows[0][0] as string, created: false };
  }

  /** Bulk insert for benchmarks and tests: many jobs in one statement, at a given status. */
  async seed(jobs: NewJob[], status: number): Promise<void> {
    await this.exec(
      `WITH added AS (INSERT INTO jobs (project_id, job_name, job_desc, job_type, status, desired, create_time, train_url, resource_id,
         schedule_json, schedule_ms, workspace_id, flavor_json)
       SELECT "projectId", "jobName", "jobDesc", "jobType", $2::int, CASE WHEN $2::int = ${Status.INIT} THEN 'running' ELSE 'stopped' END,
         "createTime", "trainUrl", "resourceId", "scheduleJson", "scheduleMs", "workspaceId", "flavorJson"
       FROM json_to_recordset($1::json) AS x("projectId" text, "jobName" text, "jobDesc" text, "jobType" text, "createTime" bigint,
         "trainUrl" text, "resourceId" text, "scheduleJson" text, "scheduleMs" bigint, "workspaceId" text, "flavorJson" text)
       RETURNING project_id)
       INSERT INTO project_jobs AS pj (project_id, jobs) SELECT project_id, COUNT(*) FROM added GROUP BY project_id
       ON CONFLICT (project_id) DO UPDATE SET jobs = pj.jobs + excluded.jobs`,
      [JSON.stringify(jobs), status],
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.cache?.close();
    await this.migrated?.catch(() => {});
    await this.pool.end();
  }
}
