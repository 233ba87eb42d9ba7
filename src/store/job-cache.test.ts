// The PostgreSQL store's read cache (job-cache.ts) between two handles on one schema, as two
// replicas: a change committed through one is seen by the other's get() as soon as the database's
// notification arrives, a handle's own change at once, and nothing is served while the LISTEN
// connection is down (cut through a TCP proxy): reads then go to the database, and fail with
// StoreUnavailableError rather than answer from memory; the cache comes back by itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PostgresJobStore } from './postgres.js';
import { StoreUnavailableError } from './store.js';
import { createTestSchema } from '../testing/postgres.js';
import { startTcpProxy } from '../testing/tcp-proxy.js';
import { created, newJob } from '../testing/store-contract.js';
import { STOPPABLE, Status } from '../domain/status.js';

async function until(what: string, fn: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<number> {
  const t0 = Date.now();
  while (!(await fn())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
  return Date.now() - t0;
}

test('a change through one handle reaches the other handle\'s cached get() promptly, and a handle sees its own change at once', async () => {
  const schema = await createTestSchema();
  const a = new PostgresJobStore(schema.url);
  const b = new PostgresJobStore(schema.url);
  try {
    await Promise.all([a.ready(), b.ready()]);
    await until('both listening', () => a.cacheActive && b.cacheActive);
    const j = await created(a, newJob('cached'));
    assert.equal((await b.get(j.jobId))?.status, Status.INIT); // now cached in b
    assert.equal((await b.get(j.jobId))?.status, Status.INIT);
    assert.ok((await a.beginKill(j.jobId, STOPPABLE, 'stopped', Status.KILLED, 1)).ok);
    assert.equal((await a.get(j.jobId))?.status, Status.KILLING, 'read-your-writes');
    const ms = await until('b sees KILLING', async () => (await b.get(j.jobId))?.status === Status.KILLING, 2_000);
    assert.ok(ms < 500, `${String(ms)} ms`);
    // A returned record is a copy: changing it changes nothing cached.
    const r = await b.get(j.jobId);
    assert.ok(r);
    r.status = 123;
    assert.equal((await b.get(j.jobId))?.status, Status.KILLING);
    assert.ok(await b.finishStop(j.jobId));
    await until('a sees KILLED', async () => (await a.get(j.jobId))?.status === Status.KILLED, 2_000);
  } finally {
    await a.close();
    await b.close();
    await schema.drop();
  }
});

test('while its LISTEN connection is cut the cache serves nothing, and it comes back by itself', async () => {
  const schema = await createTestSchema();
  const target = new URL(schema.url);
  const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
  const via = new URL(schema.url);
  via.port = String(proxy.port);
  const a = new PostgresJobStore(via.toString());
  const direct = new PostgresJobStore(schema.url, { cacheReads: false });
  try {
    await a.ready();
    await until('listening', () => a.cacheActive);
    const j = await created(direct, newJob('cut'));
    assert.equal((await a.get(j.jobId))?.status, Status.INIT);
    proxy.cut();
    await until('cache off', () => !a.cacheActive);
    // A change it cannot hear about while cut:
    assert.ok((await direct.beginKill(j.jobId, STOPPABLE, 'stopped', Status.KILLED, 1)).ok);
    await assert.rejects(a.get(j.jobId), StoreUnavailableError);
    proxy.restore();
    await until('listening again', () => a.cacheActive, 10_000);
    assert.equal((await a.get(j.jobId))?.status, Status.KILLING);
  } finally {
    await a.close();
    await direct.close();
    await proxy.close();
    await schema.drop();
  }
});
