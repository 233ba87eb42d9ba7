// SQLite JobStore (better-sqlite3, WAL). better-sqlite3 is synchronous, so every method runs to
// completion without interleaving: each compare-and-set is an UPDATE … WHERE status IN (…) whose
// `changes` says whether this call won. Statements are prepared once; the details path is one
// indexed lookup. AUTOINCREMENT keeps job ids unique forever, even after deletes.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Status } from '../jobs/status.js';
import { SQLITE_MIGRATIONS } from './migrations.js';
import type { CasResult, CreateResult, JobRecord, JobStore, ListQuery, NewJob } from './store.js';

interface Row {
  job_id: number;
  project_id: string;
  job_name: string;
  job_desc: string;
  job_type: 'tensorboard' | 'mindinsight';
  status: number;
  desired: 'running' | 'stopped' | 'deleted';
  stop_target: number;
  create_time: number;
  train_url: string;
  resource_id: string;
  schedule_json: string | null;
  schedule_ms: number;
  deadline: number | null;
  duration_ms: number;
  running_since: number | null;
  queue_pos: number;
  workspace_id: string;
  flavor_json: string | null;
  failure_reason: string | null;
}

function toRecord(r: Row): JobRecord {
  return {
    jobId: r.job_id,
    projectId: r.project_id,
    jobName: r.job_name,
    jobDesc: r.job_desc,
    jobType: r.job_type,
    status: r.status,
    desired: r.desired,
    stopTarget: r.stop_target,
    createTime: r.create_time,
    trainUrl: r.train_url,
    resourceId: r.resource_id,
    scheduleJson: r.schedule_json,
    scheduleMs: r.schedule_ms,
    deadline: r.deadline,
    durationMs: r.duration_ms,
    runningSince: r.running_since,
    queuePos: r.queue_pos,
    workspaceId: r.workspace_id,
    flavorJson: r.flavor_json,
    failureReason: r.failure_reason,
  };
}

const SORT_COLUMNS = {
  job_id: 'job_id',
  job_name: 'job_name',
  job_desc: 'job_desc',
  create_time: 'create_time',
  status: 'status',
} as const;

const inList = (xs: readonly number[]): string => xs.map((x) => String(Math.trunc(x))).join(',');

export class SqliteJobStore implements JobStore {
  private readonly db: Database.Database;
  private readonly s;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    this.migrate();
    const db = this.db;
    // Closing the running interval: add the time since running_since, if any, to duration_ms.
    const closeRun = `duration_ms = duration_ms + CASE WHEN running_since IS NULL THEN 0 ELSE MAX(0, @now - running_since) END, running_since = NULL`;
    this.s = {
      get: db.prepare<[number], Row>('SELECT * FROM jobs WHERE job_id = ?'),
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
      pending: db.prepare<[number], Row>(
        `SELECT * FROM jobs WHERE status IN (${Status.INIT}, ${Status.WAITING}, ${Status.KILLING})
           OR (status = ${Status.RUNNING} AND deadline IS NOT NULL AND deadline <= ?)
         ORDER BY queue_pos`,
      ),
      running: db.prepare<[], Row>(`SELECT * FROM jobs WHERE status = ${Status.RUNNING} ORDER BY job_id`),
      markRunning: db.prepare(
        `UPDATE jobs SET status = ${Status.RUNNING}, running_since = @now,
           deadline = CASE WHEN schedule_ms > 0 THEN @now + schedule_ms ELSE NULL END
         WHERE job_id = @id AND status IN (${Status.INIT}, ${Status.WAITING}) AND desired = 'running'`,
      ),
      markWaiting: db.prepare(`UPDATE jobs SET status = ${Status.WAITING} WHERE job_id = ? AND status = ${Status.INIT} AND desired = 'running'`),
      markFailed: db.prepare(
        `UPDATE jobs SET status = ${Status.FAILED}, failure_reason = @reason, deadline = NULL, ${closeRun}
         WHERE job_id = @id AND status IN (${Status.INIT}, ${Status.WAITING}, ${Status.RUNNING}) AND desired = 'running'`,
      ),
      finishStop: db.prepare(`UPDATE jobs SET status = stop_target WHERE job_id = ? AND status = ${Status.KILLING} AND desired = 'stopped'`),
      finishDelete: db.prepare(`DELETE FROM jobs WHERE job_id = ? AND status = ${Status.KILLING} AND desired = 'deleted'`),
      failDelete: db.prepare(
        `UPDATE jobs SET status = ${Status.DELETE_FAILED}, desired = 'stopped', failure_reason = ?
         WHERE job_id = ? AND status = ${Status.KILLING} AND desired = 'deleted'`,
      ),
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
    if (q.statuses && q.statuses.length) where.push(`status IN (${inList(q.statuses)})`);
    // instr(lower(…)) rather than LIKE: no escaping of % and _ in the user's search string.
    if (q.search) where.push('instr(lower(job_name), lower(@search)) > 0');
    const col = SORT_COLUMNS[q.sortBy];
    const dir = q.order === 'desc' ? 'DESC' : 'ASC';
    const w = where.join(' AND ');
    const listSql = `SELECT * FROM jobs WHERE ${w} ORDER BY ${col} ${dir}, job_id ${dir} LIMIT @limit OFFSET @offset`;
    const countSql = `SELECT COUNT(*) AS n FROM jobs WHERE ${w}`;
    const stmt = (sql: string): Database.Statement => {
      let s = this.listCache.get(sql);
      if (!s) {
        s = this.db.prepare(sql);
        if (this.listCache.size > 200) this.listCache.clear();
        this.listCache.set(sql, s);
      }
      return s;
    };
    const params: Record<string, string | number> = { projectId: q.projectId, limit: q.limit, offset: q.offset };
    if (q.search) params.search = q.search;
    const countParams: Record<string, string | number> = { projectId: q.projectId };
    if (q.search) countParams.search = q.search;
    return this.db.transaction(() => {
      const total = (stmt(countSql).get(countParams) as { n: number }).n;
      const rows = stmt(listSql).all(params) as Row[];
      return { total, jobs: rows.map(toRecord) };
    })();
  }

