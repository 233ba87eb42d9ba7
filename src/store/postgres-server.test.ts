// The job service on PostgreSQL: the lifecycle and concurrency suites of src/jobs run again here
// with every test server on its own fresh schema (VIZJOBS_TEST_STORE=postgres, read by
// src/testing/test-server.ts), and two real servers sharing one schema — two replicas, each with its
// own reconciler — keep the running quota and its first-come-first-served order between them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_STORE_ENV, createTestSchema } from '../testing/postgres.js';
import { startTestServer, until, waitFor, BASE, type TestServer } from '../testing/test-server.js';

process.env[TEST_STORE_ENV] = 'postgres';
await import('../jobs/lifecycle.test.js');
await import('../jobs/concurrency.test.js');

const mlp = { job_name: 'mlp', train_url: '/demo/pytorch-mlp/' };

test('two servers on one PostgreSQL schema share the running quota and admit waiting jobs first come first served', async () => {
  const schema = await createTestSchema();
  const a = await startTestServer({ db: schema.url, runningQuota: 2 });
  let b: TestServer | undefined;
  try {
    b = await startTestServer({ db: schema.url, runningQuota: 2 });
    const replicas = [a, b];
    const settle = async () => {
      for (let i = 0; i < 2; i++) await Promise.all(replicas.map((r) => r.settle()));
    };
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await replicas[i % 2].call('POST', BASE, { body: { ...mlp, job_name: `q${i}` } });
      assert.equal(r.status, 200, r.text);
      ids.push(r.body.job_id as number);
    }
    await settle();
    const status = async (id: number, via = a) => (await via.call('GET', `${BASE}/${id}`)).body.status;
    assert.deepEqual(await Promise.all(ids.map((id) => status(id, b))), [8, 8, 7, 7, 7]);
    // A stop through one replica frees the slot for the oldest waiting job, whichever admits it.
    await b.call('POST', `${BASE}/${ids[0]}/stop`);
    await waitFor(a, ids[2], (s) => s === 8);
    await settle();
    assert.deepEqual(await Promise.all(ids.map((id) => status(id))), [12, 8, 8, 7, 7]);
    // Two slots freed at once, through different replicas: the two remaining waiting jobs run.
    await Promise.all([a.call('POST', `${BASE}/${ids[1]}/stop`), b.call('POST', `${BASE}/${ids[2]}/stop`)]);
    await waitFor(b, ids[4], (s) => s === 8);
    await settle();
    assert.deepEqual(await Promise.all(ids.map((id) => status(id))), [12, 12, 12, 8, 8]);
    // A restart goes to the back of the shared queue.
    await a.call('POST', `${BASE}/${ids[0]}/restart`);
    await settle();
    // b reads through its cache: a's change reaches it with the database's notification.
    assert.equal(await waitFor(b, ids[0], (s) => s === 7), 7);
  } finally {
    await a.close();
    await b?.close();
    await schema.drop();
  }
});

test('a replica drops its viewer of a job another replica stopped, even when it never saw the job KILLING', async () => {
  const schema = await createTestSchema();
  const a = await startTestServer({ db: schema.url });
  // b passes only when kicked: it cannot catch the job in 9 KILLING on its own.
  const b = await startTestServer({ db: schema.url }, { reconcileIntervalMs: 3_600_000 });
  try {
    const id = (await a.call('POST', BASE, { body: mlp })).body.job_id as number;
    await waitFor(a, id, (s) => s === 8);
    await b.built.reconciler.ensureServing(id);
    assert.ok(b.runtime.isServing(id));
    await a.call('POST', `${BASE}/${id}/stop`);
    await waitFor(a, id, (s) => s === 12);
    // b learns of the stop from the database's notification (its cache), then its next pass drops the viewer.
    await until(async () => {
      b.built.reconciler.kick();
      await b.settle();
      return !b.runtime.isServing(id);
    }, 10_000);
    assert.equal(b.runtime.isServing(id), false);
    assert.deepEqual(b.runtime.servingJobIds(), []);
  } finally {
    await a.close();
    await b.close();
    await schema.drop();
  }
});

test('a server whose PostgreSQL is unreachable answers 503 in the 0010 envelope, never crashes, and closes', async () => {
  const logged: string[] = [];
  const ts = await startTestServer({ db: 'postgres://postgres@127.0.0.1:1/test' }, { log: (m) => logged.push(m) });
  try {
    for (const [method, body] of [['GET', undefined], ['POST', mlp]] as const) {
      const r = await ts.call(method, BASE, { body });
      assert.equal(r.status, 503, r.text);
      assert.deepEqual(r.body, {
        is_success: false,
        error_code: 'ModelArts.0010',
        error_message: 'Service temporarily unavailable: the metadata store does not answer. Retry later.',
      });
    }
    await ts.settle();
    assert.ok(logged.some((m) => /VIZJOBS_DB: PostgreSQL at 127\.0\.0\.1:1\/test/.test(m)), logged.join('\n'));
  } finally {
    await ts.close();
  }
});
