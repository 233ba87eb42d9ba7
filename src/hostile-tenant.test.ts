// One tenant can never hurt another (issue 8): the built service in its own process, project A
// throws every hostile input we know of — shape-bomb event files on every route that decodes
// them, an exponential regex, oversized and deeply nested schedules, unusable train_urls, wrong
// tokens by the hundred, garbage on the socket — while project B polls its job's details. B's
// calls must all succeed and stay answered promptly, A gets answers in the contract's envelope
// (never a 500), and the process is still alive at the end. Needs `npm run build`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SummaryWriter } from './writer/index.js';
import { hostileLogs, REDOS_PATTERN, REDOS_VALUE } from './testing/hostile-logs.js';
import { callWithToken, startServeProcess, type TokenCallAnswer } from './testing/serve-process.js';

const TOKEN_A = 'tenant-a-token';
const TOKEN_B = 'tenant-b-token';
const JOBS_A = '/v1/proj-a/visualization-jobs';
const JOBS_B = '/v1/proj-b/visualization-jobs';
/** Generous on purpose: this checks that B keeps being answered, bench:isolation measures how fast. */
const B_PATIENCE_MS = 2_000;

function isEnvelope(j: Record<string, unknown> | undefined): boolean {
  return !!j && j.is_success === false && typeof j.error_code === 'string' && typeof j.error_message === 'string';
}

