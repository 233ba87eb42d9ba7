// The behaviour every JobStore must have, as one suite run against each backend (sqlite.test.ts,
// postgres.test.ts): ids never reused, compare-and-set steps that win only from the statuses they
// name, the job limit under concurrent creates, listing (filters, byte-order sort with job_id as
// tie-break, paging, case-insensitive literal substring search, totals), the reconciler's steps,
// numbers that arrive as JS numbers, and revoked sessions shared by every handle (replica) until
// they expire. Not a test file itself.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { JobRecord, JobStore, NewJob, SortKey } from '../store/store.js';
import type { JobCondition } from '../domain/conditions.js';
import { DELETABLE, RESTARTABLE, STOPPABLE, Status } from '../domain/status.js';

export interface StoreHarness {
  /** Another handle on this test's database: a reopen after close, or a second replica. */
  open(): Promise<JobStore>;
  /** Removes the database (after every handle is closed). */
  cleanup(): Promise<void>;
}

export const newJob = (name = 'j', projectId = 'p', extra: Partial<NewJob> = {}): NewJob => ({
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
  ...extra,
});

export async function created(s: JobStore, job: NewJob, limit = 1000): Promise<JobRecord> {
  const r = await s.create(job, limit);
  assert.ok(r.ok, 'created');
  return r.job;
}

const NUMERIC: (keyof JobRecord)[] = ['jobId', 'status', 'stopTarget', 'createTime', 'scheduleMs', 'durationMs', 'queuePos'];

function assertNumbers(j: JobRecord): void {
  for (const k of NUMERIC) assert.equal(typeof j[k], 'number', `${k} is ${typeof j[k]}`);
  for (const k of ['deadline', 'runningSince'] as const) assert.ok(j[k] === null || typeof j[k] === 'number', `${k} is ${typeof j[k]}`);
}

