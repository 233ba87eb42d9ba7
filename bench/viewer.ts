// npm run bench:viewer — the viewer's three figures of issue 4, item 6, through the whole server
// (job API + reconciler + ViewerRuntime + data API, compiled from dist/), over real event files
// written by the engine's SummaryWriter and cached under .bench/viewer/:
//   A. POST of a job over the ≈52 MB corpus (4 runs × 10 scalar tags × 25,000 steps + histograms)
//      → first complete scalars response (target ≤ 1 s).
//   B. scalars query latency on a 1,000,000-point tag, p95 (target ≤ 50 ms): repeated queries
//      (what a polling UI sends: served from the per-job response cache) and uncached ones
//      (a different `samples` budget each time: downsampling + JSON + gzip every time).
//   C. 1,000 RUNNING jobs with 10 being viewed in one process: RSS (target ≤ 1 GB).
// Results are printed and written to docs/performance.md under `## Viewer`.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

const repo = resolve(fileURLToPath(import.meta.url), '..', '..');
const dist = (p: string): string => join(repo, 'dist', p);
const { SummaryWriter } = (await import(dist('writer/index.js'))) as typeof import('../src/writer/index.js');
const { loadConfig } = (await import(dist('config.js'))) as typeof import('../src/config.js');
const { buildServer, openStore, jobLookup } = (await import(dist('server.js'))) as typeof import('../src/server.js');
const { createViewer } = (await import(dist('viewer/index.js'))) as typeof import('../src/viewer/index.js');

const benchDir = join(repo, '.bench', 'viewer');
const obsRoot = join(benchDir, 'obs');
const TOKEN = 'bench-token';
const PROJECT = 'benchproj';
const QUICK = process.argv.includes('--quick');

// ---------------------------------------------------------------------------------------------
// Corpora (written once, reused).

function writeCorpus52(): string {
  const dir = join(obsRoot, 'corpus', 'c52');
  const done = join(benchDir, 'c52.done');
  if (existsSync(done)) return dir;
  rmSync(dir, { recursive: true, force: true });
  console.log('writing the 52 MB corpus …');
  const t0 = 1_780_000_000;
  for (let r = 0; r < 4; r++) {
    const w = new SummaryWriter(join(dir, `run${r}`), { now: () => t0 + r, flushBytes: 4 << 20 });
    let seed = r + 1;
    const rand = (): number => ((seed = (seed * 1_103_515_245 + 12_345) >>> 0) / 2 ** 32);
    const hv = new Float64Array(1000);
    for (let step = 0; step < 25_000; step++) {
      const wall = t0 + r + step * 0.05;
      for (let k = 0; k < 10; k++) w.addScalar(`metrics/tag${k}`, Math.exp(-step / 5000) * (1 + k) + rand() * 0.1, step, wall);
      if (step % 100 === 0) {
        for (const tag of ['weights/w0', 'weights/w1']) {
          for (let i = 0; i < hv.length; i++) hv[i] = (rand() - 0.5) * (1 + step / 25_000);
          w.addHistogram(tag, hv, step, 30, wall);
        }
      }
    }
    w.close();
  }
  writeFileSync(done, new Date().toISOString());
  return dir;
}

