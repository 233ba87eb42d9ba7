// The container image's file set, installed the way the Dockerfile installs it — package.json and
// package-lock.json with `npm ci --omit=dev`, dist/ pruned by scripts/prod-files.mjs — into a
// temporary folder (no image can be built here: no registry). Then the service is started from it
// as the image runs it: an unprivileged user, the install read-only, writes only under its data
// dir. It must start, answer /healthz and /readyz, and run a job over real logs: so nothing it
// loads at run time is a dev dependency or a file outside that set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './testing/paths.js';

const NOBODY = 65534;

test('the production file set (npm ci --omit=dev + pruned dist/) starts as an unprivileged user on a read-only install and runs a job', { timeout: 300_000 }, async () => {
  const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
  // The test and the Dockerfile install the same way; if one changes, this says so.
  assert.match(dockerfile, /npm ci --omit=dev/);
  assert.match(dockerfile, /node scripts\/prod-files\.mjs dist/);
  assert.match(dockerfile, /^USER node$/m);
  assert.match(dockerfile, /^FROM node:20-slim/m);

  const root = mkdtempSync(join(tmpdir(), 'vizjobs-image-'));
  const app = join(root, 'app');
  const data = join(root, 'data');
  let child: ReturnType<typeof spawn> | undefined;
  try {
    mkdirSync(app);
    for (const f of ['package.json', 'package-lock.json', 'README.md']) cpSync(join(repoRoot, f), join(app, f));
    const install = spawnSync('npm', ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app, encoding: 'utf8', timeout: 240_000 });
    assert.equal(install.status, 0, `${install.stdout}\n${install.stderr}`);
    cpSync(join(repoRoot, 'dist'), join(app, 'dist'), { recursive: true });
    const prune = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'prod-files.mjs'), join(app, 'dist')], { encoding: 'utf8' });
    assert.equal(prune.status, 0, prune.stderr);
    assert.equal(existsSync(join(app, 'dist', 'testing')), false);
    assert.equal(existsSync(join(app, 'dist', 'server.test.js')), false);
    for (const dev of ['typescript', 'vite', 's3rver', 'tsx', 'playwright-core']) assert.equal(existsSync(join(app, 'node_modules', dev)), false, `${dev} is a dev dependency`);

    // Read-only install, readable by all; the data dir (the image's /data volume) owned by the user.
    spawnSync('chmod', ['-R', 'a-w,a+rX', app]);
    chmodSync(root, 0o755);
    mkdirSync(join(data, 'obs', 'demo'), { recursive: true });
    cpSync(join(repoRoot, 'examples', 'obs', 'demo', 'pytorch-mlp'), join(data, 'obs', 'demo', 'pytorch-mlp'), { recursive: true });
    spawnSync('chown', ['-R', `${NOBODY}:${NOBODY}`, data]);
    chmodSync(data, 0o700);

    let out = '';
    child = spawn(process.execPath, ['dist/cli.js', 'serve', '--port', '0'], {
      cwd: app,
      uid: NOBODY,
      gid: NOBODY,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', VIZJOBS_DATA_DIR: data, HOME: data },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const started = child;
    const base = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`did not start: ${out}`)), 30_000);
      started.stdout?.on('data', () => {
        const m = /listening on (http:\/\/[^\s"]+)/.exec(out);
        if (m && /admin token/.test(out)) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      started.once('exit', (code) => reject(new Error(`exited ${String(code)}: ${out}`)));
    });
    const token = readFileSync(join(data, 'admin-token'), 'utf8').trim();
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    const headers = { 'x-auth-token': token, 'content-type': 'application/json' };
    const created = await fetch(`${base}/v1/p1/visualization-jobs`, { method: 'POST', headers, body: JSON.stringify({ job_name: 'img', train_url: '/demo/pytorch-mlp/' }) });
    assert.equal(created.status, 200, await created.clone().text());
    const id = ((await created.json()) as { job_id: number }).job_id;
    const end = Date.now() + 20_000;
    let runs: Response | undefined;
    while (Date.now() < end) {
      runs = await fetch(`${base}/visualization/p1/${String(id)}/data/runs`, { headers });
      if (runs.status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(runs?.status, 200, out);
    assert.ok(((await runs.json()) as string[]).length > 0);
    const page = await fetch(`${base}/`);
    assert.equal(page.status, 200, 'the console is in the file set');
  } finally {
    if (child && child.exitCode === null) {
      const gone = new Promise((r) => child?.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    }
    spawnSync('chmod', ['-R', 'u+w', root]);
    rmSync(root, { recursive: true, force: true });
  }
});
