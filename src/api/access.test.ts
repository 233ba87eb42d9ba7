// The four places that decide access — the job API, the viewer's data API, the viewer page and the
// placeholder viewer — decide it alike, because they declare the one rule of access.ts: the same
// request matrix gets the same status and (where the answer is the envelope) the same code from
// each. Only the body's format is a place's own: the page answers 401/403 and 409 with a page.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { buildFullStack, type FullStack } from '../app.js';
import { loadConfig, type Config } from '../config.js';
import { buildServer, type BuiltServer } from '../server.js';
import { InProcessRuntime } from '../testing/in-process-runtime.js';
import { pytorchFixtureDir } from '../testing/paths.js';
import { placeholderViewerOf } from '../testing/placeholder-viewer.js';

const TOKENS = 'tok-p1=p1,tok-p2=p2,tok-old=p1@2020-01-01T00:00:00Z';
const JOBS = (project: string): string => `/v1/${project}/visualization-jobs`;

interface Jobs {
  running: number;
  stopped: number;
  /** A RUNNING job of p2. */
  otherProject: number;
}

/** A JSON envelope's code, or 'page' for an HTML answer. */
interface Outcome {
  status: number;
  code: string;
}

async function outcome(app: FastifyInstance, url: string, token: string | undefined, accept: string): Promise<Outcome> {
  const headers: Record<string, string> = { accept };
  if (token !== undefined) headers['x-auth-token'] = token;
  const r = await app.inject({ url, headers });
  const type = String(r.headers['content-type'] ?? '');
  if (type.startsWith('text/html')) return { status: r.statusCode, code: 'page' };
  const body = r.json() as { is_success?: boolean; error_code?: string };
  return { status: r.statusCode, code: body.is_success === false ? String(body.error_code) : 'ok' };
}

async function waitStatus(app: FastifyInstance, project: string, id: number, want: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const r = await app.inject({ url: `${JOBS(project)}/${id}`, headers: { 'x-auth-token': `tok-${project}` } });
    if ((r.json() as { status: number }).status === want) return;
    await sleep(20);
  }
  throw new Error(`job ${id} never reached ${want}`);
}

async function createJobs(app: FastifyInstance): Promise<Jobs> {
  const create = async (project: string, name: string): Promise<number> => {
    const r = await app.inject({
      method: 'POST',
      url: JOBS(project),
      headers: { 'x-auth-token': `tok-${project}` },
      payload: { job_name: name, train_url: '/demo/mlp/' },
    });
    assert.equal(r.statusCode, 200, r.body);
    const id = (r.json() as { job_id: number }).job_id;
    await waitStatus(app, project, id, 8);
    return id;
  };
  const running = await create('p1', 'running');
  const stopped = await create('p1', 'stopped');
  const otherProject = await create('p2', 'other');
  const stop = await app.inject({ method: 'POST', url: `${JOBS('p1')}/${stopped}/stop`, headers: { 'x-auth-token': 'tok-p1' } });
  assert.equal(stop.statusCode, 200, stop.body);
  await waitStatus(app, 'p1', stopped, 12);
  return { running, stopped, otherProject };
}

/** One row: the token sent, the job id segment in the URL, and what every place must answer. */
interface Row {
  name: string;
  token: string | undefined;
  job: (j: Jobs) => string;
  want: Outcome;
  /** The job API asks no RUNNING job: it answers this row as a granted request. */
  apiWant?: Outcome;
  /** Rows decided before the job: the list (project only) answers them too. */
  tokenStage?: boolean;
}

const ROWS: Row[] = [
  { name: 'no token', token: undefined, job: (j) => String(j.running), want: { status: 401, code: 'ModelArts.0201' }, tokenStage: true },
  { name: 'unknown token', token: 'tok-nobody', job: (j) => String(j.running), want: { status: 401, code: 'ModelArts.0203' }, tokenStage: true },
  { name: 'expired token', token: 'tok-old', job: (j) => String(j.running), want: { status: 401, code: 'ModelArts.0202' }, tokenStage: true },
  { name: "another project's token", token: 'tok-p2', job: (j) => String(j.running), want: { status: 403, code: 'ModelArts.0210' }, tokenStage: true },
  { name: 'bad job id', token: 'tok-p1', job: (j) => `0${j.running}`, want: { status: 400, code: 'ModelArts.0104' } },
  { name: "another project's job", token: 'tok-p1', job: (j) => String(j.otherProject), want: { status: 404, code: 'ModelArts.0015' } },
  { name: 'missing job', token: 'tok-p1', job: () => '999999', want: { status: 404, code: 'ModelArts.0015' } },
  {
    name: 'job not RUNNING',
    token: 'tok-p1',
    job: (j) => String(j.stopped),
    want: { status: 409, code: 'ModelArts.0105' },
    apiWant: { status: 200, code: 'ok' },
  },
  { name: 'RUNNING job of the project', token: 'tok-p1', job: (j) => String(j.running), want: { status: 200, code: 'ok' } },
];

let tmp = '';
let full: FullStack;
let placeholder: BuiltServer;
let fullJobs: Jobs;
let placeholderJobs: Jobs;