function writeCorpus1M(): string {
  const dir = join(obsRoot, 'corpus', 'm1');
  const done = join(benchDir, 'm1.done');
  if (existsSync(done)) return dir;
  rmSync(dir, { recursive: true, force: true });
  console.log('writing the 1,000,000-step tag …');
  const w = new SummaryWriter(join(dir, 'big'), { now: () => 1_780_000_000, flushBytes: 4 << 20 });
  for (let step = 0; step < 1_000_000; step++) {
    w.addScalar('loss', Math.sin(step / 3000) + Math.exp(-step / 200_000) + (step % 9973 === 0 ? 3 : 0), step, 1_780_000_000 + step * 0.01);
  }
  w.close();
  writeFileSync(done, new Date().toISOString());
  return dir;
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    n += e.isDirectory() ? dirBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// The server, wired as src/viewer/mount.ts describes.

async function startServer(extra: { runningQuota?: number; jobLimit?: number } = {}): Promise<{ base: string; close: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vizjobs-bench-viewer-'));
  const config = loadConfig(
    { dataDir, obsRoot, tokens: `${TOKEN}=${PROJECT}`, port: 0, runningQuota: extra.runningQuota ?? 10, jobLimit: extra.jobLimit ?? 1000 },
    {},
  );
  const store = openStore(config);
  const viewer = createViewer(config, { jobs: jobLookup(store), revocations: store });
  const built = await buildServer(config, { store, runtime: viewer.runtime, viewer: viewer.plugin });
  built.app.addHook('onClose', async () => viewer.close());
  const address = await built.app.listen({ host: '127.0.0.1', port: 0 });
  return {
    base: address,
    close: async () => {
      await built.app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const H = { 'x-auth-token': TOKEN, 'content-type': 'application/json', 'accept-encoding': 'gzip' };

async function createJob(base: string, name: string, trainUrl: string): Promise<number> {
  const r = await fetch(`${base}/v1/${PROJECT}/visualization-jobs`, { method: 'POST', headers: H, body: JSON.stringify({ job_name: name, train_url: trainUrl }) });
  const body = (await r.json()) as { job_id?: number; error_message?: string };
  if (!r.ok || body.job_id === undefined) throw new Error(`create failed: ${r.status} ${JSON.stringify(body)}`);
  return body.job_id;
}

function scalarsUrl(base: string, jobId: number, run: string, tag: string, extra = ''): string {
  return `${base}/visualization/${PROJECT}/${jobId}/data/plugin/scalars/scalars?run=${encodeURIComponent(run)}&tag=${encodeURIComponent(tag)}${extra}`;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

// ---------------------------------------------------------------------------------------------

async function benchPostToScalars(base: string, trainUrl: string, i: number): Promise<{ ms: number; points: number; runningMs: number }> {
  const t0 = performance.now();
  const jobId = await createJob(base, `cold${i}`, trainUrl);
  const url = scalarsUrl(base, jobId, 'run3', 'metrics/tag9');
  for (;;) {
    const sent = performance.now();
    const r = await fetch(url, { headers: H });
    if (r.status === 409) {
      await r.arrayBuffer();
      await new Promise((res) => setTimeout(res, 2));
      continue;
    }
    const body = (await r.json()) as [number, number, number][];
    if (r.status !== 200) throw new Error(`scalars: ${r.status} ${JSON.stringify(body).slice(0, 200)}`);
    // Complete: the series reaches the corpus's last step.
    if (body.length && body[body.length - 1][1] === 24_999) return { ms: performance.now() - t0, points: body.length, runningMs: sent - t0 };
  }
}

async function benchQueries(base: string, trainUrl: string): Promise<{ cachedP50: number; cachedP95: number; uncachedP50: number; uncachedP95: number; loadMs: number; points: number; bytes: number }> {
  const jobId = await createJob(base, 'big', trainUrl);
  const t0 = performance.now();
  let points = 0;
  let bytes = 0;
  for (;;) {
    const r = await fetch(scalarsUrl(base, jobId, 'big', 'loss'), { headers: H });
    if (r.status === 409) {
      await r.arrayBuffer();
      await new Promise((res) => setTimeout(res, 5));
      continue;
    }
    const text = await r.text();
    points = (JSON.parse(text) as unknown[]).length;
    bytes = Number(r.headers.get('content-length') ?? 0);
    break;
  }
  const loadMs = performance.now() - t0;
  const n = QUICK ? 50 : 300;
  const time = async (extra: (i: number) => string): Promise<number[]> => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = performance.now();
      const r = await fetch(scalarsUrl(base, jobId, 'big', 'loss', extra(i)), { headers: H });
      await r.arrayBuffer();
      if (r.status !== 200) throw new Error(`query ${r.status}`);
      out.push(performance.now() - s);
    }
    return out.sort((a, b) => a - b);
  };
  await time(() => ''); // warm-up
  const cached = await time(() => '');
  const uncached = await time((i) => `&samples=${10_000 - (i % 1000) - 1}`);
  return {
    cachedP50: percentile(cached, 50),
    cachedP95: percentile(cached, 95),
    uncachedP50: percentile(uncached, 50),
    uncachedP95: percentile(uncached, 95),
    loadMs,
    points,
    bytes,
  };
}

async function benchManyJobs(trainUrl: string): Promise<{ jobs: number; viewed: number; rssMb: number; heapMb: number; baselineRssMb: number; idleRssMb: number; points: number }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const server = await startServer({ runningQuota: 2000, jobLimit: 2000 });
  try {
    gc?.();
    const baselineRssMb = process.memoryUsage().rss / 2 ** 20;
    const total = QUICK ? 200 : 1000;
    const ids: number[] = [];
    for (let i = 0; i < total; i++) ids.push(await createJob(server.base, `job${i}`, trainUrl));
    // Wait until every job is RUNNING.
    for (;;) {
      const r = await fetch(`${server.base}/v1/${PROJECT}/visualization-jobs?status=8&per_page=1`, { headers: H });
      const b = (await r.json()) as { job_total_count: number };
      if (b.job_total_count >= total) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    gc?.();
    const idleRssMb = process.memoryUsage().rss / 2 ** 20;
    // Ten viewers, each loading its job's full corpus and reading every scalar tag of every run.
    const viewed = ids.slice(0, 10);
    await Promise.all(
      viewed.map(async (id) => {
        for (let r = 0; r < 4; r++) {
          for (let k = 0; k < 10; k++) {
            const res = await fetch(scalarsUrl(server.base, id, `run${r}`, `metrics/tag${k}`), { headers: H });
            await res.arrayBuffer();
            if (res.status !== 200) throw new Error(`viewer ${id}: ${res.status}`);
          }
        }
      }),
    );
    let points = 0;
    for (const id of viewed) {
      const s = (await (await fetch(`${server.base}/visualization/${PROJECT}/${id}/data/status`, { headers: H })).json()) as { points: number };
      points += s.points;
    }
    gc?.();
    const mu = process.memoryUsage();
    return { jobs: total, viewed: viewed.length, rssMb: mu.rss / 2 ** 20, heapMb: mu.heapUsed / 2 ** 20, baselineRssMb, idleRssMb, points };
  } finally {
    await server.close();
  }
}

// ---------------------------------------------------------------------------------------------

// Each figure runs in a fresh child process, so one part's heap and JIT state do not colour the
// next one's numbers (RSS above all).
const part = process.argv.find((a) => a.startsWith('--part='))?.slice(7);
if (part) {
  let out: unknown;
  if (part === 'A') {
    const server = await startServer({ runningQuota: 50, jobLimit: 1000 });
    const cold: { ms: number; points: number; runningMs: number }[] = [];
    for (let i = 0; i < (QUICK ? 2 : 5); i++) cold.push(await benchPostToScalars(server.base, '/corpus/c52/', i));
    await server.close();
    out = cold;
  } else if (part === 'B') {
    const server = await startServer();
    out = await benchQueries(server.base, '/corpus/m1/');
    await server.close();
  } else {
    out = await benchManyJobs('/corpus/c52/');
  }
  console.log('RESULT ' + JSON.stringify(out));
  process.exit(0);
}

function runPart(name: string): unknown {
  const args = [...process.execArgv, fileURLToPath(import.meta.url), `--part=${name}`, ...(QUICK ? ['--quick'] : [])];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (r.status !== 0 || !line) throw new Error(`part ${name} failed (exit ${r.status}): ${r.stdout.slice(-2000)}`);
  return JSON.parse(line.slice(7)) as unknown;
}

mkdirSync(benchDir, { recursive: true });
const c52 = writeCorpus52();
const m1 = writeCorpus1M();
const c52Mb = dirBytes(c52) / 1e6;
const m1Mb = dirBytes(m1) / 1e6;
console.log(`corpus: ${c52Mb.toFixed(1)} MB; 1M-step tag: ${m1Mb.toFixed(1)} MB`);

const loadBefore = loadavg()[0];
const cold = runPart('A') as { ms: number; points: number; runningMs: number }[];
for (const c of cold) console.log(`A. POST → complete scalars: ${c.ms.toFixed(0)} ms (${c.points} points; RUNNING after ${c.runningMs.toFixed(0)} ms)`);
const q = runPart('B') as Awaited<ReturnType<typeof benchQueries>>;
console.log(`B. 1M-point tag: first load ${q.loadMs.toFixed(0)} ms; ${q.points} points, ${q.bytes} B gzipped; p50/p95 cached ${q.cachedP50.toFixed(2)}/${q.cachedP95.toFixed(2)} ms, uncached ${q.uncachedP50.toFixed(2)}/${q.uncachedP95.toFixed(2)} ms`);
const many = runPart('C') as Awaited<ReturnType<typeof benchManyJobs>>;
console.log(`C. ${many.jobs} RUNNING jobs, ${many.viewed} viewed (${(many.points / 1e6).toFixed(1)} M samples in memory): RSS ${many.rssMb.toFixed(0)} MB (heap ${many.heapMb.toFixed(0)} MB; before jobs ${many.baselineRssMb.toFixed(0)} MB, all RUNNING and unviewed ${many.idleRssMb.toFixed(0)} MB)`);

const loadAfter = loadavg()[0];
const coldSorted = cold.map((c) => c.ms).sort((a, b) => a - b);
const median = coldSorted[Math.floor((coldSorted.length - 1) / 2)];
const section = `## Viewer

\`npm run bench:viewer\` (bench/viewer.ts) — whole server (job API, reconciler, ViewerRuntime, data
API; compiled dist/), real HTTP on 127.0.0.1, event files written by the engine's SummaryWriter.
Machine: 2-core node-svc, Node 20.20, 2026-11-27${QUICK ? ' (quick run: fewer repetitions/jobs)' : ''}.

| figure | target | measured | ratio to target |
|---|---|---|---|
| POST job over ${c52Mb.toFixed(1)} MB corpus (4 runs × 10 tags × 25,000 steps + histograms) → first complete scalars response | ≤ 1 s | median ${median.toFixed(0)} ms of ${cold.length} jobs (each: ${cold.map((c) => `${c.ms.toFixed(0)}`).join(', ')} ms; of which POST → RUNNING: ${cold.map((c) => c.runningMs.toFixed(0)).join(', ')} ms); the first is a cold process (JIT) | ${(median / 1000).toFixed(2)} (first job ${(cold[0].ms / 1000).toFixed(2)}) |
| scalars query p95, 1,000,000-point tag (→ ${q.points} points, gzip), repeated (cached) | ≤ 50 ms | p50 ${q.cachedP50.toFixed(2)} ms, p95 ${q.cachedP95.toFixed(2)} ms | ${(q.cachedP95 / 50).toFixed(3)} |
| same, a different \`samples\` budget per query (downsample + JSON + gzip each time) | ≤ 50 ms | p50 ${q.uncachedP50.toFixed(1)} ms, p95 ${q.uncachedP95.toFixed(1)} ms | ${(q.uncachedP95 / 50).toFixed(2)} |
| ${many.jobs} RUNNING jobs, ${many.viewed} viewed (each loaded the full corpus; ${(many.points / 1e6).toFixed(1)} M samples held) — process RSS | ≤ 1 GB | ${many.rssMb.toFixed(0)} MB (heap ${many.heapMb.toFixed(0)} MB; ${many.jobs} jobs RUNNING, none viewed: ${many.idleRssMb.toFixed(0)} MB) | ${(many.rssMb / 1024).toFixed(2)} |

First load of the 1,000,000-point tag (job POSTed → RUNNING → data loaded → first response):
${q.loadMs.toFixed(0)} ms. RSS includes the benchmark's own HTTP client (same process). The machine
was shared with other engineers' builds and tests (1-minute load average ${loadBefore.toFixed(1)} before,
${loadAfter.toFixed(1)} after, on 2 cores), so wall times are inflated and vary between runs; the
POST → complete-scalars time is dominated by the engine's cold load of the 52 MB (the viewer adds
one listing and the response), and the first job of a fresh process also pays for JIT warm-up.
`;

const perfPath = join(repo, 'docs', 'performance.md');
const current = existsSync(perfPath) ? readFileSync(perfPath, 'utf8') : '# Performance\n';
const re = /## Viewer\n[\s\S]*?(?=\n## |$)/;
const next = re.test(current) ? current.replace(re, section.trimEnd() + '\n') : current.trimEnd() + '\n\n' + section;
writeFileSync(perfPath, next);
console.log(`wrote ${perfPath}`);
