// Storage failures through the lifecycle, on real files: a train_url the storage can never read
// (path too long, symlink loop) is 11 FAILED after one attempt with a reason naming the train_url
// and no server path, also when a RUNNING job's directory turns into a loop while the service is
// down; a storage that fails transiently keeps the job 8 RUNNING and is retried with backoff.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, until, waitFor, BASE, type TestServer } from '../testing/test-server.js';

async function create(ts: TestServer, name: string, trainUrl: string): Promise<number> {
  const r = await ts.call('POST', BASE, { body: { job_name: name, train_url: trainUrl } });
  assert.equal(r.status, 200, r.text);
  return r.body.job_id as number;
}

async function failureReason(ts: TestServer, id: number): Promise<string> {
  return (await ts.call('GET', `${BASE}/${id}`)).body.failure_reason as string;
}

function assertNoServerPath(ts: TestServer, text: string): void {
  assert.ok(!text.includes(ts.dir), `server path in ${JSON.stringify(text)}`);
  assert.ok(!text.includes(tmpdir()), `server path in ${JSON.stringify(text)}`);
  assert.ok(!text.includes('obs/demo'), `server path in ${JSON.stringify(text)}`);
}

test('a train_url too long for the filesystem (ENAMETOOLONG) ends 11 FAILED in one attempt, the reason naming the train_url and no server path', async () => {
  const ts = await startTestServer();
  try {
    const trainUrl = `/demo/${'x'.repeat(300)}/`;
    const id = await create(ts, 'long', trainUrl);
    assert.equal(await waitFor(ts, id, (s) => s !== 1 && s !== 7), 11);
    const reason = await failureReason(ts, id);
    assert.equal(reason, `train_url ${trainUrl} path too long for the storage`);
    assertNoServerPath(ts, reason);
    await ts.settle();
    assert.equal(ts.runtime.starts, 1);
  } finally {
    await ts.close();
  }
});

test('a train_url that is a symlink loop (ELOOP) ends 11 FAILED in one attempt, the reason naming the train_url and no server path', async () => {
  const ts = await startTestServer();
  try {
    const demo = join(ts.dir, 'obs', 'demo');
    symlinkSync('loop', join(demo, 'loop')); // loop → loop
    symlinkSync('pong', join(demo, 'ping')); // ping → pong → ping
    symlinkSync('ping', join(demo, 'pong'));
    const a = await create(ts, 'loop', '/demo/loop/');
    const b = await create(ts, 'pingpong', '/demo/ping/deeper/');
    assert.equal(await waitFor(ts, a, (s) => s !== 1 && s !== 7), 11);
    assert.equal(await waitFor(ts, b, (s) => s !== 1 && s !== 7), 11);
    assert.equal(await failureReason(ts, a), 'train_url /demo/loop/ is a symlink loop');
    assert.equal(await failureReason(ts, b), 'train_url /demo/ping/deeper/ is a symlink loop');
    assertNoServerPath(ts, await failureReason(ts, a));
    await ts.settle();
    assert.equal(ts.runtime.starts, 2, 'one attempt each');
  } finally {
    await ts.close();
  }
});

test('a train_url through a file (ENOTDIR) ends 11 FAILED naming the train_url', async () => {
  const ts = await startTestServer();
  try {
    const id = await create(ts, 'notdir', '/demo/pytorch-mlp/mlp_lr1e-3_adam/projector_config.pbtxt/x/');
    assert.equal(await waitFor(ts, id, (s) => s !== 1 && s !== 7), 11);
    const reason = await failureReason(ts, id);
    assert.match(reason, /^train_url \/demo\/pytorch-mlp\/mlp_lr1e-3_adam\/projector_config\.pbtxt\/x\/ is not a directory/);
    assertNoServerPath(ts, reason);
  } finally {
    await ts.close();
  }
});

test('a RUNNING job whose directory became a symlink loop while the service was down goes 11 FAILED after the restart', async () => {
  let ts = await startTestServer();
  try {
    const later = join(ts.dir, 'obs', 'demo', 'later');
    mkdirSync(later);
    const id = await create(ts, 'later', '/demo/later/');
    assert.equal(await waitFor(ts, id, (s) => s === 8), 8);
    ts = await ts.restart(() => {
      rmSync(later, { recursive: true });
      symlinkSync('later', later);
    });
    assert.equal(await waitFor(ts, id, (s) => s !== 8), 11);
    const reason = await failureReason(ts, id);
    assert.equal(reason, 'train_url /demo/later/ is a symlink loop');
    assertNoServerPath(ts, reason);
    assert.equal(ts.runtime.isServing(id), false);
  } finally {
    await ts.close();
  }
});

test('storage failing transiently (EIO) admits the job to 8 RUNNING and retries its start with backoff, not every pass', async () => {
  const ts = await startTestServer(); // a reconcile pass every 50 ms
  try {
    ts.runtime.storageFault = Object.assign(new Error(`EIO: i/o error, scandir '${ts.dir}/obs/demo/pytorch-mlp'`), { code: 'EIO' });
    const id = await create(ts, 'eio', '/demo/pytorch-mlp/');
    assert.equal(await waitFor(ts, id, (s) => s !== 1), 8);
    assert.equal(ts.runtime.isServing(id), false);
    assert.equal(ts.built.reconciler.retryAt(id) !== undefined, true, 'in backoff');
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 3200));
    const lists = ts.runtime.storageLists;
    // 1 s doubling with jitter: tries at 0, +0.5..1 s, +1.5..3 s, +3.5..7 s; a pass every 50 ms
    // without backoff would have listed some 60 times.
    assert.ok(lists >= 2 && lists <= 4, `${lists} storage listings in ${Date.now() - t0} ms`);
    assert.equal((await ts.call('GET', `${BASE}/${id}`)).body.status, 8);
    ts.runtime.storageFault = undefined;
    await until(() => ts.runtime.isServing(id), 10_000);
    assert.equal(ts.built.reconciler.retryAt(id), undefined, 'backoff forgotten once serving');
    assert.equal((await ts.call('GET', `${BASE}/${id}`)).body.failure_reason ?? null, null);
  } finally {
    await ts.close();
  }
});
