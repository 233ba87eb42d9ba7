// createViewer: the whole server as src/app.ts wires it (buildServer + the viewer's runtime and
// plugin), over the real fixture: a job created through the API serves its data, the sign-in
// cookie works through the server's own body parsing, and survives a restart (same data dir);
// its gzip and the server's compression do not stack.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import { loadConfig, type Config } from '../config.js';
import { buildServer, openStore, jobLookup, type BuiltServer } from '../server.js';
import { pytorchFixtureDir } from '../testing/paths.js';
import { createViewer, type MountedViewer } from './mount.js';

let dataDir: string;
let config: Config;

async function start(): Promise<{ built: BuiltServer; viewer: MountedViewer }> {
  const store = openStore(config);
  const viewer = createViewer(config, { jobs: jobLookup(store), revocations: store });
  const built = await buildServer(config, { store, runtime: viewer.runtime, viewer: viewer.plugin, reconcileIntervalMs: 50 });
  built.app.addHook('onClose', async () => viewer.close());
  await built.app.ready();
  return { built, viewer };
}

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'vizjobs-mount-'));
  await cp(join(pytorchFixtureDir, 'mlp_lr1e-3_adam'), join(dataDir, 'obs', 'demo', 'logs', 'mlp_lr1e-3_adam'), { recursive: true });
  config = loadConfig({ dataDir, tokens: 'tok-a=proj-a,tok-b=proj-b', port: 0 }, {});
});

after(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('createViewer wired into buildServer', () => {
  it('serves a job created through the API, by header and by a cookie that survives a restart', async () => {
    let { built } = await start();
    const created = await built.app.inject({
      method: 'POST',
      url: '/v1/proj-a/visualization-jobs',
      headers: { 'x-auth-token': 'tok-a' },
      payload: { job_name: 'mlp', train_url: '/demo/logs/' },
    });
    assert.equal(created.statusCode, 200, created.body);
    const jobId = (created.json() as { job_id: number }).job_id;
    const runsUrl = `/visualization/proj-a/${jobId}/data/runs`;
    let r = await built.app.inject({ url: runsUrl, headers: { 'x-auth-token': 'tok-a', accept: 'application/json' } });
    for (let i = 0; i < 100 && r.statusCode === 409; i++) {
      await sleep(20);
      r = await built.app.inject({ url: runsUrl, headers: { 'x-auth-token': 'tok-a', accept: 'application/json' } });
    }
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(r.json(), ['mlp_lr1e-3_adam', 'mlp_lr1e-3_adam/1795820169.1177986']);

    const signIn = await built.app.inject({ method: 'POST', url: '/v1/auth/session', payload: { token: 'tok-a' } });
    assert.equal(signIn.statusCode, 200);
    const cookie = String(signIn.headers['set-cookie']).split(';')[0];
    assert.equal((await built.app.inject({ url: runsUrl, headers: { cookie } })).statusCode, 200);
    assert.equal((await stat(join(dataDir, 'session-secret'))).mode & 0o777, 0o600);
    await built.app.close();

    ({ built } = await start());
    r = await built.app.inject({ url: runsUrl, headers: { cookie } });
    assert.equal(r.statusCode, 200, r.body);
    const other = await built.app.inject({ url: runsUrl, headers: { 'x-auth-token': 'tok-b' } });
    assert.equal(other.statusCode, 403);

    // The viewer's own gzip (cached) passes @fastify/compress untouched: encoded once, and a
    // client that refuses gzip gets no other encoding from the server's compression either.
    const scalars = `/visualization/proj-a/${jobId}/data/plugin/scalars/scalars?run=mlp_lr1e-3_adam&tag=lr`;
    const auth = { 'x-auth-token': 'tok-a' };
    const plain = await built.app.inject({ url: scalars, headers: auth });
    assert.equal(plain.statusCode, 200, plain.body);
    assert.ok(plain.rawPayload.length >= 1024, 'a body big enough to gzip');
    assert.equal(plain.headers['content-encoding'], undefined);
    const gz = await built.app.inject({ url: scalars, headers: { ...auth, 'accept-encoding': 'gzip' } });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gz.headers.vary, 'Accept-Encoding');
    assert.deepEqual(gunzipSync(gz.rawPayload), plain.rawPayload);
    const br = await built.app.inject({ url: scalars, headers: { ...auth, 'accept-encoding': 'br, deflate' } });
    assert.equal(br.headers['content-encoding'], undefined);
    assert.deepEqual(br.rawPayload, plain.rawPayload);
    await built.app.close();
  });
});
