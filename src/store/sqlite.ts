// SQLite JobStore (better-sqlite3, WAL). better-sqlite3 is synchronous, so every method runs to
// completion without interleaving: each compare-and-set is an UPDATE … WHERE status IN (…) whose
// `changes` says whether this call won. Statements are prepared once; the details path is one
// indexed lookup. AUTOINCREMENT keeps job ids unique forever, even after deletes. The database file
// and its -wal/-shm are 0600 (see openPrivately).
import Database from 'better-sqlite3';
import { dirname } from 'node:path';
import { createPrivateFile, ensurePrivateDir, fixPrivateFile, warnToStderr, type Warn } from '../private-files.js';
import { parseConditions, type JobCondition } from '../domain/conditions.js';
import { FAILABLE, QUEUED, RECONCILE_PENDING, Status } from '../domain/status.js';
import { SQLITE_MIGRATIONS } from './migrations.js';
import type { CasResult, CreateResult, JobRecord, JobStore, ListQuery, NewJob } from './store.js';

// Rows are read as arrays (better-sqlite3 `.raw()`) in this fixed column order: building a
// 20-key object per row costs more than the query itself on a 1,000-job page (measured 6.0 ms
// vs 2.7 ms for 1,000 rows).
const COLUMNS = [
  'job_id', 'project_id', 'job_name', 'job_desc', 'job_type', 'status', 'desired', 'stop_target', 'create_time', 'train_url',
  'resource_id', 'schedule_json', 'schedule_ms', 'deadline', 'duration_ms', 'running_since', 'queue_pos', 'workspace_id',
  'flavor_json', 'failure_reason', 'conditions_json',
] as const;
const SELECT = `SELECT ${COLUMNS.join(', ')} FROM jobs`;
type Row = unknown[];

function toRecord(r: Row): JobRecord {
  return {
    jobId: r[0] as number,
    projectId: r[1] as string,
    jobName: r[2] as string,
    jobDesc: r[3] as string,
    jobType: r[4] as JobRecord['jobType'],
    status: r[5] as number,
    desired: r[6] as JobRecord['desired'],
    stopTarget: r[7] as number,
    createTime: r[8] as number,
    trainUrl: r[9] as string,
    resourceId: r[10] as string,
    scheduleJson: r[11] as string | null,
    scheduleMs: r[12] as number,
    deadline: r[13] as number | null,
    durationMs: r[14] as number,
    runningSince: r[15] as number | null,
    queuePos: r[16] as number,
    workspaceId: r[17] as string,
    flavorJson: r[18] as string | null,
    failureReason: r[19] as string | null,
    conditions: parseConditions(r[20] as string | null),
  };
}

const SORT_COLUMNS = {
  job_id: 'job_id',
  job_name: 'job_name',
  job_desc: 'job_desc',
  create_time: 'create_time',
  status: 'status',
} as const;

// Status sets (domain/status.ts) are bound parameters, never SQL text: a JSON array read back
// with json_each, so each statement is prepared once whatever set a caller passes.
const IN_SET = (param: string): string => `IN (SELECT value FROM json_each(@${param}))`;
const setParam = (xs: readonly number[]): string => JSON.stringify(xs.map((x) => Math.trunc(x)));
const PENDING_SET = setParam(RECONCILE_PENDING);
const QUEUED_SET = setParam(QUEUED);
const FAILABLE_SET = setParam(FAILABLE);

export class SqliteJobStore implements JobStore {
  private readonly db: Database.Database;
  private readonly s;

