// Reconciler.ensureServing, the viewer's only way to get a job served: it starts a RUNNING job's
// viewer in a short pass of its own (concurrent requests share it), leaves other statuses to the
// caller, fails a job for good on a permanent error, and while a transient failure is backed off
// answers with that failure at once instead of calling the runtime again.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Status } from '../domain/status.js';
import { JobRuntimeError, type JobRuntime, type JobToServe } from '../runtime/runtime.js';
import { newJob } from '../testing/store-contract.js';
import { SqliteJobStore } from '../store/sqlite.js';
import { Reconciler } from './reconciler.js';

/** A runtime whose next starts fail as told, counting them. */
class ScriptedRuntime implements JobRuntime {
  starts = 0;
  failWith: JobRuntimeError | undefined;
  private readonly serving = new Set<number>();
  async start(job: JobToServe): Promise<void> {
    this.starts++;
    await new Promise((r) => setImmediate(r));
    if (this.failWith) throw this.failWith;
    this.serving.add(job.jobId);
  }
  async stop(jobId: number): Promise<void> {
    this.serving.delete(jobId);
  }
  async teardown(jobId: number): Promise<void> {
    this.serving.delete(jobId);
  }
  isServing(jobId: number): boolean {
    return this.serving.has(jobId);
  }
}

async function setup(): Promise<{ store: SqliteJobStore; rt: ScriptedRuntime; rec: Reconciler; clock: { now: number }; running: number; queued: number }> {
  const store = new SqliteJobStore(':memory:');
  const clock = { now: 1_000_000 };
  const make = async (name: string): Promise<number> => {
    const r = await store.create(newJob(name), 10);
    assert.ok(r.ok);
    return r.job.jobId;
  };
  const running = await make('running');
  assert.equal(await store.markRunning(running, clock.now), true);
  const queued = await make('queued');
  const rt = new ScriptedRuntime();
  // Not started: no timer and no revive pass, so every start below is one a request asked for.
  const rec = new Reconciler(store, rt, { runningQuota: 10, now: () => clock.now, random: () => 0, retryBaseMs: 1_000 });
  return { store, rt, rec, clock, running, queued };
}

describe('Reconciler.ensureServing', () => {
  it('concurrent requests for one RUNNING job share one start; a job that is not RUNNING is left to the caller', async () => {
    const { store, rt, rec, running, queued } = await setup();
    try {
      await Promise.all([rec.ensureServing(running), rec.ensureServing(running), rec.ensureServing(running)]);
      assert.equal(rt.starts, 1);
      assert.equal(rt.isServing(running), true);
      await rec.ensureServing(running);
      assert.equal(rt.starts, 1, 'served: no pass needed');
      await rec.ensureServing(queued);
      await rec.ensureServing(999);
      assert.equal(rt.starts, 1, 'INIT and unknown jobs are not started by a viewer request');
      assert.deepEqual((await store.get(running))?.conditions.map((c) => [c.type, c.status]), [['StorageReachable', 'True'], ['Serving', 'True']]);
    } finally {
      await rec.close();
      await store.close();
    }
  });

  it('a transient failure is answered at once while the job is in backoff, and tried again once it ran out', async () => {
    const { store, rt, rec, clock, running } = await setup();
    try {
      const outage = new JobRuntimeError('transient', 'train_url /b/x/ is unreachable');
      rt.failWith = outage;
      await assert.rejects(rec.ensureServing(running), (e) => e === outage);
      assert.equal(rt.starts, 1);
      const retryAt = rec.retryAt(running);
      assert.equal(retryAt, clock.now + 500, 'half the first 1 s delay with random() = 0');
      for (let i = 0; i < 10; i++) await assert.rejects(rec.ensureServing(running), (e) => e === outage);
      assert.equal(rt.starts, 1, 'no start while in backoff');
      assert.equal((await store.get(running))?.status, Status.RUNNING, 'still RUNNING');
      assert.deepEqual((await store.get(running))?.conditions.map((c) => [c.type, c.status, c.reason]), [
        ['StorageReachable', 'False', 'StorageUnavailable'],
        ['Serving', 'False', 'RetryingStart'],
      ]);
      rt.failWith = undefined;
      clock.now = retryAt ?? 0;
      await rec.ensureServing(running);
      assert.equal(rt.starts, 2);
      assert.equal(rec.retryAt(running), undefined);
      assert.deepEqual((await store.get(running))?.conditions.map((c) => [c.type, c.status, c.lastTransitionTime]), [
        ['StorageReachable', 'True', clock.now],
        ['Serving', 'True', clock.now],
      ]);
    } finally {
      await rec.close();
      await store.close();
    }
  });

  it('a permanent failure fails the job 11 with its message and rejects with it', async () => {
    const { store, rt, rec, running } = await setup();
    try {
      rt.failWith = new JobRuntimeError('permanent', 'train_url /b/x/ is a symlink loop');
      await assert.rejects(rec.ensureServing(running), (e) => e instanceof JobRuntimeError && e.permanent);
      const j = await store.get(running);
      assert.deepEqual([j?.status, j?.failureReason], [Status.FAILED, 'train_url /b/x/ is a symlink loop']);
    } finally {
      await rec.close();
      await store.close();
    }
  });

  it('a request after the reconciler closed is answered at once (transient), never left hanging', async () => {
    const { store, rec, running } = await setup();
    await rec.close();
    await assert.rejects(rec.ensureServing(running), (e) => e instanceof JobRuntimeError && !e.permanent);
    await store.close();
  });
});
