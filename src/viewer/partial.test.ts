// A sweep's first load takes a while (thousands of objects on S3): data/runs and scalars/tags answer
// once the directory is listed and FIRST_ANSWER_MS has passed, with every run and the loaded runs'
// tags, marked X-Vizjobs-Partial and never cached; so do environment and scalars_multirun (what the
// web UI asks first); every other route waits for the whole load.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SummaryWriter } from '../writer/index.js';
import { viewerTestApp, type ViewerTestApp } from '../testing/viewer-app.js';

const H = { 'x-auth-token': 'tok' };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await (cleanups.pop() as () => Promise<void>)();
});

async function sweepApp(): Promise<{ t: ViewerTestApp; release: () => void }> {
  const root = await mkdtemp(join(tmpdir(), 'vizjobs-partial-'));
  const logs = join(root, 'demo', 'sweep');
  await mkdir(logs, { recursive: true });
  for (const name of ['a', 'b', 'c']) {
    const w = new SummaryWriter(join(logs, name), { now: () => 1000 });
    for (let step = 0; step < 5; step++) w.addScalar(`loss_${name}`, step, step, 1000 + step);
    w.close();
  }
  const t = await viewerTestApp({ obsRoot: root, tokens: 'tok=proj' });
  t.jobs.set(1, { projectId: 'proj', status: 8, trainUrl: '/demo/sweep/' });
  cleanups.push(async () => {
    await t.close();
    await rm(root, { recursive: true, force: true });
  });
  await t.runtime.start({ jobId: 1, projectId: 'proj', jobType: 'tensorboard', trainUrl: '/demo/sweep/' });
  const storage = t.storages.get('/demo/sweep/');
  assert.ok(storage);
  let release = (): void => undefined;
  // Run c's file is slow to read: the load lists all three runs and reads a and b.
  storage.hold = { until: new Promise<void>((r) => (release = r)), held: (key) => key.includes('/c/') };
  return { t, release };
}

describe('answers from a first load still running', () => {
  it('data/runs and scalars/tags answer with every run and the loaded tags, marked partial, then complete once loaded', async () => {
    const { t, release } = await sweepApp();
    const url = (p: string): string => `/visualization/proj/1/data/${p}`;
    const t0 = performance.now();
    const runs = await t.app.inject({ url: url('runs'), headers: H });
    assert.equal(runs.statusCode, 200, runs.body);
    assert.ok(performance.now() - t0 < 30_000);
    assert.deepEqual([...(runs.json() as string[])].sort(), ['a', 'b', 'c']);
    assert.equal(runs.headers['x-vizjobs-partial'], '2/3');

    const tags = await t.app.inject({ url: url('plugin/scalars/tags'), headers: H });
    assert.equal(tags.statusCode, 200);
    assert.equal(tags.headers['x-vizjobs-partial'], '2/3');
    assert.deepEqual(Object.keys(tags.json() as object).sort(), ['a', 'b']);

    const status = (await t.app.inject({ url: url('status'), headers: H })).json() as { state: string; load: unknown };
    assert.equal(status.state, 'loading');
    assert.deepEqual(status.load, { listed: true, files: 3, files_read: 2 });

    // The web UI's series request answers with the runs read so far (c's file is still held).
    const form = 'tag=loss_a&runs=a&runs=c';
    const multi = await t.app.inject({ method: 'POST', url: url('plugin/scalars/scalars_multirun'), headers: { ...H, 'content-type': 'application/x-www-form-urlencoded' }, payload: form });
    assert.equal(multi.statusCode, 200, multi.body);
    assert.equal(multi.headers['x-vizjobs-partial'], '2/3');
    assert.equal((multi.json() as Record<string, unknown[]>).a.length, 5);
    const env = await t.app.inject({ url: url('environment'), headers: H });
    assert.equal(env.statusCode, 200);

    // A series of the per-run route waits for the whole load, whatever its run.
    let seriesDone = false;
    const series = t.app.inject({ url: url('plugin/scalars/scalars?run=a&tag=loss_a'), headers: H }).then((r) => {
      seriesDone = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(seriesDone, false);
    release();
    assert.equal((await series).statusCode, 200);

    const after = await t.app.inject({ url: url('plugin/scalars/tags'), headers: H });
    assert.equal(after.headers['x-vizjobs-partial'], undefined);
    assert.deepEqual(Object.keys(after.json() as object).sort(), ['a', 'b', 'c']);
    assert.deepEqual(Object.keys((after.json() as Record<string, object>).c), ['loss_c']);
    const done = (await t.app.inject({ url: url('status'), headers: H })).json() as { state: string; load: unknown };
    assert.equal(done.state, 'ready');
    assert.equal(done.load, null);
  });

  it('the wait is counted from the load\'s start: requests made one after another wait once between them', async () => {
    const { t, release } = await sweepApp();
    cleanups.push(async () => release()); // runs first, so the app's close does not wait for the held read
    const WAIT = 3_000;
    const t0 = performance.now();
    const first = await t.runtime.viewSoon(1, WAIT);
    assert.equal(first?.partial, '2/3');
    assert.ok(performance.now() - t0 >= WAIT - 50, 'the first answer waited for the load');
    // The next request (the web UI's runs after environment, tags after runs) finds the load
    // older than the wait and answers with what is loaded; counted from its own arrival, it
    // would wait another WAIT.
    const t1 = performance.now();
    const second = await Promise.race([t.runtime.viewSoon(1, WAIT), new Promise<'late'>((r) => setTimeout(() => r('late'), WAIT / 2))]);
    assert.ok(second !== 'late', `the second answer waited again (${(performance.now() - t1).toFixed(0)} ms)`);
    assert.equal(second?.partial, '2/3');
    release();
  });

  it('a load that ends within the wait answers complete, unmarked', async () => {
    const { t, release } = await sweepApp();
    release();
    const tags = await t.app.inject({ url: '/visualization/proj/1/data/plugin/scalars/tags', headers: H });
    assert.equal(tags.headers['x-vizjobs-partial'], undefined);
    assert.deepEqual(Object.keys(tags.json() as object).sort(), ['a', 'b', 'c']);
  });
});
