// Fleet benchmark (issue 11): `npm run bench:fleet`.
//   1. Scaling through the balancer: one fleet of three replicas (PostgreSQL, s3rver) and three
//      haproxy instances in front of the first 1, 2 and 3 of them; GET details and a viewer data
//      request (scalars) with autocannon through each, interleaved (1,2,3,3,2,1), stated as a
//      ratio to one replica in the same round.
//   2. PostgreSQL against SQLite on one replica, no balancer: GET details, interleaved pairs.
//   3. Recovery after a database cut: a replica reaching PostgreSQL through a TCP proxy that is cut
//      for 3 s and restored; time from the restore to the first 200 of GET details and of /readyz.
// The machine is shared (2 cores for replicas, PostgreSQL, haproxy and autocannon alike): absolute
// numbers are noisy, ratios within a round are what to read.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { startFleet, FLEET_TRAIN_URL } from '../dist/testing/fleet.js';
import { startHaproxy, type Balancer } from '../dist/testing/haproxy.js';
import { startServeProcess, type ServeProcess } from '../dist/testing/serve-process.js';
import { createTestSchema } from '../dist/testing/postgres.js';
import { startTcpProxy } from '../dist/testing/tcp-proxy.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const TOKEN = 'bench-fleet-token-0123456789';

