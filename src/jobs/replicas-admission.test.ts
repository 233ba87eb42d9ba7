// Cluster-wide admission: three replicas (each its own reconciler and connection pool) on one
// PostgreSQL schema, under a storm of stops, restarts, deletes and creates sent through all of
// them at once. The oracle lives in the database: triggers record, at the moment a job is admitted
// to 8 RUNNING, whether an earlier job of its project was still queued (a FIFO skip) and whether
// the project now runs more than its quota. A job counts as "earlier" only if it had been queued
// for 100 ms: a create or restart takes its queue position from a sequence before it commits, so
// for a moment a job with a lower position may become visible after a later one was admitted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { createTestSchema } from '../testing/postgres.js';
import { startTestServer, BASE, until, type TestServer } from '../testing/test-server.js';
import { installAdmissionOracle, admissionViolations } from '../testing/admission-oracle.js';

const QUOTA = 2;

test('three replicas under concurrent churn admit each project\'s waiting jobs first come first served, never over the quota', async () => {
  const schema = await createTestSchema();
  const replicas: TestServer[] = [];
  const db = new pg.Client({ connectionString: schema.url });
  try {
    for (let i = 0; i < 3; i++) replicas.push(await startTestServer({ db: schema.url, runningQuota: QUOTA }, { reconcileIntervalMs: 20 }));
    // The first call migrates the schema; then the oracle joins it.
    assert.equal((await replicas[0].call('GET', BASE)).status, 200);
    await db.connect();
    await installAdmissionOracle(db, QUOTA);

    let n = 0;
    const via = (): TestServer => replicas[n++ % replicas.length];
    const create = async (): Promise<void> => {
      const r = await via().call('POST', BASE, { body: { job_name: `j${n}`, train_url: '/demo/pytorch-mlp/' } });
      assert.equal(r.status, 200, r.text);
    };
    for (let i = 0; i < 24; i++) await create();

    // The storm: workers each stop one running job, restart one ended job, now and then delete
    // one and create one, every call through the next replica, all concurrently: slots free up
    // while other replicas are between a viewer start and its admission.
    for (const r of replicas) r.runtime.listDelayMs = 3;
    const rows = async (): Promise<{ job_id: number; status: number }[]> =>
      (await db.query<{ job_id: number; status: number }>('SELECT job_id::int, status FROM jobs ORDER BY queue_pos')).rows;
    const deadline = Date.now() + 8_000;
    let rounds = 0;
    const pick = <T>(xs: T[]): T | undefined => xs[Math.floor(Math.random() * xs.length)];
    const worker = async (): Promise<void> => {
      while (Date.now() < deadline) {
        rounds++;
        const all = await rows();
        const running = pick(all.filter((j) => j.status === 8));
        const ended = pick(all.filter((j) => j.status === 12 || j.status === 10));
        const calls: Promise<unknown>[] = [];
        if (running) calls.push(via().call('POST', `${BASE}/${running.job_id}/stop`));
        if (ended && rounds % 7 === 0) calls.push(via().call('DELETE', `${BASE}/${ended.job_id}`), create());
        else if (ended) calls.push(via().call('POST', `${BASE}/${ended.job_id}/restart`));
        await Promise.all(calls);
        await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
      }
    };
    await Promise.all([worker(), worker(), worker()]);

    // Calm: the storm ends with the quota's worth of jobs running, the rest waiting, nothing stuck.
    await until(async () => {
      const all = await rows();
      return all.filter((j) => j.status === 8).length === QUOTA && all.every((j) => [7, 8, 10, 12].includes(j.status));
    }, 20_000);
    const found = await admissionViolations(db);
    assert.deepEqual(found, [], `${String(rounds)} rounds: ${found.join('; ')}`);
    const admissions = (await db.query<{ n: number }>("SELECT COUNT(*)::int AS n FROM jobs WHERE status IN (8, 9, 10, 12)")).rows[0].n;
    assert.ok(rounds >= 10 && admissions > 0, `the storm ran ${String(rounds)} rounds`);
  } finally {
    await db.end().catch(() => {});
    for (const r of replicas) await r.close();
    await schema.drop();
  }
});