export function storeContract(backend: string, fresh: () => Promise<StoreHarness>): void {
  const withStore = (fn: (s: JobStore, h: StoreHarness) => Promise<void>) => async () => {
    const h = await fresh();
    const s = await h.open();
    try {
      await fn(s, h);
    } finally {
      await s.close();
      await h.cleanup();
    }
  };

  describe(`JobStore contract: ${backend}`, () => {
    test('job ids are never reused after the newest job is deleted and the store reopened', async () => {
      const h = await fresh();
      try {
        const s = await h.open();
        const id = (await created(s, newJob())).jobId;
        assert.ok((await s.beginKill(id, [Status.INIT], 'deleted', Status.KILLED, 2)).ok);
        assert.equal(await s.finishDelete(id), true);
        assert.equal(await s.get(id), undefined);
        await s.close();
        const s2 = await h.open();
        const id2 = (await created(s2, newJob())).jobId;
        assert.ok(id2 > id, `${id2} > ${id}`);
        await s2.close();
      } finally {
        await h.cleanup();
      }
    });

    test('compare-and-set wins only from the named statuses and reports the status it saw', withStore(async (s) => {
      const id = (await created(s, newJob())).jobId;
      assert.deepEqual(await s.beginRestart(id, RESTARTABLE), { ok: false, status: Status.INIT });
      assert.equal(await s.markRunning(id, 1000), true);
      assert.equal(await s.markRunning(id, 2000), false, 'already RUNNING');
      const kill = await s.beginKill(id, STOPPABLE, 'stopped', Status.KILLED, 1500);
      assert.ok(kill.ok);
      assert.equal(kill.job.status, Status.KILLING);
      assert.equal(kill.job.durationMs, 500);
      assert.equal(kill.job.runningSince, null);
      assert.deepEqual(await s.beginKill(id, STOPPABLE, 'stopped', Status.KILLED, 1600), { ok: false, status: Status.KILLING });
      assert.deepEqual(await s.beginKill(id, DELETABLE, 'deleted', Status.KILLED, 1600), { ok: false, status: Status.KILLING });
      assert.equal(await s.finishDelete(id), false, 'desired is stopped, not deleted');
      assert.equal(await s.finishStop(id), true);
      assert.equal(await s.finishStop(id), false, 'no longer KILLING');
      assert.equal((await s.get(id))?.status, Status.KILLED);
      assert.deepEqual(await s.beginKill(999_999, STOPPABLE, 'stopped', Status.KILLED, 1), { ok: false, status: undefined });
      assert.deepEqual(await s.beginRestart(999_999, RESTARTABLE), { ok: false, status: undefined });
    }));

    test('the job-count limit holds under concurrent creates, per project', withStore(async (s) => {
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => s.create(newJob(`j${i}`), 3)));
      assert.equal(results.filter((r) => r.ok).length, 3);
      assert.deepEqual(results.find((r) => !r.ok), { ok: false, reason: 'limit', limit: 3 });
      assert.equal(await s.countJobs('p'), 3);
      assert.equal((await s.create(newJob('other', 'q'), 3)).ok, true, 'limits are per project');
      const ids = results.flatMap((r) => (r.ok ? [r.job.jobId] : []));
      assert.equal(new Set(ids).size, 3, 'distinct ids');
    }));

    test('numeric fields are JS numbers on every read path', withStore(async (s) => {
      const j = await created(s, newJob('n', 'p', { createTime: 1_764_000_000_123, scheduleMs: 3_600_000 }));
      assertNumbers(j);
      assert.equal(await s.markRunning(j.jobId, 1_764_000_000_500), true);
      const got = await s.get(j.jobId);
      assert.ok(got);
      assertNumbers(got);
      assert.equal(got.createTime, 1_764_000_000_123);
      assert.equal(got.deadline, 1_764_000_000_500 + 3_600_000);
      for (const r of (await s.list({ projectId: 'p', sortBy: 'job_id', order: 'asc', limit: 10, offset: 0 })).jobs) assertNumbers(r);
      for (const r of await s.running()) assertNumbers(r);
      for (const r of await s.pending(Number.MAX_SAFE_INTEGER)) assertNumbers(r);
      assert.equal(typeof (await s.list({ projectId: 'p', sortBy: 'job_id', order: 'asc', limit: 1, offset: 0 })).total, 'number');
      assert.equal(await s.countJobs('p'), 1);
      assert.equal(await s.countRunning('p'), 1);
    }));

    test('list filters by status and search, sorts by every key both ways with job_id as tie-break, pages, and counts', withStore(async (s) => {
      const specs: [string, string, number, number][] = [
        ['beta', 'x', 30, Status.KILLED],
        ['Alpha', 'y', 10, Status.INIT],
        ['alpha_2', 'x', 20, Status.KILLED],
        ['ALPHA-3', 'z', 20, Status.FAILED],
        ['b%c', 'w', 40, Status.INIT],
        ['bxc', 'w', 40, Status.KILLED],
        ['gamma', 'x', 5, Status.COMPLETED],
      ];
      for (const [name, desc, t] of specs) await created(s, newJob(name, 'p', { jobDesc: desc, createTime: t }));
      await created(s, newJob('alpha_other_project', 'q'));
      for (const j of (await s.list({ projectId: 'p', sortBy: 'job_id', order: 'asc', limit: 100, offset: 0 })).jobs) {
        const status = specs.find((x) => x[0] === j.jobName)?.[3] ?? Status.INIT;
        if (status === Status.INIT) continue;
        const from = status === Status.FAILED ? Status.RUNNING : Status.INIT;
        if (from === Status.RUNNING) {
          assert.equal(await s.markRunning(j.jobId, 1), true);
          assert.equal(await s.markFailed(j.jobId, 'x', 2), true);
          continue;
        }
        assert.ok((await s.beginKill(j.jobId, [from], 'stopped', status, 2)).ok);
        assert.equal(await s.finishStop(j.jobId), true);
      }
      const all = (await s.list({ projectId: 'p', sortBy: 'job_id', order: 'asc', limit: 100, offset: 0 })).jobs;
      assert.equal(all.length, specs.length, 'other projects are invisible');
      assert.deepEqual(all.map((j) => [j.jobName, j.status]), specs.map(([n, , , st]) => [n, st]));

      const byte = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
      const key: Record<SortKey, (a: JobRecord, b: JobRecord) => number> = {
        job_id: (a, b) => a.jobId - b.jobId,
        job_name: (a, b) => byte(a.jobName, b.jobName),
        job_desc: (a, b) => byte(a.jobDesc, b.jobDesc),
        create_time: (a, b) => a.createTime - b.createTime,
        status: (a, b) => a.status - b.status,
      };
      for (const sortBy of Object.keys(key) as SortKey[]) {
        for (const order of ['asc', 'desc'] as const) {
          const sign = order === 'asc' ? 1 : -1;
          const want = [...all].sort((a, b) => sign * (key[sortBy](a, b) || a.jobId - b.jobId)).map((j) => j.jobId);
          const got = await s.list({ projectId: 'p', sortBy, order, limit: 100, offset: 0 });
          assert.deepEqual(got.jobs.map((j) => j.jobId), want, `${sortBy} ${order}`);
          const page2 = await s.list({ projectId: 'p', sortBy, order, limit: 3, offset: 3 });
          assert.deepEqual(page2.jobs.map((j) => j.jobId), want.slice(3, 6), `${sortBy} ${order} page 2`);
          assert.equal(page2.total, specs.length);
        }
      }

      const names = async (search: string, statuses?: number[]) => {
        const r = await s.list({ projectId: 'p', search, statuses, sortBy: 'job_id', order: 'asc', limit: 100, offset: 0 });
        return { total: r.total, names: r.jobs.map((j) => j.jobName) };
      };
      assert.deepEqual(await names('alpha'), { total: 3, names: ['Alpha', 'alpha_2', 'ALPHA-3'] }, 'case-insensitive substring');
      assert.deepEqual(await names('HA_'), { total: 1, names: ['alpha_2'] }, '_ is literal');
      assert.deepEqual(await names('%'), { total: 1, names: ['b%c'] }, '% is literal');
      assert.deepEqual(await names('\\'), { total: 0, names: [] }, 'backslash is literal');
      assert.deepEqual(await names('b'), { total: 3, names: ['beta', 'b%c', 'bxc'] });
      assert.deepEqual(await names('alpha', [Status.KILLED, Status.FAILED]), { total: 2, names: ['alpha_2', 'ALPHA-3'] });
      const statusOnly = await s.list({ projectId: 'p', statuses: [Status.INIT], sortBy: 'job_id', order: 'asc', limit: 1, offset: 0 });
      assert.equal(statusOnly.total, 2, 'total counts every match, not the page');
      assert.deepEqual(statusOnly.jobs.map((j) => j.jobName), ['Alpha']);
      const beyond = await s.list({ projectId: 'p', sortBy: 'job_id', order: 'asc', limit: 10, offset: 100 });
      assert.deepEqual(beyond, { total: specs.length, jobs: [] }, 'a page past the end still has the total');
      assert.deepEqual(await s.list({ projectId: 'nobody', sortBy: 'job_id', order: 'asc', limit: 10, offset: 0 }), { total: 0, jobs: [] });
    }));

    test('updateDesc changes only a job of the given project', withStore(async (s) => {
      const id = (await created(s, newJob())).jobId;
      assert.equal(await s.updateDesc('other', id, 'nope'), false);
      assert.equal(await s.updateDesc('p', id, 'new desc'), true);
      assert.equal((await s.get(id))?.jobDesc, 'new desc');
      assert.equal(await s.updateDesc('p', 999_999, 'x'), false);
    }));

    test('reconciler steps: waiting queue order, running stamps, auto-stop deadline, failure, stop targets', withStore(async (s) => {
      const a = await created(s, newJob('a', 'p', { scheduleMs: 1000 }));
      const b = await created(s, newJob('b'));
      const c = await created(s, newJob('c'));
      assert.ok(a.queuePos < b.queuePos && b.queuePos < c.queuePos, 'queue positions follow creation');
      assert.equal(await s.markWaiting(b.jobId), true);
      assert.equal(await s.markWaiting(b.jobId), false, 'only from INIT');
      assert.deepEqual((await s.pending(0)).map((j) => [j.jobId, j.status]), [[a.jobId, 1], [b.jobId, 7], [c.jobId, 1]]);

      assert.equal(await s.markRunning(a.jobId, 5000), true);
      const ra = await s.get(a.jobId);
      assert.equal(ra?.runningSince, 5000);
      assert.equal(ra?.deadline, 6000);
      assert.equal(await s.markRunning(b.jobId, 5000), true, 'from WAITING');
      assert.equal((await s.get(b.jobId))?.deadline, null, 'no schedule, no deadline');
      assert.deepEqual((await s.running()).map((j) => j.jobId), [a.jobId, b.jobId]);
      assert.equal(await s.countRunning('p'), 2);
      assert.equal(await s.countRunning('q'), 0);
      assert.deepEqual((await s.pending(5999)).map((j) => j.jobId), [c.jobId], 'deadline not reached');
      assert.deepEqual((await s.pending(6000)).map((j) => j.jobId), [a.jobId, c.jobId], 'overdue RUNNING job is pending');

      // Auto-stop: RUNNING → 9 with stop target 10 → 10 COMPLETED.
      const auto = await s.beginKill(a.jobId, [Status.RUNNING], 'stopped', Status.COMPLETED, 6500);
      assert.ok(auto.ok);
      assert.equal(auto.job.durationMs, 1500);
      assert.equal(auto.job.deadline, null);
      assert.equal(await s.finishStop(a.jobId), true);
      assert.equal((await s.get(a.jobId))?.status, Status.COMPLETED);

      // Failure closes the running interval and records the reason; restart clears it, back of the queue.
      assert.equal(await s.markFailed(b.jobId, 'storage refused', 5250), true);
      const fb = await s.get(b.jobId);
      assert.deepEqual([fb?.status, fb?.failureReason, fb?.durationMs, fb?.runningSince], [Status.FAILED, 'storage refused', 250, null]);
      assert.equal(await s.markFailed(b.jobId, 'again', 5300), false, 'FAILED is not a status it leaves');
      const rb = await s.beginRestart(b.jobId, RESTARTABLE);
      assert.ok(rb.ok);
      assert.deepEqual([rb.job.status, rb.job.desired, rb.job.failureReason, rb.job.durationMs], [Status.INIT, 'running', null, 250]);
      assert.ok(rb.job.queuePos > c.queuePos, 'a restarted job goes to the back of the queue');
      assert.deepEqual((await s.pending(0)).map((j) => j.jobId), [c.jobId, b.jobId]);

      // A stop wins over a later markRunning: the reconciler's step then does nothing.
      assert.ok((await s.beginKill(c.jobId, STOPPABLE, 'stopped', Status.KILLED, 7000)).ok);
      assert.equal(await s.markRunning(c.jobId, 7001), false);
      assert.equal(await s.markWaiting(c.jobId), false);
      assert.equal(await s.markFailed(c.jobId, 'x', 7001), false);
      assert.equal(await s.finishStop(c.jobId), true);
      assert.equal((await s.get(c.jobId))?.status, Status.KILLED);
    }));

    test('check() resolves on a reachable, migrated store; statusCounts() counts jobs by status', withStore(async (s) => {
      await s.check();
      assert.deepEqual([...(await s.statusCounts())], []);
      const a = await created(s, newJob('a'));
      await created(s, newJob('b', 'q'));
      assert.equal(await s.markRunning(a.jobId, 1), true);
      assert.deepEqual([...(await s.statusCounts())].sort((x, y) => x[0] - y[0]), [[Status.INIT, 1], [Status.RUNNING, 1]]);
    }));

    test('admitHead admits only the head of the project\'s queue, below the quota', withStore(async (s) => {
      const a = await created(s, newJob('a'));
      const b = await created(s, newJob('b'));
      const c = await created(s, newJob('c'));
      const other = await created(s, newJob('o', 'q'));
      assert.equal(await s.admitHead(b.jobId, 10, 1), false, 'a is queued before b');
      assert.equal(await s.admitHead(other.jobId, 10, 1), true, 'another project\'s queue is its own');
      assert.equal(await s.admitHead(a.jobId, 2, 1), true);
      assert.equal(await s.markWaiting(b.jobId), true);
      assert.equal(await s.admitHead(b.jobId, 2, 1), true, 'from WAITING, now the head');
      assert.equal(await s.admitHead(c.jobId, 2, 1), false, 'the quota is full');
      assert.ok((await s.beginKill(a.jobId, STOPPABLE, 'stopped', Status.KILLED, 2)).ok);
      assert.equal(await s.admitHead(c.jobId, 2, 3), true, 'a KILLING job holds no slot');
      assert.equal((await s.get(c.jobId))?.runningSince, 3);
      assert.equal(await s.admitHead(c.jobId, 2, 3), false, 'already RUNNING');
    }));

    test('status sets are parameters: one statement takes whatever set the caller passes, and each handle sees the same answer', withStore(async (s, h) => {
      const a = await created(s, newJob('a'));
      const b = await created(s, newJob('b'));
      assert.equal(await s.markRunning(b.jobId, 10), true);
      // The same compare-and-set with different sets: a set without the job's status refuses it.
      assert.deepEqual(await s.beginKill(a.jobId, [Status.WAITING, Status.RUNNING], 'stopped', Status.KILLED, 20), { ok: false, status: Status.INIT });
      assert.deepEqual(await s.beginKill(b.jobId, [Status.INIT], 'stopped', Status.KILLED, 20), { ok: false, status: Status.RUNNING });
      assert.deepEqual(await s.beginKill(a.jobId, [], 'stopped', Status.KILLED, 20), { ok: false, status: Status.INIT });
      assert.ok((await s.beginKill(b.jobId, [Status.RUNNING], 'stopped', Status.KILLED, 20)).ok);
      const page = async (statuses: number[]): Promise<number[]> =>
        (await s.list({ projectId: 'p', statuses, sortBy: 'job_id', order: 'asc', limit: 10, offset: 0 })).jobs.map((j) => j.jobId);
      assert.deepEqual(await page([Status.INIT]), [a.jobId]);
      assert.deepEqual(await page([Status.KILLING]), [b.jobId]);
      assert.deepEqual(await page([Status.INIT, Status.KILLING]), [a.jobId, b.jobId]);
      assert.deepEqual(await page([Status.RUNNING]), []);
      // The reconciler's pending set (domain RECONCILE_PENDING) comes back from another handle too.
      const other = await h.open();
      try {
        assert.deepEqual((await other.pending(0)).map((j) => j.status), [Status.INIT, Status.KILLING]);
      } finally {
        await other.close();
      }
    }));

    test('conditions are written while the job is 1, 7 or 8, read back on every path, and cleared by a restart', withStore(async (s) => {
      const id = (await created(s, newJob())).jobId;
      assert.deepEqual((await s.get(id))?.conditions, [], 'none recorded');
      const down: JobCondition[] = [
        { type: 'StorageReachable', status: 'False', reason: 'StorageUnavailable', message: 'storage unavailable, retrying', lastTransitionTime: 1_764_000_000_123 },
        { type: 'Serving', status: 'False', reason: 'RetryingStart', message: 'retried with backoff', lastTransitionTime: 1_764_000_000_123 },
      ];
      assert.equal(await s.setConditions(id, down), true);
      assert.deepEqual((await s.get(id))?.conditions, down);
      assert.equal(await s.markRunning(id, 10), true);
      const up: JobCondition[] = [{ ...down[0], status: 'True', reason: 'Reachable', message: 'ok', lastTransitionTime: 1_764_000_000_999 }];
      assert.equal(await s.setConditions(id, up), true, 'RUNNING');
      assert.deepEqual((await s.running())[0]?.conditions, up);
      assert.deepEqual((await s.list({ projectId: 'p', sortBy: 'job_id', order: 'asc', limit: 1, offset: 0 })).jobs[0]?.conditions, up);
      assert.ok((await s.beginKill(id, STOPPABLE, 'stopped', Status.KILLED, 20)).ok);
      assert.equal(await s.setConditions(id, down), false, 'not while KILLING');
      assert.equal(await s.finishStop(id), true);
      assert.equal(await s.setConditions(id, down), false, 'not once KILLED');
      assert.deepEqual((await s.get(id))?.conditions, up, 'kept while stopped');
      const restarted = await s.beginRestart(id, RESTARTABLE);
      assert.ok(restarted.ok);
      assert.deepEqual(restarted.job.conditions, [], 'a restart starts without the old observations');
      assert.equal(await s.setConditions(id, []), true);
      assert.deepEqual((await s.get(id))?.conditions, []);
    }));

    test('delete: teardown failure lands on 6 DELETE_FAILED, which can be deleted again and then is gone', withStore(async (s) => {
      const id = (await created(s, newJob())).jobId;
      assert.equal(await s.markRunning(id, 10), true);
      assert.ok((await s.beginKill(id, DELETABLE, 'deleted', Status.KILLED, 20)).ok);
      assert.equal(await s.finishStop(id), false, 'desired is deleted, not stopped');
      assert.equal(await s.failDelete(id, 'cache directory is busy'), true);
      const failed = await s.get(id);
      assert.deepEqual([failed?.status, failed?.desired, failed?.failureReason], [Status.DELETE_FAILED, 'stopped', 'cache directory is busy']);
      assert.equal(await s.failDelete(id, 'again'), false);
      assert.ok((await s.beginKill(id, DELETABLE, 'deleted', Status.KILLED, 30)).ok);
      assert.equal(await s.finishDelete(id), true);
      assert.equal(await s.finishDelete(id), false);
      assert.equal(await s.get(id), undefined);
      assert.equal(await s.countJobs('p'), 0);
      assert.deepEqual(await s.beginKill(id, DELETABLE, 'deleted', Status.KILLED, 40), { ok: false, status: undefined });
    }));

    test('a revoked session stays revoked for every handle on the database until its expiry, then its row is purged', async () => {
      const h = await fresh();
      const a = await h.open();
      const b = await h.open();
      try {
        assert.equal(await a.isSessionRevoked('s1'), false);
        await a.revokeSession('s1', 1_000, 0);
        await a.revokeSession('s1', 1_000, 10); // a second sign-out of the same session is no error
        assert.equal(await a.isSessionRevoked('s1'), true);
        assert.equal(await b.isSessionRevoked('s1'), true, 'seen through another handle (replica)');
        assert.equal(await b.isSessionRevoked('s2'), false);
        // A later revocation purges rows whose cookies have expired: s1 expired at 1,000.
        await b.revokeSession('s2', 5_000, 1_000);
        assert.equal(await a.isSessionRevoked('s1'), false);
        assert.equal(await a.isSessionRevoked('s2'), true);
        // Already expired: nothing to remember.
        await a.revokeSession('s3', 4_000, 4_000);
        assert.equal(await b.isSessionRevoked('s3'), false);
      } finally {
        await a.close();
        await b.close();
        await h.cleanup();
      }
    });
  });
}
