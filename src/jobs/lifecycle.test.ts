// The lifecycle of API.md §2 over a real server: every transition, the three ModelArts.0105
// messages word for word, async delete with 9 visible, DELETE_FAILED and its retry, durable
// auto-stop, duration across restarts, the running quota's FIFO queue and the job-count limit.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, until, waitFor, BASE, type TestServer } from '../testing/test-server.js';

const mlp = { job_name: 'mlp', train_url: '/demo/pytorch-mlp/' };
const HOUR = 3_600_000;

async function createRunning(ts: TestServer, body: Record<string, unknown> = mlp): Promise<number> {
  const r = await ts.call('POST', BASE, { body });
  assert.equal(r.status, 200, r.text);
  const id = r.body.job_id as number;
  await waitFor(ts, id, (s) => s === 8);
  return id;
}

describe('lifecycle', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startTestServer();
  });
  after(async () => ts.close());

  test('stop: 8 → 9 KILLING → 12 KILLED; stopping again is 0105 with the exact message', async () => {
    const id = await createRunning(ts);
    ts.runtime.holdTeardown(); // not used by stop; proves stop never tears down
    const r = await ts.call('POST', `${BASE}/${id}/stop`);
    assert.deepEqual(r.body, { is_success: true });
    assert.ok([9, 12].includes((await ts.call('GET', `${BASE}/${id}`)).body.status as number));
    assert.equal(await waitFor(ts, id, (s) => s === 12), 12);
    ts.runtime.releaseTeardown();
    assert.equal(ts.runtime.isServing(id), false);
    const again = await ts.call('POST', `${BASE}/${id}/stop`);
    assert.equal(again.status, 400);
    assert.deepEqual(again.body, { is_success: false, error_code: 'ModelArts.0105', error_message: "This job can't be stop. job status: 12" });
  });

  test('restart: 12 → 1 → 8 with the viewer back; restart of a RUNNING job is 0105 resubmit', async () => {
    const id = await createRunning(ts);
    const no = await ts.call('POST', `${BASE}/${id}/restart`);
    assert.deepEqual(no.body, { is_success: false, error_code: 'ModelArts.0105', error_message: "This job can't be resubmit. job status: 8" });
    await ts.call('POST', `${BASE}/${id}/stop`);
    await waitFor(ts, id, (s) => s === 12);
    const r = await ts.call('POST', `${BASE}/${id}/restart`);
    assert.deepEqual(r.body, { is_success: true });
    assert.equal(await waitFor(ts, id, (s) => s === 8), 8);
    assert.equal(ts.runtime.isServing(id), true);
  });

  test('delete: shows 9 KILLING while teardown runs, then 404 and gone from the list; delete during 9 is 0105', async () => {
    const id = await createRunning(ts);
    ts.runtime.holdTeardown();
    try {
      assert.deepEqual((await ts.call('DELETE', `${BASE}/${id}`)).body, { is_success: true });
      await new Promise((r) => setTimeout(r, 30));
      assert.equal((await ts.call('GET', `${BASE}/${id}`)).body.status, 9);
      const during = await ts.call('DELETE', `${BASE}/${id}`);
      assert.deepEqual(during.body, { is_success: false, error_code: 'ModelArts.0105', error_message: "This job can't be delete. job status: 9" });
      assert.equal((await ts.call('POST', `${BASE}/${id}/stop`)).body.error_message, "This job can't be stop. job status: 9");
      assert.equal((await ts.call('POST', `${BASE}/${id}/restart`)).body.error_message, "This job can't be resubmit. job status: 9");
    } finally {
      ts.runtime.releaseTeardown();
    }
    assert.equal(await waitFor(ts, id, (s) => s === undefined), undefined);
    const d = await ts.call('GET', `${BASE}/${id}`);
    assert.deepEqual(d.body, { is_success: false, error_code: 'ModelArts.0015', error_message: 'The resource you requested is not exist' });
    const list = await ts.call('GET', `${BASE}?per_page=1000`);
    assert.equal((list.body.jobs as { job_id: number }[]).some((j) => j.job_id === id), false);
  });

  test('failed teardown leaves 6 DELETE_FAILED with a reason; a new delete retries it', async () => {
    const id = await createRunning(ts);
    ts.runtime.failTeardown = true;
    await ts.call('DELETE', `${BASE}/${id}`);
    assert.equal(await waitFor(ts, id, (s) => s === 6), 6);
    const d = await ts.call('GET', `${BASE}/${id}`);
    assert.match(d.body.failure_reason as string, /cache directory is busy/);
    ts.runtime.failTeardown = false;
    assert.deepEqual((await ts.call('DELETE', `${BASE}/${id}`)).body, { is_success: true });
    assert.equal(await waitFor(ts, id, (s) => s === undefined), undefined);
  });

  test('delete works from stopped, failed and waiting jobs too', async () => {
    const id = await createRunning(ts);
    await ts.call('POST', `${BASE}/${id}/stop`);
    await waitFor(ts, id, (s) => s === 12);
    await ts.call('DELETE', `${BASE}/${id}`);
    assert.equal(await waitFor(ts, id, (s) => s === undefined), undefined);
  });

  test('job ids are never reused, even after deletes and a service restart', async () => {
    const a = await createRunning(ts);
    await ts.call('DELETE', `${BASE}/${a}`);
    await waitFor(ts, a, (s) => s === undefined);
    const b = (await ts.call('POST', BASE, { body: mlp })).body.job_id as number;
    assert.ok(b > a);
    await ts.call('DELETE', `${BASE}/${b}`);
    await waitFor(ts, b, (s) => s === undefined);
    ts = await ts.restart();
    const c = (await ts.call('POST', BASE, { body: mlp })).body.job_id as number;
    assert.ok(c > b, `${c} > ${b}`);
  });

  test('a train_url that does not exist yet is not an error: the job runs', async () => {
    const id = await createRunning(ts, { job_name: 'later', train_url: '/nobucket/not/yet/' });
    assert.equal((await ts.call('GET', `${BASE}/${id}`)).body.status, 8);
  });
});

