// The loading policy: storage is touched once at start, then only while someone views the job;
// data loads on first view, refreshes (at most once per interval) while viewed, and is released
// after the idle time while the job keeps RUNNING.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pytorchFixtureDir } from '../testing/paths.js';
import { viewerTestApp, type CountingStorage, type ViewerTestApp } from '../testing/viewer-app.js';

const RUN = 'mlp_lr1e-3_adam';
const H = { 'x-auth-token': 'tok' };
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  while (cleanups.length) await (cleanups.pop() as () => Promise<void>)();
});

async function setup(opts: { idleMs?: number; reloadIntervalMs?: number } = {}): Promise<{ t: ViewerTestApp; logs: string }> {
  const root = await mkdtemp(join(tmpdir(), 'vizjobs-runtime-'));
  const logs = join(root, 'demo', 'logs');
  await mkdir(logs, { recursive: true });
  const t = await viewerTestApp({ obsRoot: root, tokens: 'tok=proj', ...opts });
  t.clock.now = 1_000_000;
  t.jobs.set(1, { projectId: 'proj', status: 8, trainUrl: '/demo/logs/' });
  cleanups.push(async () => {
    await t.close();
    await rm(root, { recursive: true, force: true });
  });
  return { t, logs };
}

/** setup() with the PyTorch fixture's run in the job's directory and the job started. */
async function started(opts: { idleMs?: number; reloadIntervalMs?: number } = {}): Promise<{ t: ViewerTestApp; logs: string; storage: CountingStorage }> {
  const { t, logs } = await setup(opts);
  await cp(join(pytorchFixtureDir, RUN), join(logs, RUN), { recursive: true });
  await t.runtime.start({ jobId: 1, projectId: 'proj', jobType: 'tensorboard', trainUrl: '/demo/logs/' });
  const storage = t.storages.get('/demo/logs/');
  assert.ok(storage);
  return { t, logs, storage };
}

async function lossTrainLength(t: ViewerTestApp): Promise<number> {
  const r = await t.app.inject({ url: `/visualization/proj/1/data/plugin/scalars/scalars?run=${RUN}&tag=loss%2Ftrain`, headers: H });
  if (r.statusCode === 404) return 0;
  assert.equal(r.statusCode, 200, r.body);
  return (r.json() as unknown[]).length;
}

