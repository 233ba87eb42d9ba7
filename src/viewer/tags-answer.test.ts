// A tags answer larger than one encoding batch (plugin-routes tagsBody: 256 K characters) is the
// same JSON as one built at once: every run, every tag, no separator lost or doubled at a batch edge.
import { afterEach, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SummaryWriter } from '../writer/index.js';
import { viewerTestApp } from '../testing/viewer-app.js';

const H = { 'x-auth-token': 'tok' };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await (cleanups.pop() as () => Promise<void>)();
});

it('a scalars/tags answer of ~650 KB (three encoding batches) lists every run and tag exactly', async () => {
  const root = await mkdtemp(join(tmpdir(), 'vizjobs-tags-'));
  cleanups.push(() => rm(root, { recursive: true, force: true }));
  const logs = join(root, 'demo', 'sweep');
  await mkdir(logs, { recursive: true });
  const runs = Array.from({ length: 70 }, (_, r) => `lr${r}/séed-${r % 3}`);
  const tagsOf = (r: number): string[] => Array.from({ length: 100 }, (_, t) => `metrics/${'long_name_'.repeat(4)}${t}/ü${r}`);
  runs.forEach((run, r) => {
    const w = new SummaryWriter(join(logs, run), { now: () => 1000 });
    for (const tag of tagsOf(r)) w.addScalar(tag, 1, 0, 1000);
    w.close();
  });
  const t = await viewerTestApp({ obsRoot: root, tokens: 'tok=proj' });
  cleanups.push(() => t.close());
  t.jobs.set(1, { projectId: 'proj', status: 8, trainUrl: '/demo/sweep/' });
  await t.runtime.start({ jobId: 1, projectId: 'proj', jobType: 'tensorboard', trainUrl: '/demo/sweep/' });
  let res = await t.app.inject({ url: '/visualization/proj/1/data/plugin/scalars/tags', headers: H });
  // A first answer may come from the load still running: ask again once it is complete.
  for (let i = 0; i < 600 && res.headers['x-vizjobs-partial'] !== undefined; i++) {
    await new Promise((r) => setTimeout(r, 50));
    res = await t.app.inject({ url: '/visualization/proj/1/data/plugin/scalars/tags', headers: H });
  }
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['x-vizjobs-partial'], undefined);
  assert.ok(res.rawPayload.length > 2 * 256 * 1024, `${res.rawPayload.length} bytes`);
  const body = JSON.parse(res.rawPayload.toString('utf8')) as Record<string, Record<string, { displayName: string }>>;
  assert.deepEqual(Object.keys(body).sort(), [...runs].sort());
  runs.forEach((run, r) => assert.deepEqual(Object.keys(body[run]).sort(), tagsOf(r).sort(), run));
});
