// The web UI's Node side over real files and real HTTP (Fastify inject): which page answers which
// path, the cache rules, a missing build, and the viewer page's access gate with the real token
// rule, session cookies, sign-outs and the failed-authentication limit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { webStatic } from './plugin.js';
import { viewerPageGate } from './gate.js';
import { Authorizer } from '../api/auth.js';
import { AuthFailureLimiter } from '../api/auth-limit.js';
import { SqliteJobStore } from '../store/sqlite.js';
import { SessionRevocations, SessionSealer, SESSION_COOKIE } from '../viewer/index.js';
import type { ViewerAccess, JobFacts } from '../viewer/index.js';

let root = '';
let app: FastifyInstance;
let gated: FastifyInstance;
const sessions = new SessionSealer(randomBytes(32));
const store = new SqliteJobStore(':memory:');
let access: ViewerAccess;
const jobs = new Map<number, JobFacts>([
  [1, { projectId: 'p1', status: 8, trainUrl: '/b/one/' }],
  [2, { projectId: 'p1', status: 12, trainUrl: '/b/two/' }],
  [3, { projectId: 'p2', status: 8, trainUrl: '/b/three/' }],
]);

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'vizjobs-web-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><div id="app"></div><!-- console -->');
  writeFileSync(join(root, 'viewer.html'), '<!doctype html><script type="module" src="./assets/viewer-AbC123.js"></script><div id="app"></div><!-- viewer -->');
  writeFileSync(join(root, 'assets', 'viewer-AbC123.js'), 'console.log(1)');
  app = Fastify();
  await app.register(webStatic, { root });
  await app.ready();
  gated = Fastify();
  const authorizer = Authorizer.fromSpec('t1=p1,t2=p2');
  access = { authorizer, sessions, revocations: new SessionRevocations(store), limiter: new AuthFailureLimiter() };
  await gated.register(webStatic, { root, viewerGate: viewerPageGate({ get: async (id) => jobs.get(id) }, access) });
  await gated.ready();
});

after(async () => {
  await app.close();
  await gated.close();
  await store.close();
  rmSync(root, { recursive: true, force: true });
});

test('the console page is served at / and never cached', async () => {
  const r = await app.inject({ url: '/' });
  assert.equal(r.statusCode, 200);
  assert.match(r.headers['content-type'] as string, /text\/html/);
  assert.equal(r.headers['cache-control'], 'no-cache');
  assert.match(r.body, /console/);
  assert.match(r.headers['content-security-policy'] as string, /script-src 'self'/);
});

test('the viewer page answers at a service_url and at deep links under it', async () => {
  for (const url of ['/visualization/p1/1/', '/visualization/p1/1/scalars', '/visualization/p1/1/a/b?x=1']) {
    const r = await app.inject({ url });
    assert.equal(r.statusCode, 200, url);
    assert.match(r.body, /viewer/, url);
    assert.equal(r.headers['cache-control'], 'no-cache');
  }
});

test('the viewer page names its assets relative to the app root, so a path prefix in front of it still works', async () => {
  const cases: [string, string][] = [
    ['/visualization/p1/1/', '"../../../assets/viewer-AbC123.js"'],
    ['/visualization/p1/1/scalars', '"../../../assets/viewer-AbC123.js"'],
    ['/visualization/p1/1/a/b?x=/y/z', '"../../../../assets/viewer-AbC123.js"'],
  ];
  for (const [url, src] of cases) {
    const r = await app.inject({ url });
    assert.ok(r.body.includes(src), `${url}: ${r.body}`);
    assert.ok(!r.body.includes('"./assets/'), url);
  }
});

test('a service_url without its trailing slash redirects to it, keeping the query', async () => {
  const r = await app.inject({ url: '/visualization/p1/1?tab=x' });
  assert.equal(r.statusCode, 301);
  assert.equal(r.headers.location, '/visualization/p1/1/?tab=x');
});

test('paths under data/ are never answered with the page', async () => {
  for (const url of ['/visualization/p1/1/data', '/visualization/p1/1/data/runs']) {
    const r = await app.inject({ url });
    assert.equal(r.statusCode, 404, url);
    assert.doesNotMatch(r.body, /viewer/);
  }
});

test('hashed assets are cached for a year as immutable; missing ones are 404', async () => {
  const r = await app.inject({ url: '/assets/viewer-AbC123.js' });
  assert.equal(r.statusCode, 200);
  assert.match(r.headers['cache-control'] as string, /max-age=31536000/);
  assert.match(r.headers['cache-control'] as string, /immutable/);
  assert.equal((await app.inject({ url: '/assets/nope.js' })).statusCode, 404);
  assert.equal((await app.inject({ url: '/assets/../index.html' })).statusCode, 404);
});

