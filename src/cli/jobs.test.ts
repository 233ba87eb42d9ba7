// `vizjobs jobs …` and `vizjobs serve` as users run them: the built CLI (dist/cli.js, needs
// `npm run build`) against a real listening server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startTestServer, waitFor, BASE, TOKEN, type TestServer } from '../testing/test-server.js';
import { cliPath } from '../testing/paths.js';

const run = promisify(execFile);
let ts: TestServer;
let endpoint: string;

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [cliPath, ...args], { env: { ...process.env, VIZJOBS_ENDPOINT: '', VIZJOBS_TOKEN: '', VIZJOBS_PROJECT: '', ...env }, timeout: 20_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

before(async () => {
  ts = await startTestServer();
  endpoint = await ts.built.app.listen({ host: '127.0.0.1', port: 0 });
});
after(async () => ts.close());

test('jobs create/list/show/update/stop/restart/delete with flags, tables and --json', async () => {
  const flags = ['--endpoint', endpoint, '--token', TOKEN, '--project', 'p1'];
  const c = await cli(['jobs', ...flags, '--json', 'create', '--name', 'cli_job', '--train-url', '/demo/pytorch-mlp/', '--desc', 'from cli', '--stop-after', '3']);
  assert.equal(c.code, 0, c.stderr);
  const created = JSON.parse(c.stdout) as { job_id: number; status: number };
  assert.equal(created.status, 1);
  const id = created.job_id;
  await waitFor(ts, id, (s) => s === 8);

  const list = await cli(['jobs', ...flags, 'list', '--search', 'cli_']);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /^JOB_ID\s+JOB_NAME\s+STATUS/m);
  assert.match(list.stdout, new RegExp(`^${id}\\s+cli_job\\s+8 RUNNING`, 'm'));
  assert.match(list.stdout, /1 of 1 jobs/);

  const show = await cli(['jobs', ...flags, 'show', String(id)]);
  assert.match(show.stdout, /job_desc\s+from cli/);
  assert.match(show.stdout, /remaining_duration\s+2h59m|remaining_duration\s+3h00m/);

  assert.equal((await cli(['jobs', ...flags, 'update', String(id), '--desc', 'renamed'])).code, 0);
  assert.equal((await ts.call('GET', `${BASE}/${id}`)).body.job_desc, 'renamed');

  const stop = await cli(['jobs', ...flags, 'stop', String(id)]);
  assert.equal(stop.code, 0, stop.stderr);
  await waitFor(ts, id, (s) => s === 12);
  const again = await cli(['jobs', ...flags, 'stop', String(id)]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /ModelArts\.0105: This job can't be stop\. job status: 12/);

  assert.equal((await cli(['jobs', ...flags, 'restart', String(id)])).code, 0);
  await waitFor(ts, id, (s) => s === 8);
  const jsonList = JSON.parse((await cli(['jobs', ...flags, '--json', 'list', '--status', '8|12', '--per-page', '5'])).stdout) as { jobs: { job_id: number }[] };
  assert.ok(jsonList.jobs.some((j) => j.job_id === id));

  assert.equal((await cli(['jobs', ...flags, 'delete', String(id)])).code, 0);
  await waitFor(ts, id, (s) => s === undefined);
  const gone = await cli(['jobs', ...flags, 'show', String(id)]);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /ModelArts\.0015/);
});

test('jobs reads endpoint, token and project from the environment and reports errors plainly', async () => {
  const env = { VIZJOBS_ENDPOINT: endpoint, VIZJOBS_TOKEN: TOKEN, VIZJOBS_PROJECT: 'p1' };
  const ok = await cli(['jobs', '--json', 'list'], env);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal((JSON.parse(ok.stdout) as { is_success: boolean }).is_success, true);
  const bad = await cli(['jobs', 'list'], { ...env, VIZJOBS_TOKEN: 'wrong' });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /ModelArts\.0203/);
  const noProject = await cli(['jobs', 'list'], { VIZJOBS_ENDPOINT: endpoint, VIZJOBS_TOKEN: TOKEN });
  assert.equal(noProject.code, 1);
  assert.match(noProject.stderr, /project/);
  const badId = await cli(['jobs', 'show', 'abc'], env);
  assert.equal(badId.code, 1);
  const down = await cli(['jobs', 'list'], { ...env, VIZJOBS_ENDPOINT: 'http://127.0.0.1:1' });
  assert.equal(down.code, 1);
  assert.match(down.stderr, /cannot reach/);
});

test('serve takes settings as flags named like the variables, creates the admin token and prints it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vizjobs-serve-'));
  const child = spawn(process.execPath, [cliPath, 'serve', '--VIZJOBS_PORT', '0', '--VIZJOBS_DATA_DIR', dir, '--VIZJOBS_RUNNING_QUOTA', '3', '--job-limit', '7'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, VIZJOBS_TOKENS: '' },
  });
  try {
    const out = await new Promise<string>((res, rej) => {
      let s = '';
      const t = setTimeout(() => rej(new Error(s)), 15_000);
      child.stdout.on('data', (d: Buffer) => {
        s += d.toString();
        if (/admin token .*: \S+/.test(s)) {
          clearTimeout(t);
          res(s);
        }
      });
    });
    const base = /listening on (\S+)/.exec(out)?.[1] as string;
    const token = /admin token .*: (\S+)/.exec(out)?.[1] as string;
    assert.equal(statSync(join(dir, 'admin-token')).mode & 0o777, 0o600);
    const r = await fetch(`${base}/v1/any_project/visualization-jobs`, { headers: { 'x-auth-token': token } });
    const body = (await r.json()) as { quotas: number; job_count_limit: number };
    assert.equal(body.quotas, 3);
    assert.equal(body.job_count_limit, 7);
    const created = await fetch(`${base}/v1/any_project/visualization-jobs`, { method: 'POST', headers: { 'x-auth-token': token, 'content-type': 'application/json' }, body: JSON.stringify({ job_name: 'x', train_url: '/b1x/x/' }) });
    const c = (await created.json()) as { service_url: string };
    assert.ok(String(c.service_url).startsWith(`${base}/visualization/any_project/`), JSON.stringify(c));
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad serve settings exit non-zero with a message, not a stack trace', async () => {
  const r = await cli(['serve', '--VIZJOBS_PORT', 'abc']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /VIZJOBS_PORT must be an integer/);
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
});
