// The SQLite store on a real file: migrations are versioned and re-runnable, and the shared
// JobStore behaviour suite (src/testing/store-contract.ts: ids never reused, compare-and-set, listing, …).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteJobStore } from './sqlite.js';
import { SQLITE_MIGRATIONS } from './migrations.js';
import { newJob as job, storeContract } from '../testing/store-contract.js';

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

storeContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vizjobs-store-'));
  const path = join(dir, 'db.sqlite');
  return {
    open: async () => new SqliteJobStore(path),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
