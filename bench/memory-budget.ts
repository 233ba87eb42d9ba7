// npm run bench:memory — the viewer's memory budget (viewer/memory-budget.ts) against a tenant whose
// logs need more memory than the process has. The service runs as `node dist/cli.js serve` in its
// own process with a small V8 heap (NODE_OPTIONS=--max-old-space-size, default 512 MB), as a
// container's memory limit would make it. Project A views three jobs over one sweep of `--runs=`
// runs (default 20,000: ~180 MB of heap each when loaded whole) and keeps them open (data/status
// every 5 s, as an open page polls); then project B opens a small job (4 runs × 2,000 steps) and
// reads every series. Project B's prober sends GET details every 20 ms throughout.
// Two modes, same build: the default budget (a quarter of the heap limit), and a budget so large it never
// refuses (VIZJOBS_VIEWER_MEMORY_MB=1000000, i.e. as before the budget existed). Per mode: whether
// the server survived, its peak RSS, B's latency, whether B's series came back whole, and what A got.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { quantile, startProber } from './prober.js';
import { corpusOnce, writeSweep } from './sweep-corpus.js';

const repo = resolve(fileURLToPath(import.meta.url), '..', '..');
const dist = (p: string): string => join(repo, 'dist', p);
const { SummaryWriter } = (await import(dist('writer/index.js'))) as typeof import('../src/writer/index.js');
const { startServeProcess, callWithToken, runningJob } = (await import(dist('testing/serve-process.js'))) as typeof import('../src/testing/serve-process.js');

const arg = (name: string, def: number): number => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? def);
const RUNS = arg('runs', 20_000);
const HEAP_MB = arg('heap', 512);
// The server's default budget is a quarter of its V8 heap limit, which is a little more than --max-old-space-size.
const heapLimitMb =
  Number(spawnSync(process.execPath, [`--max-old-space-size=${HEAP_MB}`, '-p', 'require("v8").getHeapStatistics().heap_size_limit'], { encoding: 'utf8' }).stdout) / 2 ** 20;
const B_RUNS = 4;
const B_STEPS = 2_000;

const benchDir = join(repo, '.bench', 'memory');
const obsRoot = join(benchDir, 'obs');
const TOKEN_A = 'tenant-a-token';
const TOKEN_B = 'tenant-b-token';

const once = (name: string, write: (dir: string) => void): string => corpusOnce(benchDir, obsRoot, 'bkt', name, write);

const sweepUrl = once(`sweep${RUNS}`, (dir) => writeSweep(dir, RUNS, SummaryWriter));
const smallUrl = once('small', (dir) => {
  for (let r = 0; r < B_RUNS; r++) {
    const w = new SummaryWriter(join(dir, `run${r}`), { now: () => 1.78e9 + r });
    for (let s = 0; s < B_STEPS; s++) w.addScalar('loss', 1 / (s + 1 + r), s, 1.78e9 + s);
    w.close();
  }
});

type Server = Awaited<ReturnType<typeof startServeProcess>>;
const call = (base: string, method: string, path: string, token: string, body?: unknown): ReturnType<typeof callWithToken> =>
  callWithToken(base, method, path, token, body, 120_000);

interface Row {
  mode: string;
  survived: boolean;
  rssMb: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  bPoints: string;
  aGot: string;
  aAfter: string;
  output: string;
}

