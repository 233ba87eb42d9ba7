// The SQLite store on a real file: migrations are versioned and re-runnable, ids come from
// AUTOINCREMENT and survive deletes and reopening, and each compare-and-set wins only from the
// statuses it names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteJobStore } from './sqlite.js';
import { SQLITE_MIGRATIONS } from './migrations.js';
import type { NewJob } from './store.js';
import { RESTARTABLE, STOPPABLE, Status } from '../jobs/status.js';

const job = (name = 'j', projectId = 'p'): NewJob => ({
  projectId,
  jobName: name,
  jobDesc: '',
  jobType: 'tensorboard',
  createTime: 1,
  trainUrl: '/b/x/',
  resourceId: 'r',
  scheduleJson: null,
  scheduleMs: 0,
  workspaceId: '0',
  flavorJson: null,
});

function withDir(fn: (dir: string) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vizjobs-store-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('migrations record their version, use WAL, and reopening applies nothing twice', withDir(async (dir) => {
  const path = join(dir, 'db.sqlite');
  const a = new SqliteJobStore(path);
  assert.equal(a.schemaVersion(), SQLITE_MIGRATIONS[SQLITE_MIGRATIONS.length - 1].version);
  await a.create(job(), 10);
  await a.close();
  const b = new SqliteJobStore(path);
  assert.equal(b.schemaVersion(), SQLITE_MIGRATIONS.length);
  assert.equal(await b.countJobs('p'), 1);
  await b.close();
  const raw = new Database(path, { readonly: true });
  assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal((raw.prepare('SELECT COUNT(*) AS n FROM schema_version').get() as { n: number }).n, SQLITE_MIGRATIONS.length);
  raw.close();
}));

test('job ids are never reused after the newest job is deleted and the store reopened', withDir(async (dir) => {
  const path = join(dir, 'db.sqlite');
  const s = new SqliteJobStore(path);
  const r = await s.create(job(), 10);
  assert.ok(r.ok);
  const id = r.job.jobId;
  assert.ok((await s.beginKill(id, [Status.INIT], 'deleted', Status.KILLED, 2)).ok);
  assert.equal(await s.finishDelete(id), true);
  await s.close();
  const s2 = new SqliteJobStore(path);
  const r2 = await s2.create(job(), 10);
  assert.ok(r2.ok && r2.job.jobId > id);
  await s2.close();
}));

test('compare-and-set wins only from the named statuses and reports the status it saw', withDir(async (dir) => {
  const s = new SqliteJobStore(join(dir, 'db.sqlite'));
  const r = await s.create(job(), 10);
  assert.ok(r.ok);
  const id = r.job.jobId;
  const refused = await s.beginRestart(id, RESTARTABLE);
  assert.deepEqual(refused, { ok: false, status: Status.INIT });
  assert.equal(await s.markRunning(id, 1000), true);
  assert.equal(await s.markRunning(id, 2000), false, 'already RUNNING');
  const kill = await s.beginKill(id, STOPPABLE, 'stopped', Status.KILLED, 1500);
  assert.ok(kill.ok);
  assert.equal(kill.job.durationMs, 500);
  assert.equal(kill.job.runningSince, null);
  assert.deepEqual(await s.beginKill(id, STOPPABLE, 'stopped', Status.KILLED, 1600), { ok: false, status: Status.KILLING });
  assert.equal(await s.finishDelete(id), false, 'desired is stopped, not deleted');
  assert.equal(await s.finishStop(id), true);
  assert.equal((await s.get(id))?.status, Status.KILLED);
  assert.deepEqual(await s.beginKill(999, STOPPABLE, 'stopped', Status.KILLED, 1), { ok: false, status: undefined });
  await s.close();
}));

test('the job-count limit is checked in the same transaction as the insert', withDir(async (dir) => {
  const s = new SqliteJobStore(join(dir, 'db.sqlite'));
  const results = await Promise.all(Array.from({ length: 10 }, (_, i) => s.create(job(`j${i}`), 3)));
  assert.equal(results.filter((r) => r.ok).length, 3);
  assert.equal(await s.countJobs('p'), 3);
  assert.equal((await s.create(job('other', 'q'), 3)).ok, true, 'limits are per project');
  await s.close();
}));
