// Several replicas of the whole service (API + viewer) on one PostgreSQL database: a job's viewer
// is served by whichever replica a request reaches, because every data request checks the job's
// status in the shared store and starts serving it locally if needed; a stop through any replica
// closes the viewer on all of them at the next request (the data a replica still holds is only
// memory, dropped after the idle time, and never read again).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFullStack, type FullStack } from '../app.js';
import { loadConfig } from '../config.js';
import { createTestSchema } from '../testing/postgres.js';
import { pytorchFixtureDir } from '../testing/paths.js';
import { until } from '../testing/until.js';

const expectedRuns = (JSON.parse(readFileSync(join(pytorchFixtureDir, 'expected-tensorboard.json'), 'utf8')) as { runs: string[] }).runs;
const headers = { 'x-auth-token': 't1', 'content-type': 'application/json' };
const JOBS = '/v1/p1/visualization-jobs';

test('two replicas on one PostgreSQL schema both serve a RUNNING job\'s viewer, and neither once it is stopped through one', async () => {
  const schema = await createTestSchema();
  const tmp = mkdtempSync(join(tmpdir(), 'vizjobs-replicas-'));
  cpSync(pytorchFixtureDir, join(tmp, 'obs', 'demo', 'mlp'), { recursive: true });
  const replica = (name: string): Promise<FullStack> =>
    buildFullStack(loadConfig({ db: schema.url, dataDir: join(tmp, name), obsRoot: join(tmp, 'obs'), tokens: 't1=p1', publicUrl: 'http://vizjobs.test' }, {}));
  const stacks: FullStack[] = [];
  try {
    stacks.push(await replica('a'), await replica('b'));
    const [a, b] = stacks.map((s) => s.built.app);
    const created = await a.inject({ method: 'POST', url: JOBS, headers, payload: { job_name: 'shared', train_url: '/demo/mlp/' } });
    assert.equal(created.statusCode, 200, created.body);
    const id = (created.json() as { job_id: number }).job_id;
    const status = async (app: typeof a): Promise<number> => ((await app.inject({ url: `${JOBS}/${id}`, headers })).json() as { status: number }).status;
    await until('RUNNING', async () => (await status(b)) === 8);

    for (const [name, app] of [['a', a], ['b', b]] as const) {
      const runs = await app.inject({ url: `/visualization/p1/${id}/data/runs`, headers });
      assert.equal(runs.statusCode, 200, `${name}: ${runs.body}`);
      assert.deepEqual(runs.json(), expectedRuns, name);
    }

    const stop = await b.inject({ method: 'POST', url: `${JOBS}/${id}/stop`, headers });
    assert.equal(stop.statusCode, 200, stop.body);
    await until('KILLED', async () => (await status(a)) === 12);
    for (const [name, app] of [['a', a], ['b', b]] as const) {
      const runs = await app.inject({ url: `/visualization/p1/${id}/data/runs`, headers: { ...headers, accept: 'application/json' } });
      assert.equal(runs.statusCode, 409, `${name}: ${runs.body}`);
    }
  } finally {
    for (const s of stacks) await s.close();
    rmSync(tmp, { recursive: true, force: true });
    await schema.drop();
  }
});