describe('durations and auto-stop', () => {
  test('duration sums RUNNING time over runs and does not grow while stopped', async () => {
    const ts = await startTestServer();
    try {
      const id = await createRunning(ts);
      ts.clock.offset += 60_000;
      const d1 = (await ts.call('GET', `${BASE}/${id}`)).body.duration as number;
      assert.ok(d1 >= 60_000 && d1 < 70_000, `d1 ${d1}`);
      await ts.call('POST', `${BASE}/${id}/stop`);
      await waitFor(ts, id, (s) => s === 12);
      const stopped = (await ts.call('GET', `${BASE}/${id}`)).body.duration as number;
      ts.clock.offset += 10 * 60_000;
      assert.equal((await ts.call('GET', `${BASE}/${id}`)).body.duration, stopped);
      await ts.call('POST', `${BASE}/${id}/restart`);
      await waitFor(ts, id, (s) => s === 8);
      ts.clock.offset += 30_000;
      const d2 = (await ts.call('GET', `${BASE}/${id}`)).body.duration as number;
      assert.ok(d2 >= stopped + 30_000 && d2 < stopped + 40_000, `d2 ${d2} stopped ${stopped}`);
    } finally {
      await ts.close();
    }
  });

  test('auto-stop: RUNNING past its schedule → 10 COMPLETED, and restart gives a fresh timer', async () => {
    const ts = await startTestServer();
    try {
      const id = await createRunning(ts, { ...mlp, schedule: { type: 'stop', time_unit: 'HOURS', duration: 1 } });
      ts.clock.offset += HOUR / 2;
      const half = (await ts.call('GET', `${BASE}/${id}`)).body.remaining_duration as number;
      assert.ok(half <= HOUR / 2 && half > HOUR / 2 - 10_000, `half ${half}`);
      ts.clock.offset += HOUR / 2 + 1000;
      ts.built.reconciler.kick();
      assert.equal(await waitFor(ts, id, (s) => s === 10), 10);
      const done = (await ts.call('GET', `${BASE}/${id}`)).body;
      assert.equal(done.remaining_duration, null);
      assert.ok((done.duration as number) >= HOUR, `duration ${String(done.duration)}`);
      await ts.call('POST', `${BASE}/${id}/restart`);
      await waitFor(ts, id, (s) => s === 8);
      const fresh = (await ts.call('GET', `${BASE}/${id}`)).body.remaining_duration as number;
      assert.ok(fresh > HOUR - 10_000 && fresh <= HOUR, `fresh ${fresh}`);
    } finally {
      await ts.close();
    }
  });

  test('the auto-stop timer is durable: a service restart neither loses nor resets it', async () => {
    let ts = await startTestServer();
    try {
      const id = await createRunning(ts, { ...mlp, schedule: [{ type: 'stop', time_unit: 'HOURS', duration: 2 }] });
      ts.clock.offset += HOUR;
      ts = await ts.restart();
      const rem = (await ts.call('GET', `${BASE}/${id}`)).body.remaining_duration as number;
      assert.ok(rem <= HOUR && rem > HOUR - 10_000, `not reset: ${rem}`);
      assert.equal(await waitFor(ts, id, (s) => s === 8), 8);
      await ts.settle();
      assert.equal(ts.runtime.isServing(id), true, 'viewer brought back after the restart');
      ts.clock.offset += HOUR + 1000;
      ts = await ts.restart();
      assert.equal(await waitFor(ts, id, (s) => s === 10), 10);
    } finally {
      await ts.close();
    }
  });
});

