// The viewer's memory budget, through the data API: jobs' loaded logs together stay within it,
// jobs nobody views make room first, a job over its share stops loading with a problem, and the
// other tenants' jobs load and answer as before.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SummaryWriter } from '../writer/index.js';
import { viewerTestApp, type ViewerTestApp } from '../testing/viewer-app.js';
import { IDLE_FOR_EVICTION_MS } from './memory-budget.js';

const H = { 'x-auth-token': 'tok' };
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  while (cleanups.length) await (cleanups.pop() as () => Promise<void>)();
});

/** Job `id` reads `/logs/jobN/`: `runs` runs of `points` scalar points each. */
async function writeJob(root: string, id: number, runs: number, points: number): Promise<void> {
  for (let r = 0; r < runs; r++) {
    const dir = join(root, 'logs', `job${id}`, `run${r}`);
    await mkdir(dir, { recursive: true });
    const w = new SummaryWriter(dir, { now: () => 1.7e9 + r });
    for (let step = 0; step < points; step++) w.addScalar('loss', 1 / (step + 1 + r + id), step, 1.7e9 + step);
    w.close();
  }
}

async function app(root: string, memory?: { limitBytes: number; jobShare: number }): Promise<ViewerTestApp> {
  const t = await viewerTestApp({ obsRoot: root, tokens: 'tok=proj|other', memory });
  t.clock.now = 1_000_000;
  cleanups.push(() => t.close());
  return t;
}

async function serve(t: ViewerTestApp, id: number, project = 'proj'): Promise<void> {
  t.jobs.set(id, { projectId: project, status: 8, trainUrl: `/logs/job${id}/` });
  await t.runtime.start({ jobId: id, projectId: project, jobType: 'tensorboard', trainUrl: `/logs/job${id}/` });
}

/** Points of every run's `loss` the job answers, and its problems. */
async function look(t: ViewerTestApp, id: number): Promise<{ points: number; problems: { kind: string; message: string }[] }> {
  const project = t.jobs.get(id)?.projectId ?? 'proj';
  const runs = await t.app.inject({ url: `/visualization/${project}/${id}/data/runs`, headers: H });
  assert.equal(runs.statusCode, 200, runs.body);
  let points = 0;
  for (const run of runs.json() as string[]) {
    const r = await t.app.inject({ url: `/visualization/${project}/${id}/data/plugin/scalars/scalars?run=${run}&tag=loss`, headers: H });
    if (r.statusCode === 200) points += (r.json() as unknown[]).length;
  }
  const p = await t.app.inject({ url: `/visualization/${project}/${id}/data/problems`, headers: H });
  assert.equal(p.statusCode, 200, p.body);
  const problems = Object.values(p.json() as Record<string, { kind: string; message: string }[]>).flat();
  return { points, problems };
}

/** What one job of `runs` × `points` takes by the engine's estimate (a budget that never refuses). */
async function sizeOf(root: string, id: number): Promise<number> {
  const t = await app(root, { limitBytes: Number.MAX_SAFE_INTEGER, jobShare: 1 });
  await serve(t, id);
  await look(t, id);
  const used = t.runtime.memoryBudget?.used ?? 0;
  assert.ok(used > 0);
  return used;
}

