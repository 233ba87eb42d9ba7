// The viewer never starts a job's viewer itself: a request for a RUNNING job this process does not
// serve asks the reconciler (ensureServing), the only caller of the runtime. So a second server on
// the same store serves a job it never started, and a job whose start failed transiently is not
// retried by viewer polls sooner than its backoff allows: every poll answers 503 "storage
// unavailable, retrying" at once, storage untouched, and the job's conditions say why until a
// retry succeeds and flips them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { loadConfig } from '../config.js';
import type { JobCondition } from '../domain/conditions.js';
import { Status } from '../domain/status.js';
import { until } from '../testing/test-server.js';
import { buildServer, openStore, type BuiltServer, type ServerContext } from '../server.js';
import { toStorageError } from '../storage/errors.js';
import { LocalStorage } from '../storage/local.js';
import type { ObjectStorage } from '../storage/storage.js';
import { pytorchFixtureDir } from '../testing/paths.js';
import { viewerDataRoutes } from './data-api.js';
import { SessionRevocations } from './revocations.js';
import { ViewerRuntime } from './runtime.js';
import { SessionSealer } from './session.js';

const headers = { 'x-auth-token': 't1', accept: 'application/json' };
const JOBS = '/v1/p1/visualization-jobs';

interface Replica {
  built: BuiltServer;
  runtime: ViewerRuntime;
  /** Storage calls this replica's viewer made. */
  calls: () => number;
  /** While set, every storage call fails like an unreachable store (transient). */
  failing: { on: boolean };
}

let tmp: string;
const replicas: Replica[] = [];

/** A whole server (API, reconciler, real viewer data API) on the shared SQLite file, with counted storage. */
async function replica(name: string, opts: { reconcileIntervalMs: number; now?: () => number }): Promise<Replica> {
  const config = loadConfig({ dataDir: join(tmp, name), db: join(tmp, 'jobs.sqlite'), obsRoot: join(tmp, 'obs'), tokens: 't1=p1', publicUrl: 'http://vizjobs.test' }, {});
  const store = openStore(config);
  let calls = 0;
  const failing = { on: false };
  const count = (what: string): void => {
    calls++;
    if (failing.on) throw toStorageError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), what);
  };
  const runtime = new ViewerRuntime({
    config,
    now: opts.now,
    locate: (trainUrl) => {
      const [bucket, ...rest] = trainUrl.replace(/^\//, '').split('/');
      const inner = new LocalStorage(join(config.obsRoot, bucket), config.obsRoot);
      const storage: ObjectStorage = {
        description: inner.description,
        list: async (prefix) => (count(`listing ${prefix}`), inner.list(prefix)),
        stat: async (key) => (count(`reading ${key}`), inner.stat(key)),
        read: async (key, offset, length) => (count(`reading ${key}`), inner.read(key, offset, length)),
      };
      const prefix = rest.filter((s) => s !== '').join('/');
      return { storage, prefix: prefix ? `${prefix}/` : '' };
    },
  });
  const viewer: FastifyPluginAsync<ServerContext> = async (app, ctx) => {
    const access = { authorizer: ctx.auth, limiter: ctx.limiter, sessions: new SessionSealer('serving-test'), revocations: new SessionRevocations(ctx.store) };
    await app.register(viewerDataRoutes, { ...access, runtime, jobs: ctx.jobs, serving: ctx.reconciler });
  };
  const built = await buildServer(config, { store, runtime, viewer, reconcileIntervalMs: opts.reconcileIntervalMs, now: opts.now, log: () => {} });
  await built.app.ready();
  const r = { built, runtime, calls: () => calls, failing };
  replicas.push(r);
  return r;
}

async function details(r: Replica, id: number): Promise<{ status: number; conditions?: JobCondition[] }> {
  return (await r.built.app.inject({ url: `${JOBS}/${id}`, headers })).json();
}

async function create(r: Replica, name: string): Promise<number> {
  const res = await r.built.app.inject({ method: 'POST', url: JOBS, headers: { ...headers, 'content-type': 'application/json' }, payload: { job_name: name, train_url: '/demo/mlp/' } });
  assert.equal(res.statusCode, 200, res.body);
  return (res.json() as { job_id: number }).job_id;
}

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'vizjobs-serving-'));
  cpSync(pytorchFixtureDir, join(tmp, 'obs', 'demo', 'mlp'), { recursive: true });
});