async function scenario(mode: string, env: Record<string, string>): Promise<Row> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vizjobs-memory-'));
  const server: Server = await startServeProcess(['--data-dir', dataDir, '--obs-root', obsRoot], {
    VIZJOBS_TOKENS: `${TOKEN_A}=proj-a,${TOKEN_B}=proj-b`,
    NODE_OPTIONS: `--max-old-space-size=${HEAP_MB}`,
    ...env,
  });
  const bDetails = await call(server.base, 'POST', '/v1/proj-b/visualization-jobs', TOKEN_B, { job_name: 'probe', train_url: '/bkt/none/' });
  const prober = startProber(`${server.base}/v1/proj-b/visualization-jobs/${String(bDetails.json?.job_id)}`, TOKEN_B);
  let rss = server.rssMb();
  const sampler = setInterval(() => (rss = Math.max(rss, server.rssMb())), 20);
  const pollers: NodeJS.Timeout[] = [];
  let aGot = '';
  let aAfter = '';
  let bPoints = '';
  const aStatus = async (jobs: string[]): Promise<string> =>
    (await Promise.all(jobs.map((d) => call(server.base, 'GET', d + 'status', TOKEN_A))))
      .map((s) => {
        const st = s.json as { points?: number; memory_bytes?: number; problems?: number } | undefined;
        return st ? `${(st.points ?? 0).toLocaleString('en')} points (${((st.memory_bytes ?? 0) / 2 ** 20).toFixed(0)} MB)${st.problems ? ', a limit problem' : ''}` : `HTTP ${s.status}`;
      })
      .join('; ');
  try {
    // Project A: three jobs over the sweep, each opened (its whole first load) and kept open.
    const aJobs: string[] = [];
    for (let i = 0; i < 3; i++) {
      const data = await runningJob(server.base, 'proj-a', TOKEN_A, sweepUrl, `sweep${i}`);
      aJobs.push(data);
      const t0 = performance.now();
      await call(server.base, 'GET', data + 'plugin/scalars/scalars?run=lr00%2Fseed0&tag=metrics%2Fm0', TOKEN_A); // waits for the whole first load
      console.log(`  ${mode}: A's job ${i + 1} loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s, RSS ${server.rssMb().toFixed(0)} MB`);
      pollers.push(setInterval(() => void call(server.base, 'GET', data + 'status', TOKEN_A).catch(() => undefined), 5_000));
    }
    aGot = await aStatus(aJobs);
    // Project B: a small job, every series.
    const data = await runningJob(server.base, 'proj-b', TOKEN_B, smallUrl, 'small');
    let points = 0;
    for (let r = 0; r < B_RUNS; r++) {
      const s = await call(server.base, 'GET', `${data}plugin/scalars/scalars?run=run${r}&tag=loss`, TOKEN_B);
      if (Array.isArray(s.json)) points += (s.json as unknown[]).length;
    }
    bPoints = `${points.toLocaleString('en')} of ${(B_RUNS * B_STEPS).toLocaleString('en')}`;
    await new Promise((r) => setTimeout(r, 6_000)); // A's pages poll again meanwhile
    aAfter = await aStatus(aJobs);
  } catch (err) {
    if (!aGot) aGot = `failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
    if (!bPoints) bPoints = 'no answer';
  }
  for (const p of pollers) clearInterval(p);
  await new Promise((r) => setTimeout(r, 300));
  const probe = await prober.stop();
  clearInterval(sampler);
  const survived = !server.exited() && (await call(server.base, 'GET', '/v1/proj-b/visualization-jobs', TOKEN_B).then((r) => r.status === 200, () => false));
  const output = server.output();
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
  const lat = probe.lat;
  const row: Row = { mode, survived, rssMb: rss, p50: quantile(lat, 0.5), p99: quantile(lat, 0.99), max: lat[lat.length - 1] ?? NaN, errors: probe.errors, bPoints, aGot, aAfter, output };
  console.log(`${mode}: ${survived ? 'survived' : 'CRASHED'}, peak RSS ${rss.toFixed(0)} MB, B p99 ${row.p99.toFixed(1)} ms (max ${row.max.toFixed(0)}, ${row.errors} errors); B's series ${bPoints}; A's jobs: ${aGot}; after B: ${aAfter || '—'}`);
  if (!survived) console.log(`  last words: ${output.split('\n').filter((l) => /heap|memory|FATAL/i.test(l)).slice(0, 2).join(' | ')}`);
  return row;
}

mkdirSync(join(obsRoot, 'bkt', 'none'), { recursive: true });
const rows = [
  await scenario(`budget (default: ${Math.floor(heapLimitMb / 4)} MB, a quarter of the heap limit)`, {}),
  await scenario('no budget (VIZJOBS_VIEWER_MEMORY_MB=1000000)', { VIZJOBS_VIEWER_MEMORY_MB: '1000000' }),
];
console.log(
  [
    '',
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load average ${loadavg()[0].toFixed(1)} at the end; ` +
      `server heap --max-old-space-size=${HEAP_MB}; project A: 3 jobs over ${RUNS.toLocaleString('en')} runs × 10 tags × 10 steps, kept open; project B: ${B_RUNS} runs × ${B_STEPS.toLocaleString('en')} steps.`,
    '',
    '| mode | server survived | peak RSS | B p50 / p99 / max (details every 20 ms) | B errors | B\'s series answered | A\'s three jobs before B (data/status) | A\'s jobs after B |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.mode} | ${r.survived ? 'yes' : '**no**'} | ${r.rssMb.toFixed(0)} MB | ${r.p50.toFixed(1)} / ${r.p99.toFixed(1)} / ${r.max.toFixed(0)} ms | ${r.errors} | ${r.bPoints} | ${r.aGot} | ${r.aAfter || '—'} |`,
    ),
  ].join('\n'),
);
