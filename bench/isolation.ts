// npm run bench:isolation — issue 8's figures: what project A's input costs project B. The service
// runs as `node dist/cli.js serve` in its own process (as deployed, SQLite, local object storage);
// project B's prober runs in a worker thread of this process with its own event loop and sends
// GET details every 20 ms on a schedule (open loop: a stalled server shows as the latency of every
// request that waited, not of one). Meanwhile project A, from this thread:
//   (a) opens a 52 MB log for the first time (runs, tags, every scalar series), in three jobs,
//   (b) opens a job of 10,000 runs × 10 scalar tags × 10 steps (runs and scalar tags),
//   (c) opens every hostile file of src/testing/hostile-logs.ts on every route that decodes it,
//       sends the exponential regex, 1 MB schedules, deep JSON and 300 wrong tokens.
// Per scenario: B's p50 / p99 / max, the server's peak RSS (sampled every 20 ms from /proc) and
// whether it survived. Targets: p99 ≤ 50 ms, max ≤ 200 ms, RSS ≤ 1 GB, zero crashes.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { writeCorpus } from './ingest-corpus.js';
import { quantile, startProber } from './prober.js';
import { corpusOnce, writeSweep } from './sweep-corpus.js';

const repo = resolve(fileURLToPath(import.meta.url), '..', '..');
const dist = (p: string): string => join(repo, 'dist', p);
const { SummaryWriter } = (await import(dist('writer/index.js'))) as typeof import('../src/writer/index.js');
const hostile = (await import(dist('testing/hostile-logs.js'))) as typeof import('../src/testing/hostile-logs.js');

const benchDir = join(repo, '.bench', 'isolation');
const obsRoot = join(benchDir, 'obs');
const TOKEN_A = 'tenant-a-token';
const TOKEN_B = 'tenant-b-token';
const SWEEP_RUNS = Number(process.argv.find((a) => a.startsWith('--runs='))?.slice(7) ?? 10_000);

// ---------------------------------------------------------------------------------------------
// Corpora, written once under .bench/isolation/obs/ (bucket "bkt-a").

const once = (name: string, write: (dir: string) => void): string => corpusOnce(benchDir, obsRoot, 'bkt-a', name, write);

const c52 = once('c52', (dir) => writeCorpus(dir, { runs: 4, steps: 25_000, tags: 10 }));
const sweep = once(`sweep${SWEEP_RUNS}`, (dir) => writeSweep(dir, SWEEP_RUNS, SummaryWriter));
rmSync(join(obsRoot, 'bkt-a', 'hostile'), { recursive: true, force: true });
const hostileCases = hostile.hostileLogs(join(obsRoot, 'bkt-a', 'hostile'));
const hparamsUrl = once('hparams', (dir) => {
  for (let i = 0; i < 20; i++) {
    const w = new SummaryWriter(join(dir, `trial${i}`), { now: () => 1.78e9 + i });
    w.addHparams({ optimizer: i % 2 ? hostile.REDOS_VALUE : 'adam', lr: 10 ** -(i % 5) }, { 'hparam/accuracy': i / 20 });
    w.close();
  }
});

// ---------------------------------------------------------------------------------------------
// The server, in its own process.

const { startServeProcess, callWithToken, runningJob: runningJobOf } = (await import(dist('testing/serve-process.js'))) as typeof import('../src/testing/serve-process.js');
type TokenCallAnswer = import('../src/testing/serve-process.js').TokenCallAnswer;
type Server = Awaited<ReturnType<typeof startServeProcess>>;

async function startServer(): Promise<Server> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vizjobs-isolation-'));
  return startServeProcess(['--data-dir', dataDir, '--obs-root', obsRoot, '--running-quota', '50'], {
    VIZJOBS_TOKENS: `${TOKEN_A}=proj-a,${TOKEN_B}=proj-b`,
  });
}

// ---------------------------------------------------------------------------------------------
// Project A's scenarios.

function call(base: string, method: string, path: string, body?: unknown, token = TOKEN_A): Promise<TokenCallAnswer> {
  return callWithToken(base, method, path, token, body, 120_000);
}

const JOBS_A = '/v1/proj-a/visualization-jobs';

const runningJob = (base: string, trainUrl: string, name: string): Promise<string> => runningJobOf(base, 'proj-a', TOKEN_A, trainUrl, name.slice(0, 20));