describe('viewer loading policy', () => {
  it('stopping a job during its first load stops the load\'s reads', async () => {
    const { t, logs, storage } = await started();
    for (let r = 0; r < 40; r++) await cp(join(logs, RUN), join(logs, `copy${r}`), { recursive: true });
    let release = (): void => undefined;
    storage.hold = { until: new Promise<void>((r) => (release = r)), held: () => true };
    void t.runtime.status(1); // starts the first load without waiting for it
    while (!t.runtime.status(1)?.progress?.listed) await sleep(5);
    await sleep(50);
    const ahead = storage.calls.read;
    await t.runtime.stop(1);
    release();
    await sleep(300);
    assert.equal(storage.calls.read, ahead, 'no read started after the stop');
  });

  it('a request waiting for a first load that is dropped meanwhile (idle sweep, memory budget) gets the data, not "not running"', async () => {
    const { t, storage } = await started({ idleMs: 1_000 });
    let release = (): void => undefined;
    storage.hold = { until: new Promise<void>((r) => (release = r)), held: () => true };
    const answer = lossTrainLength(t); // waits for the whole first load
    while (!t.runtime.status(1)?.progress?.listed) await sleep(5);
    // The load outlives the idle time (a slow object store): the sweep drops it mid-load.
    t.clock.now += 5_000;
    t.runtime.sweep();
    assert.deepEqual(t.runtime.loadedJobIds(), []);
    storage.hold = undefined;
    release();
    assert.equal(await answer, 2000);
  });

  it('start lists the storage once, reads nothing, and nothing touches storage while nobody views', async () => {
    const { t, storage } = await started({ reloadIntervalMs: 10 });
    assert.deepEqual(storage.calls, { list: 1, stat: 0, read: 0 });
    await sleep(150);
    t.clock.now += 3_600_000;
    t.runtime.sweep();
    await sleep(50);
    assert.deepEqual(storage.calls, { list: 1, stat: 0, read: 0 });
    assert.deepEqual(t.runtime.loadedJobIds(), []);
    assert.ok(t.runtime.isServing(1));
  });

  it('loads on first view, then reloads at most once per interval while viewed', async () => {
    const { t, storage } = await started({ reloadIntervalMs: 3_000 });
    assert.equal(await lossTrainLength(t), 2000);
    assert.equal(storage.calls.list, 2);
    assert.ok(storage.calls.read > 0);
    const afterLoad = storage.total();
    for (let i = 0; i < 5; i++) await lossTrainLength(t);
    assert.equal(storage.total(), afterLoad, 'requests within the interval are served from memory');
    t.clock.now += 3_001;
    await lossTrainLength(t);
    await sleep(50);
    assert.equal(storage.calls.list, 3, 'one background reload after the interval');
  });

  it('stretches the interval so that reloads take at most a fifth of the time a job is viewed', async () => {
    const { t, storage } = await started({ reloadIntervalMs: 3_000 });
    assert.equal(await lossTrainLength(t), 2000);
    // A reload whose listing takes 2 s (by the runtime's clock): the next one waits 10 s, not 3.
    let release = (): void => {};
    storage.holdList = new Promise((r) => (release = r));
    const before = storage.calls.list;
    t.clock.now += 3_001;
    await lossTrainLength(t);
    for (let i = 0; i < 100 && storage.calls.list === before; i++) await sleep(10);
    const lists = before + 1;
    assert.equal(storage.calls.list, lists, 'the reload is listing');
    t.clock.now += 2_000;
    release();
    storage.holdList = undefined;
    for (let i = 0; i < 100 && t.runtime.status(1)?.lastReloadAt !== t.clock.now; i++) await sleep(10);
    assert.equal(t.runtime.status(1)?.lastReloadAt, t.clock.now, 'the slow reload ended');
    t.clock.now += 3_001; // 5 s after it began
    await lossTrainLength(t);
    await sleep(50);
    assert.equal(storage.calls.list, lists, 'no reload 5 s after a 2 s one began');
    t.clock.now += 5_000; // 10 s after
    await lossTrainLength(t);
    await sleep(50);
    assert.equal(storage.calls.list, lists + 1, 'the next reload 10 s after');
    // That one was instant: the interval is back to 3 s.
    t.clock.now += 3_001;
    await lossTrainLength(t);
    await sleep(50);
    assert.equal(storage.calls.list, lists + 2);
  });

  it('releases the data after the idle time and keeps the job RUNNING; the next view loads again', async () => {
    const { t, logs } = await setup({ idleMs: 60_000 });
    await cp(join(pytorchFixtureDir, RUN), join(logs, RUN), { recursive: true });
    await t.runtime.start({ jobId: 1, projectId: 'proj', jobType: 'tensorboard', trainUrl: '/demo/logs/' });
    assert.equal(await lossTrainLength(t), 2000);
    assert.deepEqual(t.runtime.loadedJobIds(), [1]);
    t.clock.now += 30_000;
    t.runtime.sweep();
    assert.deepEqual(t.runtime.loadedJobIds(), [1], 'not idle long enough');
    t.clock.now += 60_000;
    t.runtime.sweep();
    assert.deepEqual(t.runtime.loadedJobIds(), []);
    assert.ok(t.runtime.isServing(1));
    const storage = t.storages.get('/demo/logs/');
    assert.ok(storage);
    const reads = storage.calls.read;
    assert.equal(await lossTrainLength(t), 2000);
    assert.ok(storage.calls.read > reads, 'reloaded from storage after release');
  });

  it('shows "no data yet" for a missing directory and picks up data when it appears and grows', async () => {
    const { t, logs } = await setup({ reloadIntervalMs: 1_000 });
    await rm(logs, { recursive: true });
    await t.runtime.start({ jobId: 1, projectId: 'proj', jobType: 'tensorboard', trainUrl: '/demo/logs/' });
    const runs = await t.app.inject({ url: '/visualization/proj/1/data/runs', headers: H });
    assert.deepEqual(runs.json(), []);

    // The event file arrives cut in the middle of a record, then the rest is appended.
    const src = join(pytorchFixtureDir, RUN);
    const file = (await readdir(src)).find((f) => f.includes('tfevents')) as string;
    const bytes = await readFile(join(src, file));
    await mkdir(join(logs, RUN), { recursive: true });
    const cut = Math.floor(bytes.length / 2) + 3;
    await writeFile(join(logs, RUN, file), bytes.subarray(0, cut));
    let n = 0;
    for (let i = 0; i < 100 && n === 0; i++) {
      t.clock.now += 1_001;
      n = await lossTrainLength(t);
      if (n === 0) await sleep(10);
    }
    assert.ok(n > 0 && n < 2000, `partial file gives part of the series (${n})`);
    await appendFile(join(logs, RUN, file), bytes.subarray(cut));
    for (let i = 0; i < 100 && n < 2000; i++) {
      t.clock.now += 1_001;
      n = await lossTrainLength(t);
      if (n < 2000) await sleep(10);
    }
    assert.equal(n, 2000);
  });

  it('reports loading on the first status call without waiting, then ready with what was read', async () => {
    const { t, logs } = await setup();
    await cp(join(pytorchFixtureDir, RUN), join(logs, RUN), { recursive: true });
    await t.runtime.start({ jobId: 1, projectId: 'proj', jobType: 'tensorboard', trainUrl: '/demo/logs/' });
    const status = async (): Promise<{ state: string; points: number; bytes_read: number }> =>
      (await t.app.inject({ url: '/visualization/proj/1/data/status', headers: H })).json() as { state: string; points: number; bytes_read: number };
    const first = await status();
    assert.equal(first.state, 'loading');
    let s = first;
    for (let i = 0; i < 200 && s.state !== 'ready'; i++) {
      await sleep(10);
      s = await status();
    }
    assert.equal(s.state, 'ready');
    assert.ok(s.points > 2000 && s.bytes_read > 800_000);
  });

  it('joins concurrent starts into one listing, and a stop during a start wins', async () => {
    const { t, logs } = await setup();
    await cp(join(pytorchFixtureDir, RUN), join(logs, RUN), { recursive: true });
    const job = { jobId: 1, projectId: 'proj', jobType: 'tensorboard' as const, trainUrl: '/demo/logs/' };
    await Promise.all([t.runtime.start(job), t.runtime.start(job), t.runtime.start(job)]);
    assert.equal(t.storages.get('/demo/logs/')?.calls.list, 1);
    await t.runtime.stop(1);
    const starting = t.runtime.start(job);
    await t.runtime.stop(1);
    await starting;
    assert.equal(t.runtime.isServing(1), false);
  });

  it('stop drops the job: it is no longer served and holds no data', async () => {
    const { t, logs } = await setup();
    await cp(join(pytorchFixtureDir, RUN), join(logs, RUN), { recursive: true });
    await t.runtime.start({ jobId: 1, projectId: 'proj', jobType: 'tensorboard', trainUrl: '/demo/logs/' });
    assert.equal(await lossTrainLength(t), 2000);
    await t.runtime.stop(1);
    assert.equal(t.runtime.isServing(1), false);
    assert.deepEqual(t.runtime.loadedJobIds(), []);
    await t.runtime.teardown(1); // idempotent
    await t.runtime.stop(42);
  });
});