describe('viewer memory budget', () => {
  it('jobs nobody views make room for the one being viewed, least recently viewed first', async () => {
    const root = await mkdtemp(join(tmpdir(), 'vizjobs-budget-'));
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    for (const id of [1, 2, 3]) await writeJob(root, id, 2, 4_000);
    const size = await sizeOf(root, 1);
    const t = await app(root, { limitBytes: size * 2.5, jobShare: 0.5 });
    for (const id of [1, 2, 3]) await serve(t, id);

    assert.equal((await look(t, 1)).points, 8_000);
    t.clock.now += 1_000;
    assert.equal((await look(t, 2)).points, 8_000);
    assert.deepEqual(t.runtime.loadedJobIds().sort(), [1, 2]);

    // Both idle long enough: job 3's load drops job 1's data (viewed longest ago), not job 2's.
    t.clock.now += IDLE_FOR_EVICTION_MS + 1;
    const third = await look(t, 3);
    assert.equal(third.points, 8_000);
    assert.deepEqual(third.problems, []);
    assert.deepEqual(t.runtime.loadedJobIds().sort(), [2, 3]);
    assert.ok((t.runtime.memoryBudget?.used ?? Infinity) <= size * 2.5);
    assert.equal(t.runtime.memoryBudget?.evictions, 1);

    // Job 1 is read again at its next view, whole (job 2, idle, makes room now).
    t.clock.now += 1_000;
    assert.equal((await look(t, 1)).points, 8_000);
    assert.deepEqual(t.runtime.loadedJobIds().sort(), [1, 3]);
  });

  it('a job over its share stops loading with a problem; jobs being viewed keep their data', async () => {
    const root = await mkdtemp(join(tmpdir(), 'vizjobs-budget-'));
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    await writeJob(root, 1, 2, 4_000);
    await writeJob(root, 2, 12, 4_000); // six times job 1
    const size = await sizeOf(root, 1);
    const t = await app(root, { limitBytes: size * 4, jobShare: 0.5 });
    await serve(t, 1);
    await serve(t, 2);

    assert.equal((await look(t, 1)).points, 8_000);
    const big = await look(t, 2);
    assert.ok(big.points > 0 && big.points < 12 * 4_000, `${big.points} points loaded`);
    assert.equal(big.problems.length, 1);
    assert.equal(big.problems[0].kind, 'limit');
    assert.match(big.problems[0].message, /VIZJOBS_VIEWER_MEMORY_MB/);
    // Job 1 was viewed a moment ago: it keeps its data, and still answers whole.
    assert.deepEqual(t.runtime.loadedJobIds().sort(), [1, 2]);
    assert.equal(t.runtime.memoryBudget?.evictions, 0);
    assert.equal((await look(t, 1)).points, 8_000);
    assert.ok((t.runtime.memoryBudget?.used ?? Infinity) <= size * 4.5, 'over by at most the file (a run) that took it over');

    // Stopping the big job gives its memory back.
    await t.runtime.stop(2);
    assert.ok(Math.abs((t.runtime.memoryBudget?.used ?? -1) - size) < 1, `${t.runtime.memoryBudget?.used} bytes held, job 1 takes ${size}`);
  });

  it('one project cannot fill the budget for another: the largest job of the project over its even share makes room', async () => {
    const root = await mkdtemp(join(tmpdir(), 'vizjobs-budget-'));
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    await writeJob(root, 1, 4, 4_000);
    await writeJob(root, 2, 3, 4_000);
    await writeJob(root, 3, 2, 4_000);
    const unit = (await sizeOf(root, 3)) / 2; // one run
    const t = await app(root, { limitBytes: unit * 7.5, jobShare: 0.6 });
    await serve(t, 1);
    await serve(t, 2);
    await serve(t, 3, 'other');

    // Project "proj" views two jobs, 7 runs' worth of a 7.5-run budget, and keeps viewing them.
    assert.equal((await look(t, 1)).points, 16_000);
    assert.equal((await look(t, 2)).points, 12_000);
    // Project "other" holds nothing: its job loads whole, taken from proj's largest job.
    const other = await look(t, 3);
    assert.equal(other.points, 8_000);
    assert.deepEqual(other.problems, []);
    assert.deepEqual(t.runtime.loadedJobIds().sort(), [2, 3]);
    assert.equal(t.runtime.memoryBudget?.evictions, 1);

    // Job 1 is read again at its next view and stops at what is left, saying so.
    const again = await look(t, 1);
    assert.ok(again.points > 0 && again.points < 16_000, `${again.points} points`);
    assert.equal(again.problems[0]?.kind, 'limit');
    assert.deepEqual(t.runtime.loadedJobIds().sort(), [1, 2, 3]);
    // The file that took it over is kept: the budget is exceeded by at most one file's worth.
    assert.ok((t.runtime.memoryBudget?.used ?? Infinity) <= unit * 8.5);
    // Project "other" keeps its job whole.
    assert.equal((await look(t, 3)).points, 8_000);
  });
});
