// `vizjobs serve` as operators run it (the built dist/cli.js in a child process, real files): the
// admin token is printed only by the start that creates it, and the token, the session key and the
// SQLite database with its -wal/-shm are 0600 in a 0700 data dir; a 0644 token file left by an
// older version is named in a warning and made 0600. Needs `npm run build`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath } from '../testing/paths.js';

interface Started {
  stdout: string;
  stderr: string;
  base: string;
  stop(): Promise<void>;
}

/** Starts serve on an ephemeral port and returns once it printed every start-up line. */
async function serve(dataDir: string): Promise<Started> {
  const child = spawn(process.execPath, [cliPath, 'serve', '--port', '0', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, VIZJOBS_TOKENS: '' },
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${stdout} ${stderr}`)), 20_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(stdout);
      // The admin-token line is printed right after the listening line.
      if (m && /admin token/.test(stdout)) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${String(code)}: ${stdout} ${stderr}`)));
  });
  return {
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    base,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

const mode = (path: string): string => '0' + (statSync(path).mode & 0o777).toString(8);

test('the admin token is printed by the first start only, and its file, the session key and the database files are 0600', async () => {
  const root = mkdtempSync(join(tmpdir(), 'vizjobs-serve-'));
  const dataDir = join(root, 'data');
  try {
    const first = await serve(dataDir);
    let token: string;
    try {
      token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
      assert.ok(token.length >= 32);
      assert.match(first.stdout, new RegExp(`admin token \\(created .*admin-token.*\\): ${token}`));
      // A write, so the WAL certainly holds something while the modes are looked at.
      const r = await fetch(`${first.base}/v1/p/visualization-jobs`, {
        method: 'POST',
        headers: { 'x-auth-token': token, 'content-type': 'application/json' },
        body: JSON.stringify({ job_name: 'j', train_url: '/demo/x/' }),
      });
      assert.equal(r.status, 200, await r.text());
      assert.equal(mode(dataDir), '0700');
      for (const f of ['admin-token', 'session-secret', 'vizjobs.db', 'vizjobs.db-wal', 'vizjobs.db-shm']) {
        assert.ok(existsSync(join(dataDir, f)), f);
        assert.equal(mode(join(dataDir, f)), '0600', f);
      }
      assert.equal(first.stderr, '');
    } finally {
      await first.stop();
    }

    const second = await serve(dataDir);
    try {
      assert.ok(!second.stdout.includes(token), second.stdout);
      assert.match(second.stdout, new RegExp(`^admin token: ${join(dataDir, 'admin-token').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
      assert.equal(second.stderr, '');
    } finally {
      await second.stop();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a 0644 admin token file and database left by an older version are named in a warning and made 0600', async () => {
  const root = mkdtempSync(join(tmpdir(), 'vizjobs-serve-'));
  const dataDir = join(root, 'data');
  try {
    await (await serve(dataDir)).stop();
    for (const f of ['admin-token', 'vizjobs.db']) chmodSync(join(dataDir, f), 0o644);
    const again = await serve(dataDir);
    try {
      for (const f of ['admin-token', 'vizjobs.db']) {
        const path = join(dataDir, f);
        assert.equal(mode(path), '0600', f);
        const lines = again.stderr.split('\n').filter((l) => l.includes(path + ' '));
        assert.equal(lines.length, 1, again.stderr);
        assert.match(lines[0], /0644/);
      }
      for (const f of ['vizjobs.db-wal', 'vizjobs.db-shm']) assert.equal(mode(join(dataDir, f)), '0600', f);
    } finally {
      await again.stop();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