function config(dataDir: string): Config {
  return loadConfig({ dataDir, obsRoot: join(tmp, 'obs'), tokens: TOKENS, publicUrl: 'http://vizjobs.test', port: 0 }, {});
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'vizjobs-access-matrix-'));
  cpSync(pytorchFixtureDir, join(tmp, 'obs', 'demo', 'mlp'), { recursive: true });
  const web = join(tmp, 'web');
  mkdirSync(join(web, 'assets'), { recursive: true });
  writeFileSync(join(web, 'viewer.html'), '<!doctype html><div id="app"></div><!-- viewer -->');
  writeFileSync(join(web, 'index.html'), '<!doctype html><div id="app"></div>');
  full = await buildFullStack(config(join(tmp, 'full')), { root: web });
  const placeholderConfig = config(join(tmp, 'placeholder'));
  const runtime = new InProcessRuntime(placeholderConfig);
  placeholder = await buildServer(placeholderConfig, { runtime, viewer: placeholderViewerOf(runtime), log: () => {}, reconcileIntervalMs: 50 });
  await full.built.app.ready();
  await placeholder.app.ready();
  fullJobs = await createJobs(full.built.app);
  placeholderJobs = await createJobs(placeholder.app);
});

after(async () => {
  await full?.close();
  await placeholder?.app.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('one access rule: token → project → job → RUNNING, decided alike everywhere', () => {
  for (const row of ROWS) {
    test(row.name, async () => {
      const app = full.built.app;
      const id = row.job(fullJobs);
      const got: Record<string, Outcome> = {
        'job API': await outcome(app, `${JOBS('p1')}/${id}`, row.token, 'application/json'),
        'data API': await outcome(app, `/visualization/p1/${id}/data/runs`, row.token, 'application/json'),
        'viewer page': await outcome(app, `/visualization/p1/${id}/`, row.token, 'text/html'),
        'placeholder viewer': await outcome(placeholder.app, `/visualization/p1/${row.job(placeholderJobs)}/`, row.token, 'application/json'),
      };
      if (row.tokenStage) got['job list'] = await outcome(app, JOBS('p1'), row.token, 'application/json');
      for (const [place, o] of Object.entries(got)) {
        const want = place === 'job API' && row.apiWant ? row.apiWant : row.want;
        assert.equal(o.status, want.status, `${place}: ${JSON.stringify(o)}`);
        // The page's own format: the sign-in page for a refused token, the 409 page for a stopped
        // job (the placeholder's too); the envelope wherever JSON is answered.
        const pageAllowed =
          (place === 'viewer page' && (row.tokenStage === true || want.status === 409 || want.status === 404 || want.status === 200)) ||
          (place === 'placeholder viewer' && want.status === 409);
        if (o.code === 'page') assert.ok(pageAllowed, `${place} answered a page: ${JSON.stringify(o)}`);
        else assert.equal(o.code, want.code, `${place}: ${JSON.stringify(o)}`);
      }
    });
  }

  test("the console's cookie: the data API and the page take it alike (forged 0203, signed out 0203, valid 200); the job API only with the console's header", async () => {
    const app = full.built.app;
    const signIn = await app.inject({ method: 'POST', url: '/v1/auth/session', payload: { token: 'tok-p1' } });
    assert.equal(signIn.statusCode, 200, signIn.body);
    const cookie = String(signIn.headers['set-cookie']).split(';')[0];
    const withCookie = async (url: string, c: string, accept: string): Promise<Outcome> => {
      const r = await app.inject({ url, headers: { cookie: c, accept } });
      return String(r.headers['content-type']).startsWith('text/html')
        ? { status: r.statusCode, code: 'page' }
        : { status: r.statusCode, code: String((r.json() as { error_code?: string }).error_code ?? 'ok') };
    };
    const data = `/visualization/p1/${fullJobs.running}/data/runs`;
    const page = `/visualization/p1/${fullJobs.running}/`;
    assert.deepEqual(await withCookie(data, cookie, 'application/json'), { status: 200, code: 'ok' });
    assert.deepEqual(await withCookie(page, cookie, 'text/html'), { status: 200, code: 'page' });
    assert.deepEqual(await withCookie(`${JOBS('p1')}/${fullJobs.running}`, cookie, 'application/json'), { status: 401, code: 'ModelArts.0201' });
    // With the console's header (which no other site's form or script can send) the job API takes it too.
    const consoleCall = await app.inject({ url: `${JOBS('p1')}/${fullJobs.running}`, headers: { cookie, accept: 'application/json', 'x-vizjobs-console': '1' } });
    assert.equal(consoleCall.statusCode, 200, consoleCall.body);
    const otherProject = await app.inject({ url: `${JOBS('p2')}`, headers: { cookie, 'x-vizjobs-console': '1' } });
    assert.equal(otherProject.statusCode, 403, 'the cookie\'s token is held to its project like a header');
    const forged = `${cookie.split('=')[0]}=v2.${'A'.repeat(60)}`;
    assert.deepEqual(await withCookie(data, forged, 'application/json'), { status: 401, code: 'ModelArts.0203' });
    assert.deepEqual(await withCookie(page, forged, 'text/html'), { status: 401, code: 'page' });
    const out = await app.inject({ method: 'DELETE', url: '/v1/auth/session', headers: { cookie } });
    assert.equal(out.statusCode, 200);
    assert.deepEqual(await withCookie(data, cookie, 'application/json'), { status: 401, code: 'ModelArts.0203' });
    assert.deepEqual(await withCookie(page, cookie, 'text/html'), { status: 401, code: 'page' });
    const after = await app.inject({ url: `${JOBS('p1')}/${fullJobs.running}`, headers: { cookie, 'x-vizjobs-console': '1' } });
    assert.equal(after.statusCode, 401, 'signed out on the job API too');
  });

  test('the page asks a browser-less client for the envelope of the 409 too', async () => {
    const o = await outcome(full.built.app, `/visualization/p1/${fullJobs.stopped}/`, 'tok-p1', 'application/json');
    assert.deepEqual(o, { status: 409, code: 'ModelArts.0105' });
  });
});