describe('quota and limits', () => {
  test('the running quota queues jobs in 7 WAITING, first come first served', async () => {
    const ts = await startTestServer({ runningQuota: 2 });
    try {
      const ids: number[] = [];
      for (let i = 0; i < 5; i++) ids.push((await ts.call('POST', BASE, { body: { ...mlp, job_name: `q${i}` } })).body.job_id as number);
      await ts.settle();
      const status = async (id: number) => (await ts.call('GET', `${BASE}/${id}`)).body.status;
      assert.deepEqual(await Promise.all(ids.map(status)), [8, 8, 7, 7, 7]);
      const list = await ts.call('GET', BASE);
      assert.equal(list.body.quotas, 2);
      // Stop the first: the oldest waiting job (q2) takes the slot, not a later one. Only RUNNING
      // jobs count against the quota, so q2 may start while q0 is still 9 KILLING: wait for both.
      await ts.call('POST', `${BASE}/${ids[0]}/stop`);
      await waitFor(ts, ids[2], (s) => s === 8);
      await waitFor(ts, ids[0], (s) => s === 12);
      assert.deepEqual(await Promise.all(ids.map(status)), [12, 8, 8, 7, 7]);
      // A waiting job can be stopped (7 → 9 → 12) and is then out of the queue.
      await ts.call('POST', `${BASE}/${ids[3]}/stop`);
      await waitFor(ts, ids[3], (s) => s === 12);
      // A restarted job goes to the back of the queue.
      await ts.call('POST', `${BASE}/${ids[0]}/restart`);
      await ts.call('DELETE', `${BASE}/${ids[1]}`);
      await waitFor(ts, ids[4], (s) => s === 8);
      await ts.settle();
      assert.equal(await status(ids[0]), 7);
      // Other projects have their own quota.
      const p2 = await ts.call('POST', '/v1/p2/visualization-jobs', { body: mlp, token: 'test-token-p2' });
      await waitFor(ts, p2.body.job_id as number, () => true);
      await ts.settle();
      const p2s = await ts.call('GET', `/v1/p2/visualization-jobs/${String(p2.body.job_id)}`, { token: 'test-token-p2' });
      assert.equal(p2s.body.status, 8);
    } finally {
      await ts.close();
    }
  });

  test('the job-count limit refuses creation with 0116 and job_count_limit counts down', async () => {
    const ts = await startTestServer({ jobLimit: 2 });
    try {
      assert.equal((await ts.call('GET', BASE)).body.job_count_limit, 2);
      await ts.call('POST', BASE, { body: mlp });
      assert.equal((await ts.call('GET', BASE)).body.job_count_limit, 1);
      const second = (await ts.call('POST', BASE, { body: mlp })).body.job_id as number;
      const third = await ts.call('POST', BASE, { body: mlp });
      assert.equal(third.status, 400);
      assert.equal(third.body.error_code, 'ModelArts.0116');
      assert.match(third.body.error_message as string, /\b2\b/);
      assert.equal((await ts.call('GET', BASE)).body.job_count_limit, 0);
      await ts.call('DELETE', `${BASE}/${second}`);
      await waitFor(ts, second, (s) => s === undefined);
      assert.equal((await ts.call('POST', BASE, { body: mlp })).status, 200);
    } finally {
      await ts.close();
    }
  });
});

