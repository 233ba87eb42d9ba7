// Job API benchmark (issue 2, item 9) against the built server (`node dist/cli.js serve`, SQLite):
//   1. GET details with autocannon: target >= 5,000 req/s and p99 <= 20 ms;
//   2. list over 10,000 jobs with per_page=1000: target p99 <= 100 ms;
//   3. 1,000 create-then-delete cycles, one after another: target <= 10 s.
// The 10,000 jobs are seeded straight into the database file before the server starts (creating
// them through the API would measure creation, which part 3 does).
// VIZJOBS_DB=postgres://… runs the same on PostgreSQL, in a fresh schema dropped afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { SqliteJobStore } from '../dist/store/sqlite.js';
import { PostgresJobStore } from '../dist/store/postgres.js';
import { createTestSchema } from '../dist/testing/postgres.js';
import { Status } from '../dist/domain/status.js';

const root = resolve(import.meta.dirname, '..');
const TOKEN = 'bench-token';
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10);
const PG_URL = /^postgres(ql)?:\/\//.test(process.env.VIZJOBS_DB ?? '') ? process.env.VIZJOBS_DB : undefined;

async function startServer(dataDir: string, dbFlag: string[]): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, [join(root, 'dist', 'cli.js'), 'serve', '--port', '0', '--data-dir', dataDir, '--VIZJOBS_TOKENS', `${TOKEN}=p1|p2`, '--job-limit', '100000', ...dbFlag], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const base = await new Promise<string>((res, rej) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) res(m[1]);
    });
    child.on('exit', (c) => rej(new Error(`server exited ${String(c)}`)));
  });
  return { child, base };
}

function cannon(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((res, rej) => {
    autocannon(opts, (err, result) => (err ? rej(err) : res(result)));
  });
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vizjobs-bench-'));
  const jobs = Array.from({ length: 10_000 }, (_, i) => ({
    projectId: 'p2',
    jobName: `job_${i}`,
    jobDesc: `seeded job number ${i}`,
    jobType: 'tensorboard' as const,
    createTime: Date.now() - i,
    trainUrl: `/bench/run-${i}/`,
    resourceId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    scheduleJson: null,
    scheduleMs: 0,
    workspaceId: '0',
    flavorJson: null,
  }));
  let dropSchema = async () => {};
  let dbFlag: string[] = [];
  if (PG_URL) {
    const schema = await createTestSchema(PG_URL);
    dropSchema = schema.drop;
    dbFlag = ['--db', schema.url];
    const seed = new PostgresJobStore(schema.url);
    await seed.seed(jobs, Status.KILLED);
    await seed.close();
  } else {
    const seed = new SqliteJobStore(join(dataDir, 'vizjobs.db'));
    seed.seed(jobs, Status.KILLED);
    await seed.close();
  }

  const { child, base } = await startServer(dataDir, dbFlag);
  const headers = { 'x-auth-token': TOKEN, 'content-type': 'application/json' };
  const results: Record<string, unknown> = {};
  try {
    const created = (await (await fetch(`${base}/v1/p1/visualization-jobs`, { method: 'POST', headers, body: JSON.stringify({ job_name: 'bench', train_url: '/bench/x/' }) })).json()) as { job_id: number };
    // Warm-up, then the measured run.
    const detailsUrl = `${base}/v1/p1/visualization-jobs/${created.job_id}`;
    await cannon({ url: detailsUrl, headers, connections: 10, duration: 2 });
    const d = await cannon({ url: detailsUrl, headers, connections: 10, duration: DURATION_S });
    results.details = { rps: Math.round(d.requests.average), p50: d.latency.p50, p99: d.latency.p99, non2xx: d.non2xx, errors: d.errors };

    let page = 0;
    const listPath = () => `/v1/p2/visualization-jobs?per_page=1000&page=${(page++ % 10) + 1}`;
    await cannon({ url: base, headers, connections: 2, duration: 2, requests: [{ method: 'GET', setupRequest: (r) => ({ ...r, path: listPath() }) }] });
    const l = await cannon({ url: base, headers, connections: 2, duration: DURATION_S, requests: [{ method: 'GET', setupRequest: (r) => ({ ...r, path: listPath() }) }] });
    results.list = { rps: Math.round(l.requests.average), p50: l.latency.p50, p99: l.latency.p99, non2xx: l.non2xx, errors: l.errors, bytes: Math.round(l.throughput.average) };

    const t0 = performance.now();
    for (let i = 0; i < 1000; i++) {
      const c = (await (await fetch(`${base}/v1/p1/visualization-jobs`, { method: 'POST', headers, body: JSON.stringify({ job_name: `cd${i}`, train_url: '/bench/x/' }) })).json()) as { job_id: number; is_success: boolean };
      if (!c.is_success) throw new Error(`create failed: ${JSON.stringify(c)}`);
      const del = (await (await fetch(`${base}/v1/p1/visualization-jobs/${c.job_id}`, { method: 'DELETE', headers: { 'x-auth-token': TOKEN } })).json()) as { is_success: boolean };
      if (!del.is_success) throw new Error(`delete failed: ${JSON.stringify(del)}`);
    }
    results.createDelete = { cycles: 1000, seconds: Number(((performance.now() - t0) / 1000).toFixed(2)) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
    await dropSchema();
  }
  const det = results.details as { rps: number; p99: number };
  const lst = results.list as { p99: number };
  const cd = results.createDelete as { seconds: number };
  console.log(JSON.stringify({ store: PG_URL ? 'postgres' : 'sqlite', cpus: cpus().length, node: process.version, ...results }, null, 2));
  console.log(`| GET details | ${det.rps} req/s, p99 ${det.p99} ms | >= 5,000 req/s, p99 <= 20 ms | ${(det.rps / 5000).toFixed(2)}x rate, p99 at ${((det.p99 / 20) * 100).toFixed(0)}% of budget |`);
  console.log(`| list 10,000 jobs, per_page=1000 | p99 ${lst.p99} ms | p99 <= 100 ms | ${((lst.p99 / 100) * 100).toFixed(0)}% of budget |`);
  console.log(`| 1,000 create-then-delete cycles | ${cd.seconds} s | <= 10 s | ${((cd.seconds / 10) * 100).toFixed(0)}% of budget |`);
}

await main();