test('an unbuilt UI answers 503 with how to build it, and the server still starts', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'vizjobs-web-empty-'));
  const a = Fastify();
  await a.register(webStatic, { root: empty });
  await a.ready();
  const r = await a.inject({ url: '/' });
  assert.equal(r.statusCode, 503);
  assert.match(r.body, /npm run build:web/);
  assert.equal((await a.inject({ url: '/visualization/p/1/' })).statusCode, 503);
  await a.close();
  rmSync(empty, { recursive: true, force: true });
});

test('the gate sends the page to a signed-in owner, by header or by session cookie', async () => {
  assert.equal((await gated.inject({ url: '/visualization/p1/1/', headers: { 'x-auth-token': 't1' } })).statusCode, 200);
  const cookie = `${SESSION_COOKIE}=${sessions.seal('t1').value}`;
  const r = await gated.inject({ url: '/visualization/p1/1/', headers: { cookie } });
  assert.equal(r.statusCode, 200);
  assert.match(r.body, /viewer/);
  // The cookie really authenticated: the same cookie learns that job 2 is stopped.
  assert.equal((await gated.inject({ url: '/visualization/p1/2/', headers: { cookie } })).statusCode, 409);
});

test('the gate answers 409 with a page for a job that is not running, 404 for a missing one', async () => {
  const stopped = await gated.inject({ url: '/visualization/p1/2/', headers: { 'x-auth-token': 't1' } });
  assert.equal(stopped.statusCode, 409);
  assert.match(stopped.body, /not running/i);
  const missing = await gated.inject({ url: '/visualization/p1/99/', headers: { 'x-auth-token': 't1' } });
  assert.equal(missing.statusCode, 404);
  assert.equal(JSON.parse(missing.body).error_code, 'ModelArts.0015');
  const otherProject = await gated.inject({ url: '/visualization/p1/3/', headers: { 'x-auth-token': 't1' } });
  assert.equal(otherProject.statusCode, 404);
});

test('without valid credentials the gate reveals nothing about the job: 401/403 with the page (its sign-in form)', async () => {
  for (const [headers, status] of [[{}, 401], [{ 'x-auth-token': 'nope' }, 401], [{ 'x-auth-token': 't2' }, 403]] as const) {
    const a = await gated.inject({ url: '/visualization/p1/2/', headers });
    const b = await gated.inject({ url: '/visualization/p1/99/', headers });
    assert.equal(a.statusCode, status);
    assert.equal(b.statusCode, status);
    assert.equal(a.body, b.body);
    assert.match(a.body, /viewer/);
  }
});

test('odd paths never make the page routes fail with a 500', async () => {
  const odd = ['/visualization/%ZZ/1/', '/visualization/p1/%00/', `/visualization/p1/${'9'.repeat(400)}/`, '/assets/%2e%2e/index.html',
    '/assets/..%2findex.html', '/visualization/p1/1/%E0%A4%A', '/visualization//1/', '/visualization/p1/1/data/../x'];
  for (const url of odd) {
    for (const server of [app, gated]) {
      const r = await server.inject({ url, headers: { 'x-auth-token': 't1' } });
      assert.ok(r.statusCode < 500, `${url}: ${r.statusCode}`);
      assert.doesNotMatch(r.body, /at .*\.js:\d+/, `${url}: no stack trace`);
    }
  }
});

test('the gate refuses a signed-out cookie like a forged one (401 with the page)', async () => {
  const sealed = sessions.seal('t1');
  const cookie = `${SESSION_COOKIE}=${sealed.value}`;
  assert.equal((await gated.inject({ url: '/visualization/p1/1/', headers: { cookie } })).statusCode, 200);
  await access.revocations.revoke(sealed.sessionId, sealed.expiresAt);
  const r = await gated.inject({ url: '/visualization/p1/1/', headers: { cookie } });
  assert.equal(r.statusCode, 401);
  assert.match(r.body, /viewer/);
});

test('after 10 bad tokens from one address the gate answers 429 with Retry-After and the page (its sign-in form); a valid token still gets in', async () => {
  const remoteAddress = '198.51.100.7';
  const url = '/visualization/p1/1/';
  for (let i = 0; i < 10; i++) {
    assert.equal((await gated.inject({ url, remoteAddress, headers: { 'x-auth-token': `guess-${i}` } })).statusCode, 401, `guess ${i + 1}`);
  }
  const r = await gated.inject({ url, remoteAddress, headers: { 'x-auth-token': 'guess-10' } });
  assert.equal(r.statusCode, 429);
  assert.ok(Number(r.headers['retry-after']) >= 1, String(r.headers['retry-after']));
  assert.match(r.body, /viewer/);
  assert.equal((await gated.inject({ url, remoteAddress, headers: { 'x-auth-token': 't1' } })).statusCode, 200);
  // Another address is not affected.
  assert.equal((await gated.inject({ url, remoteAddress: '198.51.100.8', headers: { 'x-auth-token': 'nope' } })).statusCode, 401);
});
