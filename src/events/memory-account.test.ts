// A Logdir given a MemoryAccount reports its runs' memory as it reads and stops where the account
// refuses: what it loaded stays, a problem says where it stopped, and it reads on from there once
// the account has room again.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLogdir, type MemoryAccount } from './index.js';
import { LocalStorage } from '../storage/local.js';
import type { LogLocation } from '../storage/storage.js';

const localLocation = (root: string): LogLocation => ({ storage: new LocalStorage(root), prefix: '' });
import { SummaryWriter } from '../writer/index.js';

/** Runs `fn` in a fresh directory, removed after. */
async function inTempDir(fn: (root: string) => Promise<void>): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'vizjobs-mem-'));
  try {
    await fn(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function writeRuns(root: string, runs: number, points: number): void {
  for (let r = 0; r < runs; r++) {
    const w = new SummaryWriter(join(root, `run${r}`), { now: () => 1.7e9 + r });
    for (let step = 0; step < points; step++) w.addScalar('loss', 1 / (step + 1 + r), step, 1.7e9 + step);
    w.close();
  }
}

/** An account that holds at most `limit` bytes, and says how much it was told. */
function account(limit: number): MemoryAccount & { used: number; limit: number; calls: number } {
  const a = {
    used: 0,
    limit,
    calls: 0,
    refusal: 'budget reached (test)',
    grow(bytes: number): boolean {
      a.calls++;
      a.used += bytes;
      return a.used <= a.limit;
    },
  };
  return a;
}

function samples(logdir: ReturnType<typeof openLogdir>): number {
  let n = 0;
  for (const r of logdir.runNames()) n += logdir.scalars(r, 'loss')?.steps.length ?? 0;
  return n;
}

describe('memory account', () => {
  it('reports what the runs take, and the total matches stats().memoryBytes', () =>
    inTempDir(async (root) => {
      writeRuns(root, 3, 5_000);
      const a = account(Infinity);
      const logdir = openLogdir(localLocation(root), { memory: a });
      await logdir.reload();
      assert.equal(samples(logdir), 15_000);
      assert.ok(a.used > 3 * 5_000 * 9, `reported ${a.used} bytes`);
      assert.equal(a.used, logdir.stats().memoryBytes);
    }));

  it('a refused load stops, keeps what it read, says where, and reads on once there is room', () =>
    inTempDir(async (root) => {
      writeRuns(root, 4, 5_000);
      // What one run takes, measured without a limit.
      const probe = account(Infinity);
      const whole = openLogdir(localLocation(root), { memory: probe });
      await whole.reload();
      const perRun = probe.used / 4;

      const a = account(perRun * 1.5); // room for one run, not two
      const logdir = openLogdir(localLocation(root), { memory: a });
      const first = await logdir.reload();
      assert.equal(logdir.runNames().length, 4, 'every run is listed');
      assert.equal(samples(logdir), 10_000, 'two runs read: the second took it over the limit');
      const problems = logdir.runNames().flatMap((r) => logdir.run(r)?.problems ?? []);
      assert.equal(problems.length, 1);
      assert.equal(problems[0].kind, 'limit');
      assert.equal(problems[0].message, 'budget reached (test)');

      // Still no room: the next reload lists but reads nothing.
      const again = await logdir.reload();
      assert.equal(again.bytesRead, 0);
      assert.equal(samples(logdir), 10_000);

      // Room again (another job's data dropped): the rest is read, from where it stopped.
      a.limit = Infinity;
      const rest = await logdir.reload();
      assert.equal(samples(logdir), 20_000);
      assert.equal(first.bytesRead + rest.bytesRead, whole.stats().bytesRead, 'nothing read twice');
      assert.equal(logdir.runNames().flatMap((r) => logdir.run(r)?.problems ?? []).length, 1, 'the problem is not repeated');
    }));

  it('a single file is not read whole before the account is asked', () =>
    inTempDir(async (root) => {
      writeRuns(root, 1, 400_000); // ~20 MB of records in one file
      const dir = join(root, 'run0');
      const size = statSync(join(dir, readdirSync(dir)[0])).size;
      assert.ok(size > 16 << 20, `file of ${size} bytes`);
      const a = account(64 * 1024);
      const logdir = openLogdir(localLocation(root), { memory: a });
      const r = await logdir.reload();
      assert.ok(r.bytesRead < size / 2, `${r.bytesRead} of ${size} bytes read`);
      const [p] = logdir.run('run0')?.problems ?? [];
      assert.equal(p?.kind, 'limit');
      assert.ok(p.offset > 0 && p.offset < size, `stopped at ${p.offset}`);
      assert.equal(samples(logdir) > 0, true, 'what was read is served');
    }));

  it('the runs a listing finds count before any is read: a listing over the budget reads nothing', () =>
    inTempDir(async (root) => {
      writeRuns(root, 30, 10);
      const a = account(1_000); // less than the runs' state alone
      const logdir = openLogdir(localLocation(root), { memory: a });
      const r = await logdir.reload();
      assert.equal(r.bytesRead, 0);
      assert.equal(logdir.runNames().length, 30, 'every run is listed');
      assert.ok(a.used > 30 * 1_000, `${a.used} bytes for 30 listed runs`);
      const problems = logdir.runNames().flatMap((n) => logdir.run(n)?.problems ?? []);
      assert.deepEqual(problems.map((p) => p.kind), ['limit']);
      a.limit = Infinity;
      await logdir.reload();
      assert.equal(samples(logdir), 300);
    }));

  it('a listing of more runs than the account holds stops making run states where it refuses, and lists the rest once there is room', () =>
    inTempDir(async (root) => {
      for (let r = 0; r < 2_500; r++) {
        mkdirSync(join(root, `run${r}`));
        writeFileSync(join(root, `run${r}`, 'events.out.tfevents.1.host'), '');
      }
      const a = account(1_500 * 1_500); // about 1,500 listed runs
      const logdir = openLogdir(localLocation(root), { memory: a });
      await logdir.reload();
      const listed = logdir.runNames().length;
      assert.ok(listed >= 1_024 && listed < 2_500, `${listed} run states made`);
      const problems = logdir.runNames().flatMap((n) => logdir.run(n)?.problems ?? []);
      assert.deepEqual(problems.map((p) => p.kind), ['limit']);
      a.limit = Infinity;
      await logdir.reload();
      assert.equal(logdir.runNames().length, 2_500);
    }));
});
