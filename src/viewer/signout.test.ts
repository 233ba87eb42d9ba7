// Sign-out through the whole service (buildFullStack: API, viewer, web UI): the session is revoked
// in the job store, so a copy of the cookie taken before signing out gets 401 — on SQLite, and on
// two replicas sharing one PostgreSQL schema and one session key, where the replica that signed out
// refuses it at once and the other within its 1 s "not revoked" cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { buildFullStack, type FullStack } from '../app.js';
import { loadConfig } from '../config.js';
import { createTestSchema } from '../testing/postgres.js';
import { pytorchFixtureDir } from '../testing/paths.js';

const JOBS = '/v1/p1/visualization-jobs';
const headers = { 'x-auth-token': 't1' };

async function runningJob(app: FastifyInstance): Promise<number> {
  const created = await app.inject({ method: 'POST', url: JOBS, headers, payload: { job_name: 'j', train_url: '/demo/mlp/' } });
  assert.equal(created.statusCode, 200, created.body);
  const id = (created.json() as { job_id: number }).job_id;
  for (let i = 0; i < 300; i++) {
    if (((await app.inject({ url: `${JOBS}/${id}`, headers })).json() as { status: number }).status === 8) return id;
    await sleep(50);
  }
  throw new Error('job never reached RUNNING');
}

async function signIn(app: FastifyInstance): Promise<string> {
  const r = await app.inject({ method: 'POST', url: '/v1/auth/session', payload: { token: 't1' } });
  assert.equal(r.statusCode, 200, r.body);
  return String(r.headers['set-cookie']).split(';')[0];
}

const get = async (app: FastifyInstance, url: string, cookie: string): Promise<number> =>
  (await app.inject({ url, headers: { cookie, accept: 'application/json' } })).statusCode;

function fixtureDir(): string {
  const tmp = mkdtempSync(join(tmpdir(), 'vizjobs-signout-'));
  cpSync(pytorchFixtureDir, join(tmp, 'obs', 'demo', 'mlp'), { recursive: true });
  return tmp;
}

test('SQLite: after sign-out, a copy of the cookie gets 401 from the data API, the viewer page and the session route', async () => {
  const tmp = fixtureDir();
  const stack = await buildFullStack(loadConfig({ dataDir: join(tmp, 'data'), obsRoot: join(tmp, 'obs'), tokens: 't1=p1', publicUrl: 'http://vizjobs.test' }, {}));
  try {
    const app = stack.built.app;
    const id = await runningJob(app);
    const runs = `/visualization/p1/${id}/data/runs`;
    const page = `/visualization/p1/${id}/`;
    const cookie = await signIn(app);
    const copy = cookie;
    assert.equal(await get(app, runs, cookie), 200);
    assert.equal(await get(app, page, cookie), 200);
    const out = await app.inject({ method: 'DELETE', url: '/v1/auth/session', headers: { cookie } });
    assert.equal(out.statusCode, 200);
    assert.equal(await get(app, runs, copy), 401);
    assert.equal(await get(app, page, copy), 401);
    assert.equal(await get(app, '/v1/auth/session', copy), 401);
    // The revocation is in the store: a restart on the same data still refuses the copy.
    await stack.close();
    const again = await buildFullStack(loadConfig({ dataDir: join(tmp, 'data'), obsRoot: join(tmp, 'obs'), tokens: 't1=p1', publicUrl: 'http://vizjobs.test' }, {}));
    try {
      assert.equal(await get(again.built.app, runs, copy), 401);
      assert.equal(await get(again.built.app, runs, await signIn(again.built.app)), 200);
    } finally {
      await again.close();
    }
  } finally {
    await stack.close();
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('PostgreSQL, two replicas: a sign-out through one makes a copied cookie 401 on both', async () => {
  const schema = await createTestSchema();
  const tmp = fixtureDir();
  // One data dir: the replicas share the session key, as a fleet must.
  const replica = (): Promise<FullStack> =>
    buildFullStack(loadConfig({ db: schema.url, dataDir: join(tmp, 'data'), obsRoot: join(tmp, 'obs'), tokens: 't1=p1', publicUrl: 'http://vizjobs.test' }, {}));
  const stacks: FullStack[] = [];
  try {
    stacks.push(await replica(), await replica());
    const [a, b] = stacks.map((s) => s.built.app);
    const id = await runningJob(a);
    const runs = `/visualization/p1/${id}/data/runs`;
    const cookie = await signIn(a);
    assert.equal(await get(a, runs, cookie), 200);
    assert.equal(await get(b, runs, cookie), 200, 'the cookie works on the other replica');
    const out = await b.inject({ method: 'DELETE', url: '/v1/auth/session', headers: { cookie } });
    assert.equal(out.statusCode, 200);
    assert.equal(await get(b, runs, cookie), 401, 'at once on the replica that signed out');
    const signedOutAt = Date.now();
    let statusOnA = await get(a, runs, cookie);
    while (statusOnA === 200 && Date.now() - signedOutAt < 3_000) {
      await sleep(50);
      statusOnA = await get(a, runs, cookie);
    }
    assert.equal(statusOnA, 401);
    // 1 s of cache at most, plus scheduling noise on a shared machine.
    assert.ok(Date.now() - signedOutAt < 2_500, `${Date.now() - signedOutAt} ms`);
    assert.equal(await get(a, '/v1/auth/session', cookie), 401);
  } finally {
    for (const s of stacks) await s.close();
    rmSync(tmp, { recursive: true, force: true });
    await schema.drop();
  }
});
