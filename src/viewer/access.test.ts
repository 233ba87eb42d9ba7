// Who gets a job's viewer data: the API's token rule by header or by the console's cookie (until
// signed out), only for the job's project, and only while the job is RUNNING; failed checks from
// one address are limited.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pytorchFixtureDir } from '../testing/paths.js';
import { SESSION_COOKIE } from './session.js';
import { viewerTestApp, type ViewerTestApp } from '../testing/viewer-app.js';

let t: ViewerTestApp;
let root: string;
const RUNS = '/visualization/proj-a/1/data/runs';

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'vizjobs-access-'));
  await cp(join(pytorchFixtureDir, 'mlp_lr1e-3_adam'), join(root, 'demo', 'logs', 'mlp_lr1e-3_adam'), { recursive: true });
  t = await viewerTestApp({ obsRoot: root, tokens: 'tok-a=proj-a,tok-b=proj-b,tok-old=proj-a@2000-01-01T00:00:00Z' });
  t.jobs.set(1, { projectId: 'proj-a', status: 8, trainUrl: '/demo/logs/' });
  t.jobs.set(2, { projectId: 'proj-a', status: 12, trainUrl: '/demo/logs/' });
  t.jobs.set(3, { projectId: 'proj-b', status: 8, trainUrl: '/demo/logs/' });
  t.jobs.set(4, { projectId: 'proj-a', status: 11, trainUrl: '/demo/x/', jobName: 'broken', failureReason: 'train_url /demo/x/ is a symlink loop' });
  t.jobs.set(5, { projectId: 'proj-a', status: 7, trainUrl: '/demo/logs/', jobName: 'queued' });
});

after(async () => {
  await t.close();
  await rm(root, { recursive: true, force: true });
});