  async countJobs(projectId: string): Promise<number> {
    return this.s.count.get(projectId)?.n ?? 0;
  }

  async updateDesc(projectId: string, jobId: number, desc: string): Promise<boolean> {
    return this.s.updateDesc.run(desc, jobId, projectId).changes === 1;
  }

  private cas(jobId: number, sql: string, params: Record<string, unknown>): CasResult {
    return this.db.transaction((): CasResult => {
      const changes = this.db.prepare(sql).run(params).changes;
      const row = this.s.get.get(jobId);
      if (changes === 1 && row) return { ok: true, job: toRecord(row) };
      return { ok: false, status: row?.status };
    }).immediate();
  }

  async beginKill(jobId: number, from: readonly number[], desired: 'stopped' | 'deleted', stopTarget: number, now: number): Promise<CasResult> {
    return this.cas(
      jobId,
      `UPDATE jobs SET status = ${Status.KILLING}, desired = @desired, stop_target = @stopTarget, deadline = NULL,
         duration_ms = duration_ms + CASE WHEN running_since IS NULL THEN 0 ELSE MAX(0, @now - running_since) END,
         running_since = NULL
       WHERE job_id = @id AND status IN (${inList(from)})`,
      { id: jobId, desired, stopTarget, now },
    );
  }

  async beginRestart(jobId: number, from: readonly number[]): Promise<CasResult> {
    return this.db.transaction((): CasResult => {
      const cur = this.s.get.get(jobId);
      if (!cur || !from.includes(cur.status)) return { ok: false, status: cur?.status };
      const queuePos = this.s.nextQueue.get()?.next ?? 0;
      const changes = this.db
        .prepare(
          `UPDATE jobs SET status = ${Status.INIT}, desired = 'running', queue_pos = @queuePos, failure_reason = NULL,
             deadline = NULL, running_since = NULL, stop_target = ${Status.KILLED}
           WHERE job_id = @id AND status IN (${inList(from)})`,
        )
        .run({ id: jobId, queuePos }).changes;
      const row = this.s.get.get(jobId) as Row;
      return changes === 1 ? { ok: true, job: toRecord(row) } : { ok: false, status: row.status };
    }).immediate();
  }

  async pending(now: number): Promise<JobRecord[]> {
    return this.s.pending.all(now).map(toRecord);
  }

  async running(): Promise<JobRecord[]> {
    return this.s.running.all().map(toRecord);
  }

  async countRunning(projectId: string): Promise<number> {
    return this.s.countRunning.get(projectId)?.n ?? 0;
  }

  async markRunning(jobId: number, now: number): Promise<boolean> {
    return this.s.markRunning.run({ id: jobId, now }).changes === 1;
  }

  async markWaiting(jobId: number): Promise<boolean> {
    return this.s.markWaiting.run(jobId).changes === 1;
  }

  async markFailed(jobId: number, reason: string, now: number): Promise<boolean> {
    return this.s.markFailed.run({ id: jobId, reason, now }).changes === 1;
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
