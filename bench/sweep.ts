// npm run bench:sweep — issue 10's API figures: a job of 10,000 runs opens like a job of 10.
// The service runs as deployed (`node dist/cli.js serve`, SQLite) in a fresh process per round;
// project B's prober (a worker thread of this process, own event loop) sends GET details every
// 20 ms on a schedule meanwhile (open loop, as bench/isolation.ts). Project A POSTs a job over the
// sweep (bench/sweep-corpus.ts: runs × 10 scalar tags × 10 steps) and, as the UI does, polls the
// job until RUNNING, then asks `data/runs` and `data/plugin/scalars/tags`; the figure is POST →
// both answered (complete: every run and tag of the directory). Rows:
//   local disk, 10,000 runs (target ≤ 1.0 s, B p99 ≤ 50 ms); through S3 (s3rver in a child
//   process, loopback; target ≤ 3 s); a scalars_multirun of 500 runs; 1,000 / 10,000 / 100,000 runs
//   on local disk for linearity, with the server's peak RSS (sampled every 20 ms from /proc).
//   And the cost of one S3 GET (the sweep is one GET per run): 3,000 of its objects read through
//   S3Storage at 64 in flight, with the lean GET path and through the AWS SDK, CPU per GET of this
//   process and of s3rver (from /proc); and the listing of the 10,000 objects page after page and
//   split at folders, straight and behind a front adding 30 ms per request.
// Flags: --rounds=N (default 3; 0: the linearity rows alone), --no-s3, --no-100k, --runs=a,b,c (linearity sizes).
// The UI rows of issue 10 are bench/sweep-ui.ts's (npm run bench:sweep-ui): a separate script, so
// this one needs no browser.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { S3Client } from '@aws-sdk/client-s3';
import { quantile, startProber } from './prober.js';
import { corpusOnce, filesUnder, uploadDir, writeSweep } from './sweep-corpus.js';

const repo = resolve(fileURLToPath(import.meta.url), '..', '..');
const dist = (p: string): string => join(repo, 'dist', p);
const { startServeProcess, callWithToken } = (await import(dist('testing/serve-process.js'))) as typeof import('../src/testing/serve-process.js');
const { startS3rver, S3RVER_ACCESS_KEY_ID, S3RVER_SECRET_ACCESS_KEY } = (await import(dist('testing/s3rver.js'))) as typeof import('../src/testing/s3rver.js');
const { s3ClientConfig, S3Storage } = (await import(dist('storage/s3.js'))) as typeof import('../src/storage/s3.js');
const { startLatencyFront } = (await import(dist('testing/http-front.js'))) as typeof import('../src/testing/http-front.js');
const { SummaryWriter } = (await import(dist('writer/index.js'))) as typeof import('../src/writer/index.js');

const arg = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const ROUNDS = Number(arg('rounds') ?? 3);
const SIZES = (arg('runs') ?? `1000,10000${process.argv.includes('--no-100k') ? '' : ',100000'}`).split(',').map(Number);
const benchDir = join(repo, '.bench', 'sweep');
const obsRoot = join(benchDir, 'obs');
const TOKEN_A = 'tenant-a-token';
const TOKEN_B = 'tenant-b-token';
const BUCKET = 'bkt-sweep';