async function signIn(token: string): Promise<string> {
  const r = await t.app.inject({ method: 'POST', url: '/v1/auth/session', payload: { token } });
  assert.equal(r.statusCode, 200, r.body);
  const setCookie = String(r.headers['set-cookie']);
  assert.match(setCookie, /HttpOnly/);
  assert.match(setCookie, /SameSite=Strict/);
  assert.match(setCookie, /Path=\//);
  const m = new RegExp(`^${SESSION_COOKIE}=([^;]+)`).exec(setCookie);
  assert.ok(m, setCookie);
  return m[1];
}

function errorOf(body: string): { is_success: boolean; error_code: string; error_message: string } {
  const b = JSON.parse(body) as { is_success: boolean; error_code: string; error_message: string };
  assert.deepEqual(Object.keys(b).sort(), ['error_code', 'error_message', 'is_success']);
  return b;
}

describe('viewer access', () => {
  it('serves the job to its project token in the X-Auth-Token header', async () => {
    const r = await t.app.inject({ url: RUNS, headers: { 'x-auth-token': 'tok-a' } });
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.json(), ['mlp_lr1e-3_adam', 'mlp_lr1e-3_adam/1795820169.1177986']);
  });

  it('refuses a request without any token with 401 ModelArts.0201', async () => {
    const r = await t.app.inject({ url: RUNS });
    assert.equal(r.statusCode, 401);
    assert.equal(errorOf(r.body).error_code, 'ModelArts.0201');
  });

  it("gives another project's token 403 and nothing of the job", async () => {
    const r = await t.app.inject({ url: RUNS, headers: { 'x-auth-token': 'tok-b' } });
    assert.equal(r.statusCode, 403);
    assert.equal(errorOf(r.body).error_code, 'ModelArts.0210');
    assert.ok(!r.body.includes('mlp'));
  });

  it('answers 404 for a job of another project even under that project\'s own URL', async () => {
    const r = await t.app.inject({ url: '/visualization/proj-b/1/data/runs', headers: { 'x-auth-token': 'tok-b' } });
    assert.equal(r.statusCode, 404);
    assert.equal(errorOf(r.body).error_code, 'ModelArts.0015');
    const missing = await t.app.inject({ url: '/visualization/proj-a/999/data/runs', headers: { 'x-auth-token': 'tok-a' } });
    assert.equal(missing.statusCode, 404);
    // A segment that is not a job id at all is the job API's 400 0104 (api/job-id.ts), not a 404.
    for (const bad of ['abc', '0', '1e3', '01']) {
      const r2 = await t.app.inject({ url: `/visualization/proj-a/${bad}/data/runs`, headers: { 'x-auth-token': 'tok-a' } });
      assert.equal(r2.statusCode, 400, bad);
      assert.equal(errorOf(r2.body).error_code, 'ModelArts.0104', bad);
    }
  });

  it('refuses an expired token with 401 ModelArts.0202', async () => {
    const r = await t.app.inject({ url: RUNS, headers: { 'x-auth-token': 'tok-old' } });
    assert.equal(r.statusCode, 401);
    assert.equal(errorOf(r.body).error_code, 'ModelArts.0202');
  });

  it('accepts the sign-in cookie instead of the header, for its project only', async () => {
    const cookieA = await signIn('tok-a');
    const ok = await t.app.inject({ url: RUNS, headers: { cookie: `other=1; ${SESSION_COOKIE}=${cookieA}` } });
    assert.equal(ok.statusCode, 200);
    const cookieB = await signIn('tok-b');
    const denied = await t.app.inject({ url: RUNS, headers: { cookie: `${SESSION_COOKIE}=${cookieB}` } });
    assert.equal(denied.statusCode, 403);
    assert.equal(errorOf(denied.body).error_code, 'ModelArts.0210');
    const who = await t.app.inject({ url: '/v1/auth/session', headers: { cookie: `${SESSION_COOKIE}=${cookieA}` } });
    assert.equal(who.statusCode, 200);
  });

  it('accepts the token by header at sign-in and refuses unknown tokens without a cookie', async () => {
    const viaHeader = await t.app.inject({ method: 'POST', url: '/v1/auth/session', headers: { 'x-auth-token': 'tok-a' } });
    assert.equal(viaHeader.statusCode, 200);
    const bad = await t.app.inject({ method: 'POST', url: '/v1/auth/session', payload: { token: 'nope' } });
    assert.equal(bad.statusCode, 401);
    assert.equal(errorOf(bad.body).error_code, 'ModelArts.0203');
    assert.equal(bad.headers['set-cookie'], undefined);
  });

  it('refuses an expired cookie with 401 ModelArts.0202 and a forged one with 0203', async () => {
    t.clock.now = Date.now();
    const cookie = await signIn('tok-a');
    t.clock.now += 13 * 3_600_000;
    try {
      const r = await t.app.inject({ url: RUNS, headers: { cookie: `${SESSION_COOKIE}=${cookie}` } });
      assert.equal(r.statusCode, 401);
      assert.equal(errorOf(r.body).error_code, 'ModelArts.0202');
    } finally {
      t.clock.now = 0;
    }
    const fresh = await signIn('tok-a');
    const flipped = fresh.slice(0, -2) + (fresh.endsWith('A') ? 'BB' : 'AA');
    const forged = await t.app.inject({ url: RUNS, headers: { cookie: `${SESSION_COOKIE}=${flipped}` } });
    assert.equal(forged.statusCode, 401);
    assert.equal(errorOf(forged.body).error_code, 'ModelArts.0203');
  });

  it('clears the cookie on sign-out', async () => {
    const r = await t.app.inject({ method: 'DELETE', url: '/v1/auth/session' });
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers['set-cookie']), /Max-Age=0/);
  });

  it('sign-out revokes the session: a copy of the cookie kept after it gets 401 everywhere', async () => {
    const cookie = `${SESSION_COOKIE}=${await signIn('tok-a')}`;
    const other = `${SESSION_COOKIE}=${await signIn('tok-a')}`;
    assert.equal((await t.app.inject({ url: RUNS, headers: { cookie } })).statusCode, 200);
    const out = await t.app.inject({ method: 'DELETE', url: '/v1/auth/session', headers: { cookie } });
    assert.equal(out.statusCode, 200);
    assert.match(String(out.headers['set-cookie']), /Max-Age=0/);
    const reused = await t.app.inject({ url: RUNS, headers: { cookie } });
    assert.equal(reused.statusCode, 401);
    assert.equal(errorOf(reused.body).error_code, 'ModelArts.0203');
    assert.match(errorOf(reused.body).error_message, /signed out/);
    assert.equal((await t.app.inject({ url: '/v1/auth/session', headers: { cookie } })).statusCode, 401);
    // Another session of the same token is not affected.
    assert.equal((await t.app.inject({ url: RUNS, headers: { cookie: other } })).statusCode, 200);
  });

  it('counts wrong tokens at sign-in, forged cookies and bad header tokens together: the 11th failure from an address is 429 with Retry-After, a valid token still signs in', async () => {
    const remoteAddress = '198.51.100.20';
    const tries = [
      () => t.app.inject({ method: 'POST', url: '/v1/auth/session', remoteAddress, payload: { token: 'nope' } }),
      () => t.app.inject({ url: RUNS, remoteAddress, headers: { cookie: `${SESSION_COOKIE}=v2.forged` } }),
      () => t.app.inject({ url: RUNS, remoteAddress, headers: { 'x-auth-token': 'nope' } }),
    ];
    for (let i = 0; i < 10; i++) assert.equal((await tries[i % 3]()).statusCode, 401, `failure ${i + 1}`);
    for (const attempt of tries) {
      const r = await attempt();
      assert.equal(r.statusCode, 429);
      assert.ok(Number(r.headers['retry-after']) >= 1);
      assert.equal(errorOf(r.body).error_code, 'ModelArts.0299');
      assert.equal(r.headers['set-cookie'], undefined);
    }
    const signIn = await t.app.inject({ method: 'POST', url: '/v1/auth/session', remoteAddress, payload: { token: 'tok-a' } });
    assert.equal(signIn.statusCode, 200);
    const cookie = String(signIn.headers['set-cookie']).split(';')[0];
    assert.equal((await t.app.inject({ url: RUNS, remoteAddress, headers: { cookie } })).statusCode, 200);
    assert.equal((await t.app.inject({ url: RUNS, remoteAddress, headers: { 'x-auth-token': 'tok-a' } })).statusCode, 200);
  });

  it('answers a job that is not RUNNING with 409: a page for browsers, the envelope for JSON clients', async () => {
    const page = await t.app.inject({ url: '/visualization/proj-a/2/data/runs', headers: { 'x-auth-token': 'tok-a', accept: 'text/html' } });
    assert.equal(page.statusCode, 409);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(page.body, /not running/);
    assert.match(page.body, /status 12 \(KILLED\)/);
    const json = await t.app.inject({ url: '/visualization/proj-a/2/data/runs', headers: { 'x-auth-token': 'tok-a', accept: 'application/json' } });
    assert.equal(json.statusCode, 409);
    assert.equal(errorOf(json.body).is_success, false);
  });

  it('data/job says what became of the job whatever its status, under the same token rule', async () => {
    const get = (id: number, token = 'tok-a') => t.app.inject({ url: `/visualization/proj-a/${id}/data/job`, headers: { 'x-auth-token': token } });
    assert.deepEqual((await get(1)).json(), { job_id: '1', phase: 'running', status: 8, status_name: 'RUNNING', failure_reason: null, conditions: [] });
    assert.equal((await get(2)).json().phase, 'stopped');
    const failed = (await get(4)).json() as { phase: string; job_name: string; failure_reason: string };
    assert.deepEqual([failed.phase, failed.job_name, failed.failure_reason], ['failed', 'broken', 'train_url /demo/x/ is a symlink loop']);
    assert.equal((await get(5)).json().phase, 'starting');
    const missing = await get(99);
    assert.equal(missing.statusCode, 404);
    assert.equal(errorOf(missing.body).error_code, 'ModelArts.0015');
    assert.equal((await get(4, 'tok-b')).statusCode, 403);
    assert.equal((await t.app.inject({ url: '/visualization/proj-a/4/data/job' })).statusCode, 401);
  });
});
