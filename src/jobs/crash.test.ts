// Crash safety (API.md §2): the built server (`node dist/cli.js serve`) is SIGKILLed in the middle
// of create, stop and delete storms, restarted on the same data, and every job must be accounted
// for: none lost, none half-deleted, every one settled in a legal status. Needs `npm run build`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath } from '../testing/paths.js';

const TOKEN = 'crash-token';
const SETTLED = new Set([6, 8, 10, 11, 12]);

async function startServe(dataDir: string): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, [cliPath, 'serve', '--port', '0', '--data-dir', dataDir, '--VIZJOBS_TOKENS', `${TOKEN}=p1`, '--running-quota', '100000', '--job-limit', '100000'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const base = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 20_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited ${String(code)}: ${out}`)));
  });
  return { child, base };
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

async function api(base: string, method: string, path: string, body?: unknown): Promise<Record<string, unknown> | undefined> {
  try {
    const res = await fetch(`${base}/v1/p1/visualization-jobs${path}`, {
      method,
      headers: { 'x-auth-token': TOKEN, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return (await res.json()) as Record<string, unknown>;
  } catch {
    return undefined; // the server died mid-request: the outcome is unknown
  }
}

interface Ledger {
  created: Set<number>;
  stopAcked: Set<number>;
  deleteAcked: Set<number>;
  /** Deletes sent, answered or not: a delete in flight at the kill may have committed. */
  deleteSent: Set<number>;
  maxId: number;
}

async function storm(base: string, ledger: Ledger, untilMs: number): Promise<void> {
  const worker = async (w: number): Promise<void> => {
    let i = 0;
    while (Date.now() < untilMs) {
      i++;
      const ids = [...ledger.created].filter((id) => !ledger.deleteAcked.has(id));
      const pick = ids[(i * 7 + w) % Math.max(1, ids.length)];
      const r = i % 3 === 0 || pick === undefined ? 'create' : i % 3 === 1 ? 'stop' : 'delete';
      if (r === 'create') {
        const b = await api(base, 'POST', '', { job_name: `c${w}_${i}`, train_url: '/demo/pytorch-mlp/' });
        if (b === undefined) return;
        if (b.is_success) {
          ledger.created.add(b.job_id as number);
          ledger.maxId = Math.max(ledger.maxId, b.job_id as number);
        }
      } else if (r === 'stop') {
        const b = await api(base, 'POST', `/${pick}/stop`);
        if (b === undefined) return;
        if (b.is_success) ledger.stopAcked.add(pick);
      } else {
        ledger.deleteSent.add(pick);
        const b = await api(base, 'DELETE', `/${pick}`);
        if (b === undefined) return;
        if (b.is_success) ledger.deleteAcked.add(pick);
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));
}

async function allJobs(base: string): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (let page = 1; ; page++) {
    const b = await api(base, 'GET', `?per_page=1000&page=${page}`);
    const jobs = (b?.jobs ?? []) as { job_id: number; status: number }[];
    for (const j of jobs) out.set(j.job_id, j.status);
    if (jobs.length < 1000) return out;
  }
}

test('SIGKILL mid-storm loses no job and every job settles in a legal status after restart', { timeout: 60_000 }, async (t) => {
  assert.ok(existsSync(cliPath), `${cliPath} missing: run npm run build first`);
  const dataDir = mkdtempSync(join(tmpdir(), 'vizjobs-crash-'));
  const ledger: Ledger = { created: new Set(), stopAcked: new Set(), deleteAcked: new Set(), deleteSent: new Set(), maxId: 0 };
  let server: { child: ChildProcess; base: string } | undefined;
  try {
    for (let round = 0; round < 3; round++) {
      server = await startServe(dataDir);
      const stormDone = storm(server.base, ledger, Date.now() + 5000);
      await new Promise((r) => setTimeout(r, 600 + round * 200));
      server.child.kill('SIGKILL');
      await exited(server.child);
      await stormDone;
    }
    assert.ok(ledger.created.size >= 10, `storm created ${ledger.created.size} jobs`);
    assert.ok(ledger.deleteAcked.size > 0 && ledger.stopAcked.size > 0);

    server = await startServe(dataDir);
    let jobs = await allJobs(server.base);
    for (let i = 0; i < 100 && [...jobs.values()].some((s) => !SETTLED.has(s)); i++) {
      await new Promise((r) => setTimeout(r, 100));
      jobs = await allJobs(server.base);
    }
    t.diagnostic(`created ${ledger.created.size}, stops ${ledger.stopAcked.size}, deletes ${ledger.deleteAcked.size}, alive ${jobs.size}`);
    for (const [id, status] of jobs) assert.ok(SETTLED.has(status), `job ${id} stuck in ${status}`);
    for (const id of ledger.created) {
      if (ledger.deleteAcked.has(id)) {
        assert.ok(!jobs.has(id) || jobs.get(id) === 6, `acknowledged delete of ${id} left it ${String(jobs.get(id))}`);
      } else if (!jobs.has(id)) {
        // Only a delete whose answer was lost in the crash may have removed it.
        assert.ok(ledger.deleteSent.has(id), `job ${id} was lost`);
      } else if (ledger.stopAcked.has(id)) {
        assert.ok([12, 6].includes(jobs.get(id) as number), `stopped job ${id} is ${String(jobs.get(id))}`);
      }
    }
    const fresh = await api(server.base, 'POST', '', { job_name: 'after', train_url: '/demo/pytorch-mlp/' });
    assert.ok((fresh?.job_id as number) > ledger.maxId, 'ids are not reused after crashes');
  } finally {
    if (server) {
      server.child.kill('SIGKILL');
      await exited(server.child);
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
});
