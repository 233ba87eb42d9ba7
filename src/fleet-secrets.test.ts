// Replicas of the whole service on one PostgreSQL schema, each with its own empty data dir, agree
// on what a sign-in and a generated admin token need: the cookie issued by one replica opens on the
// other, both accept the same admin token, and neither writes a key or token file. VIZJOBS_ADMIN_TOKEN
// is used as given.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFullStack, type FullStack } from './app.js';
import { loadConfig, type ConfigInput } from './config.js';
import { createTestSchema } from './testing/postgres.js';
import { pytorchFixtureDir } from './testing/paths.js';
import { until } from './testing/until.js';

test('a sign-in cookie issued by one replica opens the viewer on another, with the one admin token both generated from the shared database', async () => {
  const schema = await createTestSchema();
  const tmp = mkdtempSync(join(tmpdir(), 'vizjobs-fleet-secrets-'));
  cpSync(pytorchFixtureDir, join(tmp, 'obs', 'demo', 'mlp'), { recursive: true });
  const replica = (name: string, extra: ConfigInput = {}): Promise<FullStack> =>
    buildFullStack(loadConfig({ db: schema.url, dataDir: join(tmp, name), obsRoot: join(tmp, 'obs'), publicUrl: 'http://vizjobs.test', ...extra }, {}));
  const stacks: FullStack[] = [];
  try {
    // Started together, as a Deployment's pods are: one of them creates the token, the other reads it.
    stacks.push(...(await Promise.all([replica('a'), replica('b')])));
    const [a, b] = stacks.map((s) => s.built);
    assert.ok(a.adminToken && b.adminToken);
    assert.equal(a.adminToken.token, b.adminToken.token);
    assert.deepEqual([a.adminToken.created, b.adminToken.created].sort(), [false, true]);
    assert.match(a.adminToken.path, /shared database/);
    for (const name of ['a', 'b']) {
      assert.equal(existsSync(join(tmp, name, 'admin-token')), false);
      assert.equal(existsSync(join(tmp, name, 'session-secret')), false);
    }
    const token = a.adminToken.token;
    const created = await a.app.inject({
      method: 'POST',
      url: '/v1/p1/visualization-jobs',
      headers: { 'x-auth-token': token, 'content-type': 'application/json' },
      payload: { job_name: 'shared', train_url: '/demo/mlp/' },
    });
    assert.equal(created.statusCode, 200, created.body);
    const id = (created.json() as { job_id: number }).job_id;
    await until('RUNNING', async () => ((await b.app.inject({ url: `/v1/p1/visualization-jobs/${id}`, headers: { 'x-auth-token': token } })).json() as { status: number }).status === 8);

    const signIn = await a.app.inject({ method: 'POST', url: '/v1/auth/session', payload: { token, project_id: 'p1' } });
    assert.equal(signIn.statusCode, 200, signIn.body);
    const cookie = signIn.cookies.find((c) => c.name === 'vizjobs_session');
    assert.ok(cookie);
    for (const r of [a, b]) {
      const name = r === a ? 'a' : 'b';
      const app = r.app;
      const runs: { statusCode: number; body: string } = await app.inject({ url: `/visualization/p1/${id}/data/runs`, cookies: { vizjobs_session: cookie.value } });
      assert.equal(runs.statusCode, 200, `${name}: ${runs.body}`);
      const session: { statusCode: number; body: string } = await app.inject({ url: '/v1/auth/session', cookies: { vizjobs_session: cookie.value } });
      assert.equal(session.statusCode, 200, `${name}: ${session.body}`);
    }
    // Signed out through b: refused on a too, once a's 1 s "not revoked" cache runs out.
    await b.app.inject({ method: 'DELETE', url: '/v1/auth/session', cookies: { vizjobs_session: cookie.value } });
    await until('revoked on a', async () => (await a.app.inject({ url: '/v1/auth/session', cookies: { vizjobs_session: cookie.value } })).statusCode === 401, 5_000);

    // A third replica given VIZJOBS_ADMIN_TOKEN uses that one, not the generated token.
    const given = 'given-admin-token-0123456789';
    stacks.push(await replica('c', { adminToken: given }));
    const c = stacks[2].built;
    assert.equal(c.adminToken?.token, given);
    assert.equal(c.adminToken?.path, 'VIZJOBS_ADMIN_TOKEN');
    assert.equal((await c.app.inject({ url: '/v1/p1/visualization-jobs', headers: { 'x-auth-token': given } })).statusCode, 200);
    assert.equal((await c.app.inject({ url: '/v1/p1/visualization-jobs', headers: { 'x-auth-token': token } })).statusCode, 401);
  } finally {
    for (const s of stacks) await s.close();
    rmSync(tmp, { recursive: true, force: true });
    await schema.drop();
  }
});