test('a hostile tenant cannot stall, crash or bloat the service for another project', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vizjobs-hostile-'));
  const obs = join(dir, 'obs');
  const cases = hostileLogs(join(obs, 'bkt-a', 'hostile'));
  for (let i = 0; i < 4; i++) {
    const w = new SummaryWriter(join(obs, 'bkt-a', 'hparams', `trial${i}`), { now: () => 1.78e9 + i });
    w.addHparams({ optimizer: i % 2 ? REDOS_VALUE : 'adam' }, { 'hparam/accuracy': i / 4 });
    w.close();
  }
  mkdirSync(join(obs, 'bkt-a', 'loop'), { recursive: true });
  symlinkSync('self', join(obs, 'bkt-a', 'loop', 'self'));
  mkdirSync(join(obs, 'bkt-b', 'logs'), { recursive: true });
  const server = await startServeProcess(['--data-dir', join(dir, 'data'), '--obs-root', obs], { VIZJOBS_TOKENS: `${TOKEN_A}=proj-a,${TOKEN_B}=proj-b` });

  const call = (method: string, path: string, body?: unknown, token = TOKEN_A): Promise<TokenCallAnswer> => callWithToken(server.base, method, path, token, body);
  const settle = async (id: unknown): Promise<Record<string, unknown>> => {
    for (let i = 0; i < 500; i++) {
      const d = await call('GET', `${JOBS_A}/${String(id)}`);
      if (d.json && d.json.status !== 1 && d.json.status !== 7) return d.json;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`job ${String(id)} never left INIT/WAITING`);
  };
  const openJob = async (trainUrl: string, name: string): Promise<string> => {
    const c = await call('POST', JOBS_A, { job_name: name, train_url: trainUrl });
    assert.equal(c.status, 200, JSON.stringify(c.json));
    assert.equal((await settle(c.json?.job_id)).status, 8, `job over ${trainUrl}`);
    return `/visualization/proj-a/${String(c.json?.job_id)}/data/`;
  };

  // Project B polls its job's details the whole time.
  const b = await call('POST', JOBS_B, { job_name: 'b', train_url: '/bkt-b/logs/' }, TOKEN_B);
  const bPath = `${JOBS_B}/${String(b.json?.job_id)}`;
  const bLatencies: number[] = [];
  const bFailures: string[] = [];
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const t0 = performance.now();
      try {
        const r = await call('GET', bPath, undefined, TOKEN_B);
        if (r.status !== 200) bFailures.push(`HTTP ${r.status}`);
      } catch (err) {
        bFailures.push(err instanceof Error ? err.message : String(err));
      }
      bLatencies.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 10));
    }
  })();

  try {
    // Shape bombs and lying media on every route that decodes them.
    for (const c of cases) {
      const data = await openJob(`/bkt-a/hostile/${c.name}/`, c.name);
      for (const route of c.routes) {
        const r = await call('GET', data + route);
        assert.ok(r.status < 500, `${c.name} ${route}: HTTP ${r.status}`);
        assert.ok(r.bytes < 1_000_000, `${c.name} ${route}: ${r.bytes} bytes answered for a few hundred bytes of log`);
        if (r.status >= 400) assert.ok(isEnvelope(r.json), `${c.name} ${route}: error outside the envelope`);
        for (const item of Array.isArray(r.json) ? (r.json as Array<{ query?: unknown }>) : []) {
          if (typeof item.query !== 'string') continue;
          const kind = route.includes('audio') ? 'audio/individualAudio' : 'images/individualImage';
          const media = await call('GET', `${data}plugin/${kind}?${item.query}`);
          assert.doesNotMatch(media.type, /html|javascript|xml/i, `${c.name}: served as ${media.type}`);
        }
      }
      if (c.name !== 'image' && c.name !== 'audio') {
        const problems = await call('GET', data + 'problems');
        assert.equal(problems.status, 200);
        assert.ok(JSON.stringify(problems.json).length > 2, `${c.name}: the hostile record is not reported as a problem`);
      }
    }

    // An exponential regex is answered at once (matched in linear time, or refused).
    const hp = await openJob('/bkt-a/hparams/', 'hparams');
    const t0 = performance.now();
    const re = await call('POST', hp + 'plugin/hparams/session_groups', { startIndex: 0, sliceSize: 10, colParams: [{ hparam: 'optimizer', filterRegexp: REDOS_PATTERN }] });
    assert.ok(re.status === 200 || isEnvelope(re.json), `regex: HTTP ${re.status}`);
    assert.ok(performance.now() - t0 < 1_000, 'the regex stalled the request');

    // Requests: huge and deep schedules, unknown schedule keys, garbage JSON.
    const huge = await call('POST', JOBS_A, { job_name: 'huge', train_url: '/bkt-a/hparams/', schedule: { type: 'stop', time_unit: 'HOURS', duration: 1, pad: 'x'.repeat(900_000) } });
    assert.equal(huge.status, 400);
    assert.ok(isEnvelope(huge.json));
    assert.match(String(huge.json?.error_message), /pad/);
    const deep = await call('POST', JOBS_A, '{"job_name":"deep","train_url":"/a/hparams/","flavor":' + '{"a":'.repeat(20_000) + '1' + '}'.repeat(20_001));
    assert.equal(deep.status, 400);
    assert.ok(isEnvelope(deep.json));
    const over = await call('POST', JOBS_A, 'x'.repeat(2 * 1024 * 1024));
    assert.equal(over.status, 413);
    assert.ok(isEnvelope(over.json));

    // Unusable train_urls fail at once, and the reason names the train_url, never a server path.
    for (const url of ['/bkt-a/loop/self/', `/bkt-a/${'n'.repeat(300)}/`]) {
      const c = await call('POST', JOBS_A, { job_name: 'bad-url', train_url: url });
      if (c.status !== 200) {
        assert.ok(isEnvelope(c.json), `${url.slice(0, 20)}: refused outside the envelope`);
        continue;
      }
      const d = await settle(c.json?.job_id);
      assert.equal(d.status, 11, `${url.slice(0, 20)}: status ${String(d.status)}`);
      assert.doesNotMatch(String(d.failure_reason), new RegExp(dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'the reason shows a server path');
    }

    // Garbage on the socket gets an envelope, not Node's bare answer.
    const raw = await new Promise<string>((resolve, reject) => {
      const u = new URL(server.base);
      const s = connect(Number(u.port), u.hostname, () => s.write('GET /v1/proj-a/visualization-jobs HTTP/1.1\r\nHost: x\r\nX-Bad: ' + 'h'.repeat(64 * 1024) + '\r\n\r\n'));
      let text = '';
      s.on('data', (d: Buffer) => (text += d.toString()));
      s.on('end', () => resolve(text));
      s.on('error', reject);
      s.setTimeout(10_000, () => s.destroy(new Error('no answer to oversized headers')));
    });
    assert.match(raw, /^HTTP\/1\.1 4\d\d/);
    assert.match(raw, /"error_code"/);

    // Guessing tokens: refused, then slowed down with 429 in the envelope — while B's valid token works.
    const statuses = new Set<number>();
    for (let i = 0; i < 100; i++) {
      const g = await call('GET', JOBS_A, undefined, `guess-${i}`);
      statuses.add(g.status);
      assert.ok(isEnvelope(g.json));
    }
    assert.ok(statuses.has(429), `wrong tokens were never rate-limited: ${[...statuses].join(', ')}`);
    assert.equal((await call('GET', bPath, undefined, TOKEN_B)).status, 200);
  } finally {
    polling = false;
    await poller;
    const alive = !server.exited();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
    assert.ok(alive, `the server died:\n${server.output().slice(-2000)}`);
  }
  assert.deepEqual(bFailures, [], 'project B saw failures');
  const worst = Math.max(...bLatencies);
  assert.ok(worst < B_PATIENCE_MS, `project B waited ${worst.toFixed(0)} ms for an answer`);
});