  constructor(path: string, opts: { warn?: Warn } = {}) {
    const files = path === ':memory:' ? [] : [path, `${path}-wal`, `${path}-shm`];
    const warn = opts.warn ?? warnToStderr;
    if (files.length) {
      ensurePrivateDir(dirname(path));
      // Fixed before opening: SQLite creates -wal and -shm with the database file's own mode, so a
      // private database file keeps the files it creates later (lazily, at the first write) private.
      for (const f of files) fixPrivateFile(f, warn);
      createPrivateFile(path);
    }
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    this.migrate();
    // The migration wrote, so -wal and -shm exist now; checked again in case SQLite's build ever
    // stops copying the database file's mode.
    for (const f of files) fixPrivateFile(f, warn);
    const db = this.db;
    // Closing the running interval: add the time since running_since, if any, to duration_ms.
    const closeRun = `duration_ms = duration_ms + CASE WHEN running_since IS NULL THEN 0 ELSE MAX(0, @now - running_since) END, running_since = NULL`;
    this.s = {
      get: db.prepare<[number], Row>(`${SELECT} WHERE job_id = ?`).raw(),
      count: db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM jobs WHERE project_id = ?'),
      countRunning: db.prepare<[string], { n: number }>(`SELECT COUNT(*) AS n FROM jobs WHERE project_id = ? AND status = ${Status.RUNNING}`),
      nextQueue: db.prepare<[], { next: number }>('UPDATE queue_seq SET next = next + 1 WHERE id = 1 RETURNING next - 1 AS next'),
      insert: db.prepare(
        `INSERT INTO jobs (project_id, job_name, job_desc, job_type, status, desired, create_time, train_url, resource_id,
           schedule_json, schedule_ms, queue_pos, workspace_id, flavor_json)
         VALUES (@projectId, @jobName, @jobDesc, @jobType, ${Status.INIT}, 'running', @createTime, @trainUrl, @resourceId,
           @scheduleJson, @scheduleMs, @queuePos, @workspaceId, @flavorJson)`,
      ),
      updateDesc: db.prepare('UPDATE jobs SET job_desc = ? WHERE job_id = ? AND project_id = ?'),
      pending: db.prepare<[{ pending: string; now: number }], Row>(
        `${SELECT} WHERE status ${IN_SET('pending')}
           OR (status = ${Status.RUNNING} AND deadline IS NOT NULL AND deadline <= @now)
         ORDER BY queue_pos`,
      ).raw(),
      running: db.prepare<[], Row>(`${SELECT} WHERE status = ${Status.RUNNING} ORDER BY job_id`).raw(),
      markRunning: db.prepare(
        `UPDATE jobs SET status = ${Status.RUNNING}, running_since = @now,
           deadline = CASE WHEN schedule_ms > 0 THEN @now + schedule_ms ELSE NULL END
         WHERE job_id = @id AND status ${IN_SET('queued')} AND desired = 'running'`,
      ),
      // better-sqlite3 runs it to completion in this one process: the count, the head check and
      // the update cannot interleave with another step.
      admitHead: db.prepare(
        `UPDATE jobs SET status = ${Status.RUNNING}, running_since = @now,
           deadline = CASE WHEN schedule_ms > 0 THEN @now + schedule_ms ELSE NULL END
         WHERE job_id = @id AND status ${IN_SET('queued')} AND desired = 'running'
           AND (SELECT COUNT(*) FROM jobs r WHERE r.project_id = jobs.project_id AND r.status = ${Status.RUNNING}) < @quota
           AND NOT EXISTS (SELECT 1 FROM jobs e WHERE e.project_id = jobs.project_id AND e.status ${IN_SET('queued')}
             AND e.queue_pos < jobs.queue_pos)`,
      ),
      markWaiting: db.prepare(`UPDATE jobs SET status = ${Status.WAITING} WHERE job_id = ? AND status = ${Status.INIT} AND desired = 'running'`),
      markFailed: db.prepare(
        `UPDATE jobs SET status = ${Status.FAILED}, failure_reason = @reason, deadline = NULL, ${closeRun}
         WHERE job_id = @id AND status ${IN_SET('failable')} AND desired = 'running'`,
      ),
      setConditions: db.prepare(`UPDATE jobs SET conditions_json = @json WHERE job_id = @id AND status ${IN_SET('failable')}`),
      beginKill: db.prepare(
        `UPDATE jobs SET status = ${Status.KILLING}, desired = @desired, stop_target = @stopTarget, deadline = NULL, ${closeRun}
         WHERE job_id = @id AND status ${IN_SET('from')}`,
      ),
      beginRestart: db.prepare(
        `UPDATE jobs SET status = ${Status.INIT}, desired = 'running', queue_pos = @queuePos, failure_reason = NULL,
           conditions_json = NULL, deadline = NULL, running_since = NULL, stop_target = ${Status.KILLED}
         WHERE job_id = @id AND status ${IN_SET('from')}`,
      ),
      finishStop: db.prepare(`UPDATE jobs SET status = stop_target WHERE job_id = ? AND status = ${Status.KILLING} AND desired = 'stopped'`),
      finishDelete: db.prepare(`DELETE FROM jobs WHERE job_id = ? AND status = ${Status.KILLING} AND desired = 'deleted'`),
      failDelete: db.prepare(
        `UPDATE jobs SET status = ${Status.DELETE_FAILED}, desired = 'stopped', failure_reason = ?
         WHERE job_id = ? AND status = ${Status.KILLING} AND desired = 'deleted'`,
      ),
      purgeRevoked: db.prepare<[number]>('DELETE FROM revoked_sessions WHERE expires_at <= ?'),
      revoke: db.prepare<[string, number]>('INSERT INTO revoked_sessions (id, expires_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING'),
      isRevoked: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM revoked_sessions WHERE id = ?'),
    };
  }

  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
    const row = this.db.prepare<[], { v: number | null }>('SELECT MAX(version) AS v FROM schema_version').get();
    const current = row?.v ?? 0;
    for (const m of SQLITE_MIGRATIONS) {
      if (m.version <= current) continue;
      this.db.transaction(() => {
        this.db.exec(m.sql);
        this.db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(m.version);
      })();
    }
  }

  async check(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async statusCounts(): Promise<Map<number, number>> {
    const rows = this.db.prepare<[], { status: number; n: number }>('SELECT status, COUNT(*) AS n FROM jobs GROUP BY status').all();
    return new Map(rows.map((r) => [r.status, r.n]));
  }

  /** Applied schema version (for tests and diagnostics). */
  schemaVersion(): number {
    return this.db.prepare<[], { v: number }>('SELECT MAX(version) AS v FROM schema_version').get()?.v ?? 0;
  }

  async create(job: NewJob, jobLimit: number): Promise<CreateResult> {
    return this.db.transaction((): CreateResult => {
      const n = this.s.count.get(job.projectId)?.n ?? 0;
      if (n >= jobLimit) return { ok: false, reason: 'limit', limit: jobLimit };
      const queuePos = this.s.nextQueue.get()?.next ?? 0;
      const info = this.s.insert.run({ ...job, queuePos });
      const row = this.s.get.get(Number(info.lastInsertRowid));
      return { ok: true, job: toRecord(row as Row) };
    }).immediate();
  }

  async get(jobId: number): Promise<JobRecord | undefined> {
    const r = this.s.get.get(jobId);
    return r ? toRecord(r) : undefined;
  }

  /** Synchronous details lookup for the hot path (no promise allocation). */
  getSync(jobId: number): JobRecord | undefined {
    const r = this.s.get.get(jobId);
    return r ? toRecord(r) : undefined;
  }

  private listCache = new Map<string, Database.Statement>();

  async list(q: ListQuery): Promise<{ total: number; jobs: JobRecord[] }> {
    const where = ['project_id = @projectId'];
    if (q.statuses && q.statuses.length) where.push(`status ${IN_SET('statuses')}`);
    // instr(lower(…)) rather than LIKE: no escaping of % and _ in the user's search string.
    if (q.search) where.push('instr(lower(job_name), lower(@search)) > 0');
    const col = SORT_COLUMNS[q.sortBy];
    const dir = q.order === 'desc' ? 'DESC' : 'ASC';
    const w = where.join(' AND ');
    const listSql = `${SELECT} WHERE ${w} ORDER BY ${col} ${dir}, job_id ${dir} LIMIT @limit OFFSET @offset`;
    const countSql = `SELECT COUNT(*) AS n FROM jobs WHERE ${w}`;
    const stmt = (sql: string, raw: boolean): Database.Statement => {
      let s = this.listCache.get(sql);
      if (!s) {
        s = raw ? this.db.prepare(sql).raw() : this.db.prepare(sql);
        if (this.listCache.size > 200) this.listCache.clear();
        this.listCache.set(sql, s);
      }
      return s;
    };
    const params: Record<string, string | number> = { projectId: q.projectId, limit: q.limit, offset: q.offset };
    const countParams: Record<string, string | number> = { projectId: q.projectId };
    for (const p of [params, countParams]) {
      if (q.search) p.search = q.search;
      if (q.statuses && q.statuses.length) p.statuses = setParam(q.statuses);
    }
    return this.db.transaction(() => {
      const total = (stmt(countSql, false).get(countParams) as { n: number }).n;
      const rows = stmt(listSql, true).all(params) as Row[];
      return { total, jobs: rows.map(toRecord) };
    })();
  }

  async countJobs(projectId: string): Promise<number> {
    return this.s.count.get(projectId)?.n ?? 0;
  }

  async updateDesc(projectId: string, jobId: number, desc: string): Promise<boolean> {
    return this.s.updateDesc.run(desc, jobId, projectId).changes === 1;
  }

  async beginKill(jobId: number, from: readonly number[], desired: 'stopped' | 'deleted', stopTarget: number, now: number): Promise<CasResult> {
    return this.db.transaction((): CasResult => {
      const changes = this.s.beginKill.run({ id: jobId, from: setParam(from), desired, stopTarget, now }).changes;
      const row = this.s.get.get(jobId);
      if (changes === 1 && row) return { ok: true, job: toRecord(row) };
      return { ok: false, status: row?.[5] as number | undefined };
    }).immediate();
  }

  async beginRestart(jobId: number, from: readonly number[]): Promise<CasResult> {
    return this.db.transaction((): CasResult => {
      const cur = this.s.get.get(jobId);
      if (!cur || !from.includes(cur[5] as number)) return { ok: false, status: cur?.[5] as number | undefined };
      const queuePos = this.s.nextQueue.get()?.next ?? 0;
      const changes = this.s.beginRestart.run({ id: jobId, queuePos, from: setParam(from) }).changes;
      const row = this.s.get.get(jobId) as Row;
      return changes === 1 ? { ok: true, job: toRecord(row) } : { ok: false, status: row[5] as number };
    }).immediate();
  }

  async pending(now: number): Promise<JobRecord[]> {
    return this.s.pending.all({ pending: PENDING_SET, now }).map(toRecord);
  }

  async running(): Promise<JobRecord[]> {
    return this.s.running.all().map(toRecord);
  }

  async countRunning(projectId: string): Promise<number> {
    return this.s.countRunning.get(projectId)?.n ?? 0;
  }

  async markRunning(jobId: number, now: number): Promise<boolean> {
    return this.s.markRunning.run({ id: jobId, now, queued: QUEUED_SET }).changes === 1;
  }

  async admitHead(jobId: number, quota: number, now: number): Promise<boolean> {
    return this.s.admitHead.run({ id: jobId, now, quota: Math.trunc(quota), queued: QUEUED_SET }).changes === 1;
  }

  async markWaiting(jobId: number): Promise<boolean> {
    return this.s.markWaiting.run(jobId).changes === 1;
  }

  async markFailed(jobId: number, reason: string, now: number): Promise<boolean> {
    return this.s.markFailed.run({ id: jobId, reason, now, failable: FAILABLE_SET }).changes === 1;
  }

  async setConditions(jobId: number, conditions: readonly JobCondition[]): Promise<boolean> {
    const json = conditions.length ? JSON.stringify(conditions) : null;
    return this.s.setConditions.run({ id: jobId, json, failable: FAILABLE_SET }).changes === 1;
  }

  async finishStop(jobId: number): Promise<boolean> {
    return this.s.finishStop.run(jobId).changes === 1;
  }

  async finishDelete(jobId: number): Promise<boolean> {
    return this.s.finishDelete.run(jobId).changes === 1;
  }

  async failDelete(jobId: number, reason: string): Promise<boolean> {
    return this.s.failDelete.run(reason, jobId).changes === 1;
  }

  async revokeSession(sessionId: string, expiresAt: number, now: number): Promise<void> {
    this.db.transaction(() => {
      this.s.purgeRevoked.run(now);
      if (expiresAt > now) this.s.revoke.run(sessionId, expiresAt);
    })();
  }

  async isSessionRevoked(sessionId: string): Promise<boolean> {
    return this.s.isRevoked.get(sessionId) !== undefined;
  }

  /** Bulk insert for benchmarks and tests: many jobs in one transaction, at a given status. */
  seed(jobs: NewJob[], status: number): void {
    this.db.transaction(() => {
      for (const j of jobs) {
        const queuePos = this.s.nextQueue.get()?.next ?? 0;
        const info = this.s.insert.run({ ...j, queuePos });
        if (status !== Status.INIT) {
          this.db.prepare("UPDATE jobs SET status = ?, desired = 'stopped' WHERE job_id = ?").run(status, Number(info.lastInsertRowid));
        }
      }
    })();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