describe('storage that refuses access', () => {
  test('a train_url directory symlinked outside the root ends 11 FAILED with a readable reason', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'vizjobs-outside-'));
    const ts = await startTestServer();
    try {
      writeFileSync(join(outside, 'events.out.tfevents.1.host'), 'secret');
      mkdirSync(join(ts.dir, 'obs', 'demo'), { recursive: true });
      symlinkSync(outside, join(ts.dir, 'obs', 'demo', 'escape'));
      const id = (await ts.call('POST', BASE, { body: { job_name: 'esc', train_url: '/demo/escape/' } })).body.job_id as number;
      assert.equal(await waitFor(ts, id, (s) => s !== 1 && s !== 7), 11);
      const d = await ts.call('GET', `${BASE}/${id}`);
      assert.match(d.body.failure_reason as string, /outside|denied/);
      // A bucket that is itself a symlink out of the root is refused the same way.
      symlinkSync(outside, join(ts.dir, 'obs', 'evil'));
      const b = (await ts.call('POST', BASE, { body: { job_name: 'esc2', train_url: '/evil/' } })).body.job_id as number;
      assert.equal(await waitFor(ts, b, (s) => s !== 1 && s !== 7), 11);
      // FAILED can be restarted (and fails again while the storage still refuses).
      assert.deepEqual((await ts.call('POST', `${BASE}/${id}/restart`)).body, { is_success: true });
      assert.equal(await waitFor(ts, id, (s) => s === 11), 11);
    } finally {
      await ts.close();
      rmSync(outside, { recursive: true, force: true });
    }
  });

  test('a viewer that cannot start for another (transient) reason is admitted to 8 RUNNING at once and retried with backoff until it serves', async () => {
    const ts = await startTestServer();
    try {
      ts.runtime.failStart = true;
      const id = (await ts.call('POST', BASE, { body: mlp })).body.job_id as number;
      assert.equal(await waitFor(ts, id, (s) => s !== 1), 8);
      assert.equal(ts.runtime.isServing(id), false);
      // One attempt, then backoff (the first retry comes 0.5-1 s later, not at the next 50 ms pass).
      assert.ok(ts.runtime.starts <= 2, `${ts.runtime.starts} starts`);
      ts.runtime.failStart = false;
      await until(() => ts.runtime.isServing(id), 5000);
      assert.equal((await ts.call('GET', `${BASE}/${id}`)).body.status, 8);
      assert.ok(ts.runtime.starts >= 2, 'retried');
    } finally {
      await ts.close();
    }
  });
});

describe('placeholder viewer at service_url', () => {
  test('lists the runs while RUNNING, 409 page otherwise, same token rule as the API', async () => {
    const ts = await startTestServer();
    try {
      const id = await createRunning(ts);
      const url = `/visualization/p1/${id}/`;
      const r = await ts.call('GET', url);
      assert.equal(r.status, 200);
      assert.ok((r.body.runs as string[]).some((run) => run.startsWith('mlp_lr1e-3_adam')), r.text);
      assert.equal((await ts.call('GET', url, { token: null })).body.error_code, 'ModelArts.0201');
      assert.equal((await ts.call('GET', url, { token: 'test-token-p2' })).status, 403);
      assert.equal((await ts.call('GET', `/visualization/p2/${id}/`, { token: 'test-token-p2' })).status, 404);
      await ts.call('POST', `${BASE}/${id}/stop`);
      await waitFor(ts, id, (s) => s === 12);
      const stopped = await ts.call('GET', url);
      assert.equal(stopped.status, 409);
      assert.match(stopped.text, /not running/);
    } finally {
      await ts.close();
    }
  });
});