/** The sweep of `runs` runs under obs/bkt-sweep/sweepN/, written once; answers its directory. */
function corpus(runs: number): string {
  corpusOnce(benchDir, obsRoot, BUCKET, `sweep${runs}`, (dir) => writeSweep(dir, runs, SummaryWriter));
  return join(obsRoot, BUCKET, `sweep${runs}`);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// ---------------------------------------------------------------------------------------------

interface Open {
  /** POST → status 8. */
  runningMs: number;
  /** POST → data/runs answered. */
  runsMs: number;
  /** POST → data/runs and scalars/tags answered (the figure); the tags may be partial (firstTags < tags). */
  totalMs: number;
  /** POST → every run's tags answered. */
  completeMs: number;
  /** Tags in the first answer. */
  firstTags: number;
  /** Distinct tag names in the first answer (what the UI can draw cards for). */
  firstTagNames: number;
  /** Distinct tag names in the directory. */
  tagNames: number;
  runs: number;
  tags: number;
  tagsBytes: number;
  multirunMs?: number;
  multirunBytes?: number;
  bP50: number;
  bP99: number;
  bMax: number;
  bRequests: number;
  bErrors: number;
  rssMb: number;
}

const JOBS_A = '/v1/proj-a/visualization-jobs';

async function openOnce(trainUrl: string, env: Record<string, string>, expectRuns: number, multirun: boolean): Promise<Open> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vizjobs-sweep-'));
  const server = await startServeProcess(['--data-dir', dataDir, '--obs-root', obsRoot], { VIZJOBS_TOKENS: `${TOKEN_A}=proj-a,${TOKEN_B}=proj-b`, ...env });
  const call = (method: string, path: string, body?: unknown, token = TOKEN_A): ReturnType<typeof callWithToken> =>
    callWithToken(server.base, method, path, token, body, 600_000);
  try {
    mkdirSync(join(obsRoot, 'bkt-b'), { recursive: true });
    const b = await call('POST', '/v1/proj-b/visualization-jobs', { job_name: 'b', train_url: '/bkt-b/none/' }, TOKEN_B);
    const prober = startProber(`${server.base}/v1/proj-b/visualization-jobs/${String(b.json?.job_id)}`, TOKEN_B);
    let rss = server.rssMb();
    const sampler = setInterval(() => (rss = Math.max(rss, server.rssMb())), 20);
    await new Promise((r) => setTimeout(r, 500)); // a quiet baseline first
    const t0 = performance.now();
    const c = await call('POST', JOBS_A, { job_name: 'sweep', train_url: trainUrl });
    const id = String(c.json?.job_id);
    // As the console does: poll the job until it is RUNNING (every 10 ms here, to see the transition).
    for (;;) {
      const d = await call('GET', `${JOBS_A}/${id}`);
      if (d.json?.status === 8) break;
      if (d.json?.status === 11) throw new Error(`job failed: ${String(d.json.failure_reason)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const tRunning = performance.now();
    const data = `/visualization/proj-a/${id}/data/`;
    const get = async (path: string): Promise<{ json: unknown; bytes: number; partial: string | null }> => {
      const r = await fetch(server.base + data + path, { headers: { 'X-Auth-Token': TOKEN_A } });
      const text = await r.text();
      if (r.status !== 200) throw new Error(`${path}: HTTP ${r.status} ${text.slice(0, 200)}`);
      return { json: JSON.parse(text), bytes: text.length, partial: r.headers.get('x-vizjobs-partial') };
    };
    // The UI asks both at once.
    let tRuns = 0;
    const [runs, firstTags] = await Promise.all([get('runs').then((r) => ((tRuns = performance.now()), r)), get('plugin/scalars/tags')]);
    const t1 = performance.now();
    let tags = firstTags;
    let tComplete = t1;
    if (tags.partial !== null) {
      // Answered from a load still running: as the UI does, data/status until ready, then the tags again.
      for (;;) {
        const st = (await get('status')).json as { state: string };
        if (st.state !== 'loading') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      tags = await get('plugin/scalars/tags');
      tComplete = performance.now();
    }
    const runNames = runs.json as string[];
    const tagMap = tags.json as Record<string, Record<string, unknown>>;
    const tagCount = Object.values(tagMap).reduce((a, t) => a + Object.keys(t).length, 0);
    const firstTagCount = Object.values(firstTags.json as Record<string, Record<string, unknown>>).reduce((a, t) => a + Object.keys(t).length, 0);
    const namesOf = (m: Record<string, Record<string, unknown>>): number => new Set(Object.values(m).flatMap((t) => Object.keys(t))).size;
    if (runNames.length !== expectRuns || tagCount !== expectRuns * 10 || tags.partial !== null) throw new Error(`incomplete: ${runNames.length} runs, ${tagCount} tags`);
    let multirunMs: number | undefined;
    let multirunBytes: number | undefined;
    if (multirun) {
      // A chart card of 500 runs: one request for the tag over all of them.
      const form = new URLSearchParams([['tag', 'metrics/m3'], ...runNames.slice(0, 500).map((r) => ['runs', r] as [string, string])]).toString();
      const tm = performance.now();
      const m = await fetch(`${server.base}${data}plugin/scalars/scalars_multirun`, {
        method: 'POST',
        headers: { 'X-Auth-Token': TOKEN_A, 'content-type': 'application/x-www-form-urlencoded' },
        body: form,
      });
      const body = await m.text();
      multirunMs = performance.now() - tm;
      multirunBytes = body.length;
      const parsed = JSON.parse(body) as Record<string, unknown[]>;
      if (m.status !== 200 || Object.keys(parsed).length !== 500) throw new Error(`multirun: HTTP ${m.status}, ${Object.keys(parsed).length} runs`);
    }
    await new Promise((r) => setTimeout(r, 300));
    const probe = await prober.stop();
    clearInterval(sampler);
    const sorted = probe.lat;
    return {
      runningMs: tRunning - t0,
      runsMs: tRuns - t0,
      totalMs: t1 - t0,
      completeMs: tComplete - t0,
      firstTags: firstTagCount,
      firstTagNames: namesOf(firstTags.json as Record<string, Record<string, unknown>>),
      tagNames: namesOf(tagMap),
      runs: runNames.length,
      tags: tagCount,
      tagsBytes: tags.bytes,
      multirunMs,
      multirunBytes,
      bP50: quantile(sorted, 0.5),
      bP99: quantile(sorted, 0.99),
      bMax: sorted[sorted.length - 1] ?? NaN,
      bRequests: sorted.length,
      bErrors: probe.errors,
      rssMb: rss,
    };
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function describe(label: string, target: string, rs: Open[]): string {
  const s = (x: number): string => (x / 1000).toFixed(2);
  const med = (f: (o: Open) => number): number => median(rs.map(f));
  const first = `${s(med((o) => o.totalMs))} s (${rs.map((o) => s(o.totalMs)).join(', ')})`;
  const partial = rs.some((o) => o.firstTags < o.tags)
    ? `tags of ${rs.map((o) => `${((100 * o.firstTags) / o.tags).toFixed(1)} %`).join(', ')} of runs; tag names ${rs.map((o) => `${o.firstTagNames}/${o.tagNames}`).join(', ')}`
    : 'complete';
  return `| ${label} | ${target} | ${first} | ${partial} | ${s(med((o) => o.completeMs))} s | ${s(med((o) => o.runningMs))} s | ${s(med((o) => o.runsMs))} s | ${(rs[0].tagsBytes / 1e6).toFixed(1)} MB | ${med((o) => o.bP99).toFixed(1)} ms (max ${Math.max(...rs.map((o) => o.bMax)).toFixed(0)} ms, ${rs.reduce((a, o) => a + o.bRequests, 0)} requests, ${rs.reduce((a, o) => a + o.bErrors, 0)} errors) | ${med((o) => o.rssMb).toFixed(0)} MB |`;
}

const load0 = loadavg()[0];
const lines: string[] = [];
const header = [
  '| job | target | POST → runs and scalar tags answered (median; each round) | that first tags answer held | POST → every run\'s tags (median) | POST → RUNNING | POST → runs | tags answer | B p99 meanwhile (≤ 50 ms, median) | server peak RSS |',
  '|---|---|---|---|---|---|---|---|---|---|',
];

// Local disk: 10,000 runs, the headline (and the multirun row), rounds interleaved with S3 below.
const local10k = corpus(10_000);
const localRows: Open[] = [];
const s3Rows: Open[] = [];
let s3: Awaited<ReturnType<typeof startS3rver>> | undefined;
let s3Env: Record<string, string> = {};
let getCost: string[] = [];
let listCost: string[] = [];

/**
 * Listing the 10,000 objects page after page and split at folders, straight to s3rver and behind a
 * front that holds each request 30 ms (an S3 LIST's latency; s3rver on loopback has none).
 */
async function measureListing(endpoint: string, expected: number): Promise<string[]> {
  const front = await startLatencyFront(endpoint, 30);
  const frontEndpoint = front.endpoint;
  const rows: string[] = [];
  for (const [where, url] of [['s3rver', endpoint], ['s3rver + 30 ms per request', frontEndpoint]] as const) {
    const c = new S3Client(s3ClientConfig({ endpoint: url, accessKeyId: S3RVER_ACCESS_KEY_ID, secretAccessKey: S3RVER_SECRET_ACCESS_KEY }));
    for (const pass of [0, 1]) {
      for (const concurrency of [1, 16]) {
        const storage = new S3Storage({ client: c, bucket: BUCKET, listConcurrency: concurrency });
        const t0 = performance.now();
        const listed = await storage.list('sweep10000/');
        const ms = performance.now() - t0;
        if (listed.length !== expected) throw new Error(`listed ${listed.length} of ${expected}`);
        rows.push(`| ${where} | ${concurrency === 1 ? 'page after page' : 'split at folders, 16 ranges at once'} | ${pass + 1} | ${storage.requestCounts().list} | ${ms.toFixed(0)} ms |`);
        console.log(rows[rows.length - 1]);
      }
    }
    c.destroy();
  }
  await front.close();
  return ['', '| listing 10,000 objects (100 folders lrNN/ of 100 seedM/ each) | how | pass | ListObjectsV2 requests | time |', '|---|---|---|---|---|', ...rows];
}

/** CPU seconds (user + system) a process has used, from /proc (Linux). */
function procCpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10; // clock ticks of 10 ms
}

/** The same GETs through S3Storage, lean path and SDK interleaved (two passes each). */
async function measureGetCost(client: S3Client, s3rverPid: number, keys: string[]): Promise<string[]> {
  const rows: string[] = [];
  for (const pass of [0, 1]) {
    for (const lean of [true, false]) {
      const storage = new S3Storage({ client, bucket: BUCKET, readAhead: false, leanGet: lean });
      let next = 0;
      const s0 = procCpuMs(s3rverPid);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: 64 }, async () => {
          while (next < keys.length) await storage.read(keys[next++], 0, 256 * 1024);
        }),
      );
      const ms = performance.now() - t0;
      const c = process.cpuUsage(c0);
      const mine = (c.user + c.system) / keys.length;
      const theirs = ((procCpuMs(s3rverPid) - s0) * 1000) / keys.length;
      rows.push(`| ${lean ? 'lean GET (s3-get.ts)' : 'AWS SDK GetObjectCommand'} | ${pass + 1} | ${keys.length} | ${((keys.length / ms) * 1000).toFixed(0)} | ${mine.toFixed(0)} µs | ${theirs.toFixed(0)} µs |`);
      console.log(rows[rows.length - 1]);
    }
  }
  return ['', '| S3 GET of one 4.8 KB run file, 64 in flight | pass | GETs | GETs per second | CPU per GET, this process | CPU per GET, s3rver |', '|---|---|---|---|---|---|', ...rows];
}
if (!process.argv.includes('--no-s3')) {
  s3 = await startS3rver({ buckets: [BUCKET] });
  const client = new S3Client(s3ClientConfig({ endpoint: s3.endpoint, accessKeyId: S3RVER_ACCESS_KEY_ID, secretAccessKey: S3RVER_SECRET_ACCESS_KEY }));
  const files = await uploadDir(client, BUCKET, 'sweep10000/', local10k);
  getCost = await measureGetCost(client, s3.pid, files.slice(0, 3000).map((f) => `sweep10000/${relative(local10k, f)}`));
  listCost = await measureListing(s3.endpoint, files.length);
  client.destroy();
  s3Env = { VIZJOBS_S3_ENDPOINT: s3.endpoint, AWS_ACCESS_KEY_ID: S3RVER_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: S3RVER_SECRET_ACCESS_KEY };
}
let multirun: Open | undefined;
for (let round = 0; round < ROUNDS; round++) {
  const o = await openOnce(`/${BUCKET}/sweep10000/`, {}, 10_000, round === 0);
  if (round === 0) multirun = o;
  localRows.push(o);
  console.log(`local 10k round ${round}: ${o.totalMs.toFixed(0)} ms, complete ${o.completeMs.toFixed(0)} ms (RUNNING ${o.runningMs.toFixed(0)}, runs ${o.runsMs.toFixed(0)}), B p99 ${o.bP99.toFixed(1)} ms, RSS ${o.rssMb.toFixed(0)} MB`);
  if (s3) {
    const q = await openOnce(`s3://${BUCKET}/sweep10000/`, s3Env, 10_000, false);
    s3Rows.push(q);
    console.log(`s3 10k round ${round}: ${q.totalMs.toFixed(0)} ms, complete ${q.completeMs.toFixed(0)} ms (RUNNING ${q.runningMs.toFixed(0)}, runs ${q.runsMs.toFixed(0)}), B p99 ${q.bP99.toFixed(1)} ms, RSS ${q.rssMb.toFixed(0)} MB`);
  }
}
await s3?.close();
// --rounds=0: the linearity rows alone.
if (localRows.length) lines.push(...header, describe('10,000 runs × 10 tags, local disk', '≤ 1.0 s', localRows));
if (s3Rows.length) lines.push(describe('10,000 runs × 10 tags, S3 (s3rver, loopback)', '≤ 3 s', s3Rows));
lines.push(...getCost, ...listCost);
if (multirun?.multirunMs !== undefined) {
  lines.push('', `scalars_multirun of 500 runs (one tag, form body runs=…&tag=…), right after the first open: ${multirun.multirunMs.toFixed(0)} ms, ${(multirun.multirunBytes! / 1e6).toFixed(2)} MB of JSON.`);
}

// Linearity: one open per size (two for the smaller ones), local disk. A 100,000-run sweep is
// ~1 GB by the engine's estimate: over the half of the default memory budget (a quarter of V8's
// heap limit) one job may take, so the default server cuts its load with a limit problem. These
// rows measure what a whole load costs, so every size runs with the budget an operator serving
// such sweeps would set.
const LINEARITY_BUDGET_MB = 3_072;
const lin: Array<{ runs: number; o: Open; bytes: number }> = [];
for (const n of SIZES) {
  const dir = corpus(n);
  const bytes = filesUnder(dir).reduce((a, f) => a + statSync(f).size, 0);
  const reps = n >= 100_000 ? 1 : 2;
  const os: Open[] = [];
  for (let i = 0; i < reps; i++) os.push(await openOnce(`/${BUCKET}/sweep${n}/`, { VIZJOBS_VIEWER_MEMORY_MB: String(LINEARITY_BUDGET_MB) }, n, false));
  const o = os.sort((a, b) => a.completeMs - b.completeMs)[0];
  lin.push({ runs: n, o, bytes });
  console.log(`local ${n}: ${o.completeMs.toFixed(0)} ms, RSS ${o.rssMb.toFixed(0)} MB, B p99 ${o.bP99.toFixed(1)} ms`);
}
if (lin.length) {
  const base = lin[0];
  lines.push(
    '',
    `Linearity, local disk, VIZJOBS_VIEWER_MEMORY_MB=${LINEARITY_BUDGET_MB} (the default budget holds about half of a 100,000-run sweep in one job):`,
    '',
    '| runs (× 10 tags × 10 steps) | logs | POST → every run\'s tags answered (best) | per 1,000 runs | server peak RSS | RSS per run above the smallest | B p99 / max |',
    '|---|---|---|---|---|---|---|',
    ...lin.map(
      ({ runs, o, bytes }) =>
        `| ${runs.toLocaleString('en')} | ${(bytes / 1e6).toFixed(0)} MB | ${(o.completeMs / 1000).toFixed(2)} s | ${((o.completeMs / runs) * 1000).toFixed(0)} ms | ${o.rssMb.toFixed(0)} MB | ${runs === base.runs ? '—' : `${(((o.rssMb - base.o.rssMb) * 1e3) / (runs - base.runs)).toFixed(1)} KB`} | ${o.bP99.toFixed(1)} / ${o.bMax.toFixed(0)} ms |`,
    ),
  );
}

const load1 = loadavg()[0];
console.log(
  [
    '',
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.versions.node}, load average ${load0.toFixed(1)} → ${load1.toFixed(1)}; ${ROUNDS} rounds, a fresh server process each.`,
    '',
    ...lines,
  ].join('\n'),
);