async function inParallel<T>(items: T[], width: number, fn: (t: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

/** Three jobs over the corpus, one after the other: each is a first open (a fresh load). */
/**
 * GET as a browser asks (gzip accepted), the body counted and dropped, not inflated or parsed: A's
 * browser runs elsewhere, but this thread shares the server's 2 cores with it and B's prober.
 */
function drain(url: string): Promise<number> {
  return new Promise((res, rej) => {
    const req = httpGet(url, { headers: { 'X-Auth-Token': TOKEN_A, 'Accept-Encoding': 'gzip' } }, (r) => {
      let n = 0;
      r.on('data', (d: Buffer) => (n += d.length));
      r.on('end', () => res(n));
      r.on('error', rej);
    });
    req.on('error', rej);
  });
}

async function openBig(base: string): Promise<string> {
  const times: string[] = [];
  let what = '';
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    what = await openBigOnce(base, i);
    times.push(((performance.now() - t0) / 1000).toFixed(2));
  }
  return `${what} in ${times.join(', ')} s (3 jobs)`;
}

async function openBigOnce(base: string, i: number): Promise<string> {
  const data = await runningJob(base, c52, `big${i}`);
  const runs = (await call(base, 'GET', data + 'runs')).json as unknown as string[];
  const tags = (await call(base, 'GET', data + 'plugin/scalars/tags')).json as Record<string, Record<string, unknown>>;
  const queries = runs.flatMap((run) => Object.keys(tags[run] ?? {}).map((tag) => `plugin/scalars/scalars?run=${encodeURIComponent(run)}&tag=${encodeURIComponent(tag)}`));
  await inParallel(queries, 6, (q) => drain(base + data + q));
  return `${runs.length} runs, ${queries.length} series`;
}

async function openSweep(base: string): Promise<string> {
  const t0 = performance.now();
  const data = await runningJob(base, sweep, 'sweep');
  const tRun = performance.now();
  const runs = (await call(base, 'GET', data + 'runs')).json as unknown as string[];
  const tags = await call(base, 'GET', data + 'plugin/scalars/tags');
  const t1 = performance.now();
  return `${runs.length} runs; POST → RUNNING ${((tRun - t0) / 1000).toFixed(2)} s, runs + scalar tags (${(tags.bytes / 1e6).toFixed(1)} MB) ${((t1 - tRun) / 1000).toFixed(2)} s`;
}

async function openHostile(base: string): Promise<string> {
  const notes: string[] = [];
  let worst = 0;
  for (const c of hostileCases) {
    const data = await runningJob(base, `/bkt-a/hostile/${c.name}/`, c.name);
    for (const route of c.routes) {
      const t0 = performance.now();
      const r = await call(base, 'GET', data + route);
      worst = Math.max(worst, performance.now() - t0);
      // Follow what a browser would fetch next: the individual images and audio clips.
      const items = Array.isArray(r.json) ? (r.json as Array<{ query?: string }>) : [];
      for (const it of items) {
        if (typeof it.query !== 'string') continue;
        const kind = route.includes('audio') ? 'audio/individualAudio' : 'images/individualImage';
        await call(base, 'GET', `${data}plugin/${kind}?${it.query}`);
      }
      if (r.bytes > 1e6) notes.push(`${c.name} ${route.split('?')[0]}: ${(r.bytes / 1e6).toFixed(1)} MB`);
    }
  }
  // The exponential regex against an hparam value of 31 'a's and a '!'.
  const hp = await runningJob(base, hparamsUrl, 'hparams');
  await call(base, 'GET', hp + 'plugin/hparams/experiment'); // the job's first load, not the regex
  const t0 = performance.now();
  const re = await call(base, 'POST', hp + 'plugin/hparams/session_groups', {
    startIndex: 0,
    sliceSize: 100,
    colParams: [{ hparam: 'optimizer', filterRegexp: hostile.REDOS_PATTERN }],
  });
  const regexMs = performance.now() - t0;
  // API abuse: 1 MB schedules, deep JSON, wrong tokens.
  const big = { type: 'stop', time_unit: 'HOURS', duration: 1, pad: 'x'.repeat(1_000_000) };
  let accepted = 0;
  for (let i = 0; i < 20; i++) if ((await call(base, 'POST', JOBS_A, { job_name: `s${i}`, train_url: '/bkt-a/c52/', schedule: big })).status === 200) accepted++;
  const deep = '{"job_name":"d","train_url":"/a/c52/","schedule":' + '['.repeat(50_000) + ']'.repeat(50_000) + '}';
  const deepStatus = (await call(base, 'POST', JOBS_A, deep)).status;
  const codes = new Map<number, number>();
  for (let i = 0; i < 300; i++) {
    const s = (await call(base, 'GET', JOBS_A, undefined, `guess-${i}`)).status;
    codes.set(s, (codes.get(s) ?? 0) + 1);
  }
  notes.push(
    `slowest hostile route ${worst.toFixed(0)} ms`,
    `regex ${regexMs.toFixed(0)} ms (HTTP ${re.status})`,
    `1 MB schedules accepted: ${accepted}/20`,
    `deep JSON: HTTP ${deepStatus}`,
    `300 wrong tokens: ${[...codes].map(([s, n]) => `${n}× ${s}`).join(', ')}`,
  );
  return notes.join('; ');
}

// ---------------------------------------------------------------------------------------------

interface Row {
  scenario: string;
  what: string;
  p50: number;
  p99: number;
  max: number;
  samples: number;
  errors: number;
  rssMb: number;
  survived: boolean;
}

async function scenario(name: string, act: (base: string) => Promise<string>): Promise<Row> {
  const server = await startServer();
  const prober = startProber(`${server.base}/v1/proj-b/visualization-jobs/${await bJob(server.base)}`, TOKEN_B);
  let rss = server.rssMb();
  const sampler = setInterval(() => (rss = Math.max(rss, server.rssMb())), 20);
  await new Promise((r) => setTimeout(r, 500)); // a quiet baseline first
  let what: string;
  try {
    what = await act(server.base);
  } catch (err) {
    what = `failed: ${err instanceof Error ? err.message : String(err)}`;
  }
  await new Promise((r) => setTimeout(r, 500));
  const probe = await prober.stop();
  clearInterval(sampler);
  const survived = !server.exited() && (await call(server.base, 'GET', '/v1/proj-b/visualization-jobs', undefined, TOKEN_B).then((r) => r.status === 200, () => false));
  await server.stop();
  const sorted = probe.lat;
  const row: Row = { scenario: name, what, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted[sorted.length - 1] ?? NaN, samples: sorted.length, errors: probe.errors, rssMb: rss, survived };
  console.log(`${name}: B p50 ${row.p50.toFixed(1)} ms, p99 ${row.p99.toFixed(1)} ms, max ${row.max.toFixed(0)} ms (${row.samples} requests, ${row.errors} errors); RSS ${rss.toFixed(0)} MB; ${survived ? 'survived' : 'CRASHED'} — ${what}`);
  return row;
}

async function bJob(base: string): Promise<number> {
  const r = await call(base, 'POST', '/v1/proj-b/visualization-jobs', { job_name: 'b', train_url: '/bkt-b/none/' }, TOKEN_B);
  return r.json?.job_id as number;
}

mkdirSync(join(obsRoot, 'bkt-b'), { recursive: true });
// `--only=b` (or a, c, or several: `--only=ac`) runs just those scenarios.
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7) ?? 'abc';
const rows: Row[] = [];
if (only.includes('a')) rows.push(await scenario('(a) A opens a 52 MB log for the first time', openBig));
if (only.includes('b')) rows.push(await scenario(`(b) A opens a job of ${SWEEP_RUNS.toLocaleString('en')} runs`, openSweep));
if (only.includes('c')) rows.push(await scenario('(c) A opens every hostile file and sends the regex', openHostile));

const ok = (r: Row): string => (r.p99 <= 50 && r.max <= 200 && r.rssMb <= 1024 && r.survived ? 'yes' : 'no');
const table = [
  `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load average ${loadavg()[0].toFixed(1)} at the end.`,
  '',
  '| scenario (project A) | B p50 | B p99 (≤ 50 ms) | B max (≤ 200 ms) | B requests | server peak RSS (≤ 1 GB) | survived | meets | what A did |',
  '|---|---|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.scenario} | ${r.p50.toFixed(1)} ms | ${r.p99.toFixed(1)} ms | ${r.max.toFixed(0)} ms | ${r.samples} (${r.errors} errors) | ${r.rssMb.toFixed(0)} MB | ${r.survived ? 'yes' : '**no**'} | ${ok(r)} | ${r.what} |`,
  ),
];
console.log('\n' + table.join('\n'));