after(async () => {
  for (const r of replicas) {
    await r.built.app.close();
    r.runtime.close();
  }
  rmSync(tmp, { recursive: true, force: true });
});

describe('the viewer asks the reconciler to serve a job', () => {
  it('a second server on the same store serves a RUNNING job it never started, through its own reconciler', async () => {
    const a = await replica('a', { reconcileIntervalMs: 50 });
    // B's timer never fires: its reconciler runs only its start-up pass (no jobs yet) and what B's viewer asks.
    const b = await replica('b', { reconcileIntervalMs: 3_600_000 });
    const id = await create(a, 'shared');
    await until(async () => (await details(a, id)).status === Status.RUNNING, 10_000);
    assert.equal(b.runtime.isServing(id), false);
    assert.equal(b.calls(), 0, 'B never touched the job');

    const runs = await b.built.app.inject({ url: `/visualization/p1/${id}/data/runs`, headers });
    assert.equal(runs.statusCode, 200, runs.body);
    assert.ok((runs.json() as string[]).includes('mlp_lr1e-3_adam'), runs.body);
    assert.equal(b.runtime.isServing(id), true);
  });

  it('a job in backoff is not retried by viewer polls: each answers 503 at once, storage untouched, its conditions say why until a retry flips them', async () => {
    const clock = { now: 1_800_000_000_000 };
    const c = await replica('c', { reconcileIntervalMs: 50, now: () => clock.now });
    c.failing.on = true;
    const id = await create(c, 'outage');
    await until(async () => (await details(c, id)).status === Status.RUNNING && c.built.reconciler.retryAt(id) !== undefined, 10_000);
    const down = (await details(c, id)).conditions ?? [];
    assert.deepEqual(down.map((x) => [x.type, x.status, x.reason, x.lastTransitionTime]), [
      ['StorageReachable', 'False', 'StorageUnavailable', clock.now],
      ['Serving', 'False', 'RetryingStart', clock.now],
    ]);
    assert.match(down[0].message, /\/demo\/mlp\//, 'the message names the train_url');

    // The clock stands still, so the backoff never runs out while the viewer polls.
    const before = c.calls();
    for (let i = 0; i < 20; i++) {
      const r = await c.built.app.inject({ url: `/visualization/p1/${id}/data/runs`, headers });
      assert.equal(r.statusCode, 503);
      assert.deepEqual(r.json(), { is_success: false, error_code: 'ModelArts.0010', error_message: 'storage unavailable, retrying' });
    }
    await new Promise((r) => setTimeout(r, 200)); // a few timer passes too
    assert.equal(c.calls(), before, 'neither the polls nor the passes retried before the backoff allows');
    assert.equal(c.runtime.isServing(id), false);

    // Storage is back and the backoff runs out: the reconciler's retry serves it and flips the conditions.
    c.failing.on = false;
    clock.now += 61_000;
    await until(() => c.runtime.isServing(id), 10_000);
    await until(async () => ((await details(c, id)).conditions ?? []).every((x) => x.status === 'True'), 5_000);
    const up = (await details(c, id)).conditions ?? [];
    assert.deepEqual(up.map((x) => [x.type, x.status, x.reason, x.lastTransitionTime]), [
      ['StorageReachable', 'True', 'Reachable', clock.now],
      ['Serving', 'True', 'Started', clock.now],
    ]);
    const runs = await c.built.app.inject({ url: `/visualization/p1/${id}/data/runs`, headers });
    assert.equal(runs.statusCode, 200, runs.body);

    // Stopped and restarted, the job starts over without the old observations (then records new ones).
    assert.equal((await c.built.app.inject({ method: 'POST', url: `${JOBS}/${id}/stop`, headers })).statusCode, 200);
    await until(async () => (await details(c, id)).status === Status.KILLED, 5_000);
    clock.now += 1_000;
    const restarted = await c.built.store.beginRestart(id, [Status.KILLED]);
    assert.ok(restarted.ok);
    assert.deepEqual(restarted.job.conditions, []);
  });
});
