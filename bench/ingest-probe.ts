#!/usr/bin/env node
// Cold-load probe for bench/ingest.ts (bundled by it with esbuild; run alone with tsx): loads a local log directory in this fresh process and
// prints one JSON line (in-process time, CPU, page faults, RSS, counts). `--idle` loads the
// modules only (the RSS baseline); `--workers N` loads the runs split over N worker threads (each
// its own Logdir over its runs' prefixes; the main thread waits); `--split` has the main thread
// load half the runs while one worker loads the other half and transfers its scalar columns back
// (what parallel loading inside the engine would cost); `--no-verify` skips CRCs.
// VIZJOBS_MAX_READ=BYTES overrides the read size (used to choose the default).
// node:worker_threads is imported only when a mode needs it: its load is part of every cold start.
import { resolve } from 'node:path';
import { readdirSync } from 'node:fs';
// The engine as tsc built it (dist/), so the code measured is the code the tests ran; logdir.js, not
// the public index, which would also load the native CRC module at start-up.
import { LocalStorage } from '../dist/storage/local.js';
import { openLogdir } from '../dist/events/logdir.js';
import type { Logdir } from '../dist/events/model.js';

interface Probe {
  dir: string;
  prefixes: string[];
  verify: boolean;
  /** Send every scalar series back as transferred ArrayBuffers. */
  transfer: boolean;
}

interface Loaded {
  records: number;
  samples: number;
  bytes: number;
}

const WORKER_ENV = 'VIZJOBS_PROBE_WORKER';

async function loadPrefixes(p: Probe): Promise<Loaded & { logdirs: Logdir[] }> {
  const storage = new LocalStorage(p.dir);
  let records = 0;
  let samples = 0;
  let bytes = 0;
  const logdirs: Logdir[] = [];
  for (const prefix of p.prefixes) {
    const logdir = openLogdir({ storage, prefix }, { verifyChecksums: p.verify });
    const s = await logdir.reload();
    records += s.records;
    bytes += s.bytesRead;
    samples += logdir.stats().samples;
    logdirs.push(logdir);
  }
  return { records, samples, bytes, logdirs };
}

/** Every scalar series of the logdirs as contiguous columns (what a worker hands back). */
function scalarColumns(logdirs: Logdir[]): { columns: Float64Array[]; buffers: ArrayBuffer[] } {
  const columns: Float64Array[] = [];
  for (const l of logdirs) {
    for (const run of l.runs()) {
      for (const t of run.tags) {
        const s = t.kind === 'scalars' ? l.scalars(run.name, t.tag) : undefined;
        if (s) columns.push(s.steps, s.wallTimes, s.values); // exact-size after compact(): transferable whole
      }
    }
  }
  return { columns, buffers: [...new Set(columns.map((c) => c.buffer as ArrayBuffer))] };
}

async function inWorker(dir: string, prefixes: string[], verify: boolean, transfer: boolean): Promise<Loaded> {
  const { Worker } = await import('node:worker_threads');
  return new Promise<Loaded>((ok, fail) => {
    // This script again (argv[1]): the same file whether it runs as ESM from dist or as a bundle.
    const w = new Worker(process.argv[1], { workerData: { dir, prefixes, verify, transfer } satisfies Probe, env: { ...process.env, [WORKER_ENV]: '1' } });
    w.once('message', (m: Loaded & { columns?: Float64Array[] }) => {
      (globalThis as { keepColumns?: unknown }).keepColumns = m.columns;
      ok({ records: m.records, samples: m.samples, bytes: m.bytes });
      void w.terminate();
    });
    w.once('error', fail);
  });
}

async function workerMain(): Promise<void> {
  const { parentPort, workerData } = await import('node:worker_threads');
  const data = workerData as Probe;
  const r = await loadPrefixes(data);
  const { columns, buffers } = data.transfer ? scalarColumns(r.logdirs) : { columns: undefined, buffers: [] };
  parentPort?.postMessage({ records: r.records, samples: r.samples, bytes: r.bytes, columns }, buffers);
}

// No top-level await: the same source bundles to a CommonJS script (see bench/ingest.ts).
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const wi = args.indexOf('--workers');
  // The directory is the first argument that is neither a flag nor --workers' count.
  const dir = resolve(args.find((a, i) => !a.startsWith('--') && !(wi >= 0 && i === wi + 1)) ?? '.');
  const verify = !args.includes('--no-verify');
  const workers = wi >= 0 ? Number(args[wi + 1]) : 0;
  const split = args.includes('--split');
  const ru0 = process.resourceUsage();
  const faults0 = ru0.minorPageFault;
  const cpu0 = ru0.userCPUTime + ru0.systemCPUTime;
  const t0 = performance.now();
  let result: Loaded = { records: 0, samples: 0, bytes: 0 };
  let reloadMs = NaN;
  /** The engine's own estimate of what the series hold (single-process load only). */
  let memoryBytes: number | null = null;
  const add = (p: Loaded): void => {
    result.records += p.records;
    result.samples += p.samples;
    result.bytes += p.bytes;
  };
  if (!args.includes('--idle')) {
    const runs = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => `${e.name}/`);
    if (split) {
      // The worker starts first (its startup overlaps the main thread's load), with the later half.
      const half = Math.ceil(runs.length / 2);
      const worker = inWorker(dir, runs.slice(half), verify, true);
      const mine = await loadPrefixes({ dir, prefixes: runs.slice(0, half), verify, transfer: false });
      (globalThis as { keep?: unknown }).keep = mine.logdirs;
      add(mine);
      add(await worker);
    } else if (workers > 0) {
      const shares: string[][] = Array.from({ length: workers }, () => []);
      runs.forEach((r, i) => shares[i % workers].push(r));
      for (const p of await Promise.all(shares.map((prefixes) => inWorker(dir, prefixes, verify, false)))) add(p);
    } else {
      const storage = new LocalStorage(dir);
      const logdir = openLogdir({ storage, prefix: '' }, { verifyChecksums: verify, maxReadBytes: Number(process.env.VIZJOBS_MAX_READ) || undefined });
      const s = await logdir.reload();
      result = { records: s.records, samples: logdir.stats().samples, bytes: s.bytesRead };
      const t1 = performance.now();
      await logdir.reload();
      reloadMs = performance.now() - t1;
      memoryBytes = logdir.stats().memoryBytes;
      (globalThis as { keep?: unknown }).keep = logdir;
    }
  }
  const loadMs = performance.now() - t0;
  const ru = process.resourceUsage();
  process.stdout.write(
    JSON.stringify({
      ...result,
      loadMs,
      reloadMs,
      memoryBytes,
      rss: process.memoryUsage().rss,
      cpuMs: (ru.userCPUTime + ru.systemCPUTime) / 1000,
      userMs: ru.userCPUTime / 1000,
      sysMs: ru.systemCPUTime / 1000,
      // Page faults of the whole process and of the load alone: fresh memory is this VM's big cost.
      faults: ru.minorPageFault,
      loadFaults: ru.minorPageFault - faults0,
      loadCpuMs: (ru.userCPUTime + ru.systemCPUTime - cpu0) / 1000,
      uptimeMs: performance.now(),
    }) + '\n',
  );
}

void (process.env[WORKER_ENV] === '1' ? workerMain() : main());
