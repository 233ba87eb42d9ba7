// ViewerRuntime's side of the runtime error contract: start failures come out transient or
// permanent with a message naming the train_url (how viewer requests wait out a backoff is the
// reconciler's: viewer/serving.test.ts); a reload that finds the storage permanently bad is
// reported to the lifecycle.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobRuntimeError } from '../runtime/runtime.js';
import { LocalStorage } from '../storage/local.js';
import { toStorageError } from '../storage/errors.js';
import type { ObjectStorage } from '../storage/storage.js';
import { ViewerRuntime } from './runtime.js';

const job = { jobId: 1, projectId: 'p', jobType: 'tensorboard' as const, trainUrl: '/demo/logs/' };

async function rejection(p: Promise<unknown>): Promise<JobRuntimeError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof JobRuntimeError, String(err));
    return err;
  }
  assert.fail('expected a JobRuntimeError');
}

/** A local bucket whose calls can be made to fail like an unreachable store, counted. */
async function setup(reloadIntervalMs = 0): Promise<{ root: string; rt: ViewerRuntime; calls: () => number; fail: (on: boolean) => void; clock: { now: number } }> {
  const root = await mkdtemp(join(tmpdir(), 'vizjobs-rt-errors-'));
  await mkdir(join(root, 'demo', 'logs'), { recursive: true });
  let calls = 0;
  let failing = false;
  const clock = { now: 1_000_000 };
  const rt = new ViewerRuntime({
    config: { obsRoot: root, s3Endpoint: '', viewerIdleMs: 60_000 },
    reloadIntervalMs,
    now: () => clock.now,
    locate: () => {
      const inner = new LocalStorage(join(root, 'demo'), root);
      const storage: ObjectStorage = {
        description: 'test',
        list: async (prefix) => {
          calls++;
          if (failing) throw toStorageError(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }), `listing ${prefix}`);
          return inner.list(prefix);
        },
        stat: (key) => inner.stat(key),
        read: (key, offset, length) => inner.read(key, offset, length),
      };
      return { storage, prefix: 'logs/' };
    },
  });
  return { root, rt, calls: () => calls, fail: (on) => (failing = on), clock };
}

describe('ViewerRuntime failures', () => {
  it('a transient start failure is reported as transient, naming nothing but the train_url, and a later start serves', async () => {
    const { root, rt, calls, fail } = await setup(3_000);
    try {
      fail(true);
      const err = await rejection(rt.start(job));
      assert.equal(err.retry, 'transient');
      assert.equal(calls(), 1);
      assert.equal(rt.isServing(1), false);
      fail(false);
      await rt.start(job); // the lifecycle's retry
      assert.equal(calls(), 2);
      assert.equal(rt.isServing(1), true);
    } finally {
      rt.close();
      await rm(root, { recursive: true, force: true });
    }
  });

  it('a reload finding the train_url turned into a symlink loop is a permanent failure reported to the lifecycle', async () => {
    const { root, rt } = await setup();
    const reported: [number, JobRuntimeError][] = [];
    rt.onFailure((jobId, err) => reported.push([jobId, err]));
    try {
      await rt.start(job);
      assert.ok(await rt.view(1));
      await rm(join(root, 'demo', 'logs'), { recursive: true });
      await symlink('logs', join(root, 'demo', 'logs'));
      rt.sweep(); // keeps it loaded; the next view reloads (interval 0)
      await rt.view(1);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(reported.length, 1);
      assert.equal(reported[0][0], 1);
      assert.equal(reported[0][1].retry, 'permanent');
      assert.equal(reported[0][1].message, 'train_url /demo/logs/ is a symlink loop');
      assert.equal(rt.status(1)?.error, 'train_url /demo/logs/ is a symlink loop');
    } finally {
      rt.close();
      await rm(root, { recursive: true, force: true });
    }
  });

  it('a first load failing transiently answers "storage unavailable, retrying" instead of empty data', async () => {
    const { root, rt, fail } = await setup();
    try {
      await rt.start(job);
      fail(true);
      const err = await rejection(rt.view(1));
      assert.equal(err.retry, 'transient');
      assert.equal(rt.status(1)?.error, 'storage unavailable, retrying');
      fail(false);
      await new Promise((r) => setTimeout(r, 20));
      assert.ok(await rt.view(1), 'serves once storage answers');
    } finally {
      rt.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});