interface Figure {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

function cannon(url: string, path: string, token: string, connections = CONNECTIONS, duration = SECONDS): Promise<Figure> {
  return new Promise((resolve, reject) => {
    autocannon({ url: url + path, headers: { 'x-auth-token': token }, connections, duration }, (err, r) => {
      if (err) reject(err);
      else resolve({ rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, errors: r.errors, non2xx: r.non2xx });
    });
  });
}

async function waitFor(what: string, fn: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function json<T>(url: string, token: string, init: RequestInit = {}): Promise<T> {
  const r = await fetch(url, { ...init, headers: { 'x-auth-token': token, 'content-type': 'application/json', ...(init.headers ?? {}) } });
  return (await r.json()) as T;
}

async function scaling(): Promise<void> {
  const fleet = await startFleet({ replicas: 3, env: { VIZJOBS_ADMIN_TOKEN: TOKEN } });
  const balancers: Balancer[] = [];
  try {
    const created = await json<{ job_id: number }>(`${fleet.balancer.base}/v1/p1/visualization-jobs`, TOKEN, { method: 'POST', body: JSON.stringify({ job_name: 'bench', train_url: FLEET_TRAIN_URL }) });
    const id = created.job_id;
    await waitFor('RUNNING', async () => (await json<{ status: number }>(`${fleet.balancer.base}/v1/p1/visualization-jobs/${String(id)}`, TOKEN)).status === 8);
    const viewer = `/visualization/p1/${String(id)}/data`;
    // Load the job on every replica once (a replica loads a job's logs on its first view).
    let run = '';
    let tag = '';
    for (const r of fleet.replicas) {
      await waitFor('viewer', async () => (await fetch(`${r.base}${viewer}/runs`, { headers: { 'x-auth-token': TOKEN } })).status === 200);
      const runs = await json<string[]>(`${r.base}${viewer}/runs`, TOKEN);
      const tags = await json<Record<string, Record<string, unknown>>>(`${r.base}${viewer}/plugin/scalars/tags`, TOKEN);
      run = runs.find((x) => tags[x] && Object.keys(tags[x]).length > 0) ?? runs[0];
      tag = Object.keys(tags[run] ?? {})[0] ?? '';
    }
    const scalars = `${viewer}/plugin/scalars/scalars?run=${encodeURIComponent(run)}&tag=${encodeURIComponent(tag)}`;
    for (let n = 1; n <= 3; n++) balancers.push(await startHaproxy(fleet.replicas.slice(0, n).map((r) => r.base)));
    await new Promise((r) => setTimeout(r, 1500)); // health checks bring every server up
    const rows: Record<string, Record<number, Figure[]>> = { details: { 1: [], 2: [], 3: [] }, scalars: { 1: [], 2: [], 3: [] } };
    for (const b of balancers) await cannon(b.base, `/v1/p1/visualization-jobs/${String(id)}`, TOKEN, CONNECTIONS, 1); // warm-up
    for (const n of [1, 2, 3, 3, 2, 1]) {
      const b = balancers[n - 1];
      rows.details[n].push(await cannon(b.base, `/v1/p1/visualization-jobs/${String(id)}`, TOKEN));
      rows.scalars[n].push(await cannon(b.base, scalars, TOKEN));
      console.error(`scaling n=${String(n)} details ${JSON.stringify(rows.details[n].at(-1))} scalars ${JSON.stringify(rows.scalars[n].at(-1))}`);
    }
    console.log(`\n### Scaling through haproxy (${String(CONNECTIONS)} connections, ${String(SECONDS)} s per run, runs in order 1,2,3,3,2,1)`);
    console.log('| request | replicas | req/s (two runs) | p99 ms (two runs) | throughput vs 1 replica |');
    console.log('|---|---|---|---|---|');
    for (const what of ['details', 'scalars'] as const) {
      const base = (rows[what][1][0].rps + rows[what][1][1].rps) / 2;
      for (const n of [1, 2, 3]) {
        const f = rows[what][n];
        const mean = (f[0].rps + f[1].rps) / 2;
        console.log(`| ${what === 'details' ? 'GET details' : 'viewer scalars'} | ${String(n)} | ${f.map((x) => x.rps).join(' / ')} | ${f.map((x) => x.p99).join(' / ')} | ${(mean / base).toFixed(2)}× |`);
        if (f.some((x) => x.errors > 0 || x.non2xx > 0)) console.log(`|  | errors ${f.map((x) => x.errors).join('/')}, non-2xx ${f.map((x) => x.non2xx).join('/')} | | | |`);
      }
    }
  } finally {
    for (const b of balancers) await b.close();
    await fleet.close();
  }
}

async function serveOn(db: string | undefined, dir: string): Promise<ServeProcess> {
  return startServeProcess(['--data-dir', dir], { VIZJOBS_TOKENS: `${TOKEN}=p1`, VIZJOBS_LOG_LEVEL: 'warn', ...(db ? { VIZJOBS_DB: db } : {}) });
}

async function pgVsSqlite(): Promise<void> {
  const schema = await createTestSchema();
  const dir = mkdtempSync(join(tmpdir(), 'vizjobs-bench-fleet-'));
  const sqlite = await serveOn(undefined, join(dir, 'sqlite'));
  const pg = await serveOn(schema.url, join(dir, 'pg'));
  try {
    const ids: Record<string, number> = {};
    for (const [name, s] of [['sqlite', sqlite], ['pg', pg]] as const) {
      ids[name] = (await json<{ job_id: number }>(`${s.base}/v1/p1/visualization-jobs`, TOKEN, { method: 'POST', body: JSON.stringify({ job_name: 'b', train_url: '/none/x/' }) })).job_id;
      await cannon(s.base, `/v1/p1/visualization-jobs/${String(ids[name])}`, TOKEN, 10, 2);
    }
    const out: Record<string, Figure[]> = { sqlite: [], pg: [] };
    for (let round = 0; round < 3; round++) {
      for (const [name, s] of (round % 2 ? [['pg', pg], ['sqlite', sqlite]] : [['sqlite', sqlite], ['pg', pg]]) as [string, ServeProcess][]) {
        out[name].push(await cannon(s.base, `/v1/p1/visualization-jobs/${String(ids[name])}`, TOKEN, 10));
        console.error(`details ${name}: ${JSON.stringify(out[name].at(-1))}`);
      }
    }
    console.log(`\n### GET details on one replica, 10 connections, ${String(SECONDS)} s, three interleaved pairs`);
    console.log('| store | req/s | p50 ms | p99 ms |');
    console.log('|---|---|---|---|');
    for (const name of ['sqlite', 'pg']) {
      console.log(`| ${name === 'pg' ? 'PostgreSQL' : 'SQLite'} | ${out[name].map((x) => x.rps).join(' / ')} | ${out[name].map((x) => x.p50).join(' / ')} | ${out[name].map((x) => x.p99).join(' / ')} |`);
    }
    const ratios = out.pg.map((x, i) => (x.p99 / Math.max(1, out.sqlite[i].p99)).toFixed(2));
    console.log(`PostgreSQL p99 / SQLite p99 per pair: ${ratios.join(', ')}`);
  } finally {
    await sqlite.stop();
    await pg.stop();
    await schema.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function recovery(): Promise<void> {
  const schema = await createTestSchema();
  const target = new URL(schema.url);
  const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
  const via = new URL(schema.url);
  via.port = String(proxy.port);
  const dir = mkdtempSync(join(tmpdir(), 'vizjobs-bench-recovery-'));
  const s = await serveOn(via.toString(), dir);
  try {
    const id = (await json<{ job_id: number }>(`${s.base}/v1/p1/visualization-jobs`, TOKEN, { method: 'POST', body: JSON.stringify({ job_name: 'b', train_url: '/none/x/' }) })).job_id;
    const details = `${s.base}/v1/p1/visualization-jobs/${String(id)}`;
    const rows: string[] = [];
    for (let i = 0; i < 3; i++) {
      proxy.cut();
      const cutAt = performance.now();
      await waitFor('503', async () => (await fetch(`${s.base}/readyz`)).status === 503);
      const notReadyMs = performance.now() - cutAt;
      await new Promise((r) => setTimeout(r, 3_000));
      proxy.restore();
      const restoredAt = performance.now();
      let apiMs = 0;
      let readyMs = 0;
      await waitFor('recovery', async () => {
        if (!apiMs && (await fetch(details, { headers: { 'x-auth-token': TOKEN } })).status === 200) apiMs = performance.now() - restoredAt;
        if (!readyMs && (await fetch(`${s.base}/readyz`)).status === 200) readyMs = performance.now() - restoredAt;
        return apiMs > 0 && readyMs > 0;
      }, 30_000);
      rows.push(`| ${String(i + 1)} | ${notReadyMs.toFixed(0)} | ${apiMs.toFixed(0)} | ${readyMs.toFixed(0)} |`);
      await new Promise((r) => setTimeout(r, 1_000));
    }
    console.log('\n### Recovery after a 3 s database cut (TCP proxy between the replica and PostgreSQL)');
    console.log('| cut | /readyz 503 after (ms) | GET details 200 after restore (ms) | /readyz 200 after restore (ms) |');
    console.log('|---|---|---|---|');
    for (const r of rows) console.log(r);
  } finally {
    await s.stop();
    await proxy.close();
    await schema.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`bench:fleet — ${new Date().toISOString()}, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
const only = process.argv[2];
if (!only || only === 'scaling') await scaling();
if (!only || only === 'pg') await pgVsSqlite();
if (!only || only === 'recovery') await recovery();
console.log(`load average at the end: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
