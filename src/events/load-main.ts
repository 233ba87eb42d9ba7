#!/usr/bin/env node
// Cold-load probe for bench/ingest.ts: loads a local log directory in this fresh process and
// prints one JSON line (in-process time, RSS, counts). `--idle` loads the modules only (the RSS
// baseline); `--workers N` loads the runs split over N worker threads (each its own Logdir over its
// runs' prefixes) to measure whether parallel loading pays; `--no-verify` skips CRCs.
// VIZJOBS_MAX_READ=BYTES overrides the read size (used to choose the default).
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { resolve } from 'node:path';
import { readdirSync } from 'node:fs';
import { LocalStorage } from '../storage/local.js';
import { openLogdir } from './logdir.js';

interface Probe {
  dir: string;
  prefixes: string[];
  verify: boolean;
}

async function loadPrefixes(p: Probe): Promise<{ records: number; samples: number; bytes: number }> {
  const storage = new LocalStorage(p.dir);
  let records = 0;
  let samples = 0;
  let bytes = 0;
  for (const prefix of p.prefixes) {
    const logdir = openLogdir({ storage, prefix }, { verifyChecksums: p.verify });
    const s = await logdir.reload();
    records += s.records;
    bytes += s.bytesRead;
    samples += logdir.stats().samples;
    (globalThis as { keep?: unknown[] }).keep ??= [];
    (globalThis as { keep?: unknown[] }).keep?.push(logdir);
  }
  return { records, samples, bytes };
}

if (!isMainThread) {
  const data = workerData as Probe;
  void loadPrefixes(data).then((r) => parentPort?.postMessage(r));
} else {
  const args = process.argv.slice(2);
  const dir = resolve(args.find((a) => !a.startsWith('--')) ?? '.');
  const verify = !args.includes('--no-verify');
  const wi = args.indexOf('--workers');
  const workers = wi >= 0 ? Number(args[wi + 1]) : 0;
  const ru0 = process.resourceUsage();
  const faults0 = ru0.minorPageFault;
  const cpu0 = ru0.userCPUTime + ru0.systemCPUTime;
  const t0 = performance.now();
  let result = { records: 0, samples: 0, bytes: 0 };
  let reloadMs = NaN;
  if (!args.includes('--idle')) {
    if (workers > 0) {
      const runs = readdirSync(dir).map((r) => `${r}/`);
      const shares: string[][] = Array.from({ length: workers }, () => []);
      runs.forEach((r, i) => shares[i % workers].push(r));
      const parts = await Promise.all(
        shares.map(
          (prefixes) =>
            new Promise<typeof result>((ok, fail) => {
              const w = new Worker(new URL(import.meta.url), { workerData: { dir, prefixes, verify } satisfies Probe });
              w.once('message', (m: typeof result) => {
                ok(m);
                void w.terminate();
              });
              w.once('error', fail);
            }),
        ),
      );
      for (const p of parts) {
        result.records += p.records;
        result.samples += p.samples;
        result.bytes += p.bytes;
      }
    } else {
      const storage = new LocalStorage(dir);
      const logdir = openLogdir({ storage, prefix: '' }, { verifyChecksums: verify, maxReadBytes: Number(process.env.VIZJOBS_MAX_READ) || undefined });
      const s = await logdir.reload();
      result = { records: s.records, samples: logdir.stats().samples, bytes: s.bytesRead };
      const t1 = performance.now();
      await logdir.reload();
      reloadMs = performance.now() - t1;
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
