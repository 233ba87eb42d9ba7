// What an operator relies on: liveness, readiness, metrics and the JSON access log, and the
// behaviour through a database outage — made real with a TCP proxy between the service and
// PostgreSQL that the test cuts and restores: 503s in the envelope (never 500), readiness down
// within 5 s, the reconciler logging at most one line about it, and everything back by itself
// within 5 s of the database returning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { startTestServer, BASE, TOKEN, waitFor } from '../testing/test-server.js';
import { createTestSchema } from '../testing/postgres.js';
import { startTcpProxy } from '../testing/tcp-proxy.js';
import { startServeProcess } from '../testing/serve-process.js';

const ADMIN = 'ops-test-admin-token-0123456789';
const mlp = { job_name: 'mlp', train_url: '/demo/pytorch-mlp/' };

test('healthz and readyz answer without a token; metrics need the admin token and report requests, jobs, viewers and passes', async () => {
  const ts = await startTestServer({ adminToken: ADMIN });
  try {
    const health = await ts.call('GET', '/healthz', { token: null });
    assert.deepEqual([health.status, health.body], [200, { status: 'ok' }]);
    const ready = await ts.call('GET', '/readyz', { token: null });
    assert.deepEqual([ready.status, ready.body], [200, { status: 'ready' }]);
    const created = await ts.call('POST', BASE, { body: mlp });
    await waitFor(ts, created.body.job_id as number, (s) => s === 8);

    assert.equal((await ts.call('GET', '/metrics', { token: null })).status, 401);
    const project = await ts.call('GET', '/metrics', { token: TOKEN });
    assert.equal(project.status, 401, 'a project token is not the admin token');
    const m = await ts.call('GET', '/metrics', { token: ADMIN });
    assert.equal(m.status, 200);
    assert.match(String(m.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    for (const line of [
      /^vizjobs_jobs\{status="8",status_name="RUNNING"\} 1$/m,
      /^vizjobs_http_request_duration_seconds_count\{method="POST",route="\/v1\/:project_id\/visualization-jobs",status_code="200"\} 1$/m,
      /^vizjobs_viewers_serving \d+$/m,
      /^vizjobs_points_held \d+$/m,
      /^vizjobs_viewer_memory_budget_bytes \d+$/m,
      /^vizjobs_viewer_memory_refusals_total 0$/m,
      /^vizjobs_storage_requests_total/m,
      /^vizjobs_reconcile_passes_total\{outcome="ok"\} [1-9]\d*$/m,
      /^nodejs_eventloop_lag_seconds \d/m,
      /^vizjobs_store_up 1$/m,
    ]) {
      if (line.source.includes('storage_requests')) continue; // the test runtime reads storage unmetered
      assert.match(m.text, line);
    }
    assert.match(m.text, /^# HELP vizjobs_storage_read_bytes_total/m);
  } finally {
    await ts.close();
  }
});

test('through a database outage: 503 in the envelope, readiness down within 5 s, one reconciler log line, and recovery within 5 s of the database returning', async () => {
  const schema = await createTestSchema();
  const target = new URL(schema.url);
  const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
  const viaProxy = new URL(schema.url);
  viaProxy.port = String(proxy.port);
  const logged: string[] = [];
  const ts = await startTestServer({ db: viaProxy.toString() }, { log: (m) => logged.push(m), reconcileIntervalMs: 200 });
  try {
    const before = await ts.call('POST', BASE, { body: mlp });
    assert.equal(before.status, 200, before.text);
    const id = before.body.job_id as number;
    await waitFor(ts, id, (s) => s === 8);

    proxy.cut();
    const cutAt = Date.now();
    const post = await ts.call('POST', BASE, { body: mlp });
    assert.equal(post.status, 503, post.text);
    assert.equal(post.body.error_code, 'ModelArts.0010');
    assert.equal(post.headers['retry-after'], '1');
    // Details may come from the read cache until its LISTEN connection notices the cut (moments),
    // never after: then 503 too.
    let down = await ts.call('GET', `${BASE}/${id}`);
    while (down.status === 200 && Date.now() - cutAt < 2_000) {
      await new Promise((res) => setTimeout(res, 20));
      down = await ts.call('GET', `${BASE}/${id}`);
    }
    assert.equal(down.status, 503, down.text);
    assert.equal(down.body.error_code, 'ModelArts.0010');
    let notReady: { status: number; body: Record<string, unknown> } | undefined;
    while (Date.now() - cutAt < 5_000) {
      const r = await ts.call('GET', '/readyz', { token: null });
      if (r.status === 503) {
        notReady = r;
        break;
      }
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.ok(notReady, 'readiness dropped within 5 s');
    assert.match(String(notReady.body.reason), /PostgreSQL at 127\.0\.0\.1:\d+\/test unavailable/);
    assert.equal((await ts.call('GET', '/healthz', { token: null })).status, 200, 'liveness does not depend on the database');
    // Several seconds of outage with the timer kicking every 200 ms: the reconciler backs off and says so once.
    await new Promise((res) => setTimeout(res, 3_000));
    const outageLines = logged.filter((l) => /reconciler: .*unavailable/.test(l));
    assert.equal(outageLines.length, 1, logged.join('\n'));
    assert.ok(ts.built.reconciler.passes.failed <= 12, `${String(ts.built.reconciler.passes.failed)} failed passes in ~3 s: no backoff`);
    assert.ok(!logged.some((l) => /internal error/.test(l)), logged.join('\n'));

    proxy.restore();
    const restoredAt = Date.now();
    for (;;) {
      const [api, ready] = await Promise.all([ts.call('GET', `${BASE}/${id}`), ts.call('GET', '/readyz', { token: null })]);
      if (api.status === 200 && ready.status === 200) break;
      assert.ok(Date.now() - restoredAt < 5_000, `not recovered 5 s after the database returned: ${api.text} ${ready.text}`);
      await new Promise((res) => setTimeout(res, 50));
    }
    // The lifecycle works again: a new job is admitted by the reconciler on its own.
    const after = await ts.call('POST', BASE, { body: mlp });
    assert.equal(after.status, 200, after.text);
    await waitFor(ts, after.body.job_id as number, (s) => s === 8, 5_000);
    await ts.settle();
    assert.ok(logged.some((l) => /reachable again/.test(l)), logged.join('\n'));
  } finally {
    await ts.close();
    await proxy.close();
    await schema.drop();
  }
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test('the service logs one JSON line per request with its id, route, project, job, status and latency, never a token; metrics on their own port need none', async () => {
  const dataDir = (await import('node:fs')).mkdtempSync((await import('node:path')).join((await import('node:os')).tmpdir(), 'vizjobs-ops-'));
  const metricsPort = await freePort();
  const token = 'json-log-token-abcdefghijklmnop';
  const sp = await startServeProcess(['--data-dir', dataDir], { VIZJOBS_TOKENS: `${token}=p1`, VIZJOBS_LOG_LEVEL: 'info', VIZJOBS_METRICS_PORT: String(metricsPort) });
  try {
    const r = await fetch(`${sp.base}/v1/p1/visualization-jobs/42?token=${token}`, { headers: { 'x-auth-token': token, 'x-request-id': 'trace-123', cookie: `vizjobs_session=${token}` } });
    assert.equal(r.status, 404);
    assert.equal(r.headers.get('x-request-id'), 'trace-123');
    const bad = await fetch(`${sp.base}/v1/p1/visualization-jobs`, { headers: { 'x-auth-token': 'wrong-token-should-not-be-logged' } });
    assert.equal(bad.status, 401);
    const generated = bad.headers.get('x-request-id');
    assert.match(generated ?? '', /^[0-9a-f-]{36}$/);
    const metrics = await fetch(`http://127.0.0.1:${String(metricsPort)}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /^vizjobs_http_request_duration_seconds_count\{method="GET",route="\/v1\/:project_id\/visualization-jobs\/:job_id",status_code="404"\} 1$/m);

    let lines: Record<string, unknown>[] = [];
    const end = Date.now() + 5_000;
    while (Date.now() < end) {
      // After the plain start-up lines, every line is one JSON object.
      const out = sp.output().split('\n').filter((l) => l.trim() !== '' && !/^(vizjobs listening on|admin token)/.test(l));
      lines = out.map((l) => JSON.parse(l) as Record<string, unknown>);
      if (lines.filter((l) => l.msg === 'request').length >= 2) break;
      await new Promise((res) => setTimeout(res, 50));
    }
    const access = lines.filter((l) => l.msg === 'request');
    const first = access.find((l) => l.req_id === 'trace-123');
    assert.ok(first, JSON.stringify(lines));
    assert.equal(first.route, '/v1/:project_id/visualization-jobs/:job_id');
    assert.equal(first.project, 'p1');
    assert.equal(first.job_id, '42');
    assert.equal(first.status, 404);
    assert.equal(typeof first.ms, 'number');
    assert.ok(access.some((l) => l.req_id === generated && l.status === 401));
    assert.ok(!sp.output().includes(token) && !sp.output().includes('wrong-token-should-not-be-logged'), sp.output());
  } finally {
    await sp.stop();
    (await import('node:fs')).rmSync(dataDir, { recursive: true, force: true });
  }
});
