// bench:s3 — the ≈52 MB ingest corpus (bench/ingest-corpus.ts) uploaded to a real S3-protocol
// server (s3rver, loopback, child process) and loaded cold through the engine from it: wall time,
// MB/s, requests; the same corpus from local disk for the ratio; and the requests a reload of the
// unchanged job costs (target: one listing request per page, nothing else). Timed code is dist/.
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { writeCorpus } from './ingest-corpus.js';
import { openLogdir } from '../dist/events/index.js';
import { LocalStorage } from '../dist/storage/local.js';
import { S3Storage, s3ClientConfig } from '../dist/storage/s3.js';
import { startS3rver, S3RVER_ACCESS_KEY_ID, S3RVER_SECRET_ACCESS_KEY } from '../dist/testing/s3rver.js';
import { startLatencyFront } from '../dist/testing/http-front.js';

const REPS = Number(process.env.BENCH_REPS ?? 3);
const SPEC = { runs: 4, steps: 25_000, tags: 10 };
const BUCKET = 'bench';
const PREFIX = 'corpus/';

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else if (e.isFile()) out.push(p);
  }
  return out.sort();
}

const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 20);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x: number): string => `${x.toFixed(0)} ms`;

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'vizjobs-bench-s3-'));
  const server = await startS3rver({ buckets: [BUCKET] });
  const clientSettings = {
    endpoint: server.endpoint,
    accessKeyId: S3RVER_ACCESS_KEY_ID,
    secretAccessKey: S3RVER_SECRET_ACCESS_KEY,
  };
  try {
    const { points } = writeCorpus(dir, SPEC);
    const files = await filesUnder(dir);
    let totalBytes = 0;
    for (const f of files) totalBytes += (await stat(f)).size;
    const mb = totalBytes / 1e6;
    console.log(`corpus: ${files.length} files, ${mb.toFixed(1)} MB, ${points} scalar points`);

    const uploader = new S3Client(s3ClientConfig(clientSettings));
    const tUp = performance.now();
    await Promise.all(
      files.map(async (f) =>
        uploader.send(new PutObjectCommand({ Bucket: BUCKET, Key: PREFIX + relative(dir, f), Body: await readFile(f) })),
      ),
    );
    console.log(`upload: ${ms(performance.now() - tUp)}`);
    uploader.destroy();

    // Cold loads from S3: a fresh client (no pooled connections) and a fresh logdir each time,
    // with and without read-ahead, interleaved so background load hits both alike.
    type Counts = { list: number; head: number; get: number; retries: number; bytes: number };
    const coldLoad = async (readAhead: boolean, endpoint = server.endpoint): Promise<{ wall: number; counts: Counts; points: number }> => {
      const client = new S3Client(s3ClientConfig({ ...clientSettings, endpoint }));
      const storage = new S3Storage({ client, bucket: BUCKET, ...(readAhead ? {} : { readAhead: false }) });
      const logdir = openLogdir({ storage, prefix: PREFIX });
      const t0 = performance.now();
      await logdir.reload();
      const wall = performance.now() - t0;
      const loaded = logdir.runs().reduce((n, r) => n + r.tags.filter((t) => t.kind === 'scalars').reduce((m, t) => m + t.count, 0), 0);
      client.destroy();
      return { wall, counts: storage.requestCounts(), points: loaded };
    };
    const s3Walls: number[] = [];
    const plainWalls: number[] = [];
    let s3Counts: Counts = { list: 0, head: 0, get: 0, retries: 0, bytes: 0 };
    let plainCounts: Counts = s3Counts;
    for (let i = 0; i < REPS; i++) {
      const a = await coldLoad(true);
      const b = await coldLoad(false);
      for (const r of [a, b]) if (r.points !== points) throw new Error(`loaded ${r.points} scalar points from S3, wrote ${points}`);
      s3Walls.push(a.wall);
      plainWalls.push(b.wall);
      s3Counts = a.counts;
      plainCounts = b.counts;
    }
    const front = await startLatencyFront(server.endpoint, LATENCY_MS);
    const slowAhead: number[] = [];
    const slowPlain: number[] = [];
    let slowCounts: Counts = s3Counts;
    let slowPlainCounts: Counts = s3Counts;
    for (let i = 0; i < REPS; i++) {
      const a = await coldLoad(true, front.endpoint);
      const b = await coldLoad(false, front.endpoint);
      slowAhead.push(a.wall);
      slowPlain.push(b.wall);
      slowCounts = a.counts;
      slowPlainCounts = b.counts;
    }
    await front.close();
    console.log(`cold load from S3 read ${s3Counts.bytes} bytes of a ${totalBytes}-byte corpus in ${s3Counts.get} GETs (read-ahead off: ${plainCounts.bytes} bytes in ${plainCounts.get} GETs)`);

    const localWalls: number[] = [];
    for (let i = 0; i < REPS; i++) {
      const logdir = openLogdir({ storage: new LocalStorage(dir), prefix: '' });
      const t0 = performance.now();
      await logdir.reload();
      localWalls.push(performance.now() - t0);
    }

    // Reload of an unchanged job, with the default page size and with 2 keys per page.
    const reloadRows: string[] = [];
    for (const maxKeys of [1000, 2]) {
      const client = new S3Client(s3ClientConfig(clientSettings));
      const storage = new S3Storage({ client, bucket: BUCKET, maxKeys });
      const logdir = openLogdir({ storage, prefix: PREFIX });
      await logdir.reload();
      storage.resetRequestCounts();
      const t0 = performance.now();
      const stats = await logdir.reload();
      const wall = performance.now() - t0;
      const c = storage.requestCounts();
      const pages = Math.ceil(files.length / maxKeys);
      reloadRows.push(
        `| ${maxKeys} | ${pages} | ${c.list} | ${c.head} | ${c.get} | ${stats.bytesRead} | ${ms(wall)} | ${c.list === pages && c.head + c.get === 0 ? 'met' : 'MISSED'} |`,
      );
      client.destroy();
    }

    // Raw Range GET throughput of one run's file: one request vs parallel 2 MiB parts.
    const big = files.reduce((a, b) => a);
    const bigKey = PREFIX + relative(dir, big);
    const bigSize = (await stat(big)).size;
    const rawRows: string[] = [];
    for (const [partSize, conc] of [
      [64 << 20, 1],
      [2 << 20, 1],
      [2 << 20, 4],
      [8 << 20, 4],
    ] as const) {
      const walls: number[] = [];
      for (let i = 0; i < REPS; i++) {
        const client = new S3Client(s3ClientConfig(clientSettings));
        const storage = new S3Storage({ client, bucket: BUCKET, partSize, partConcurrency: conc });
        const t0 = performance.now();
        const buf = await storage.read(bigKey, 0, bigSize);
        walls.push(performance.now() - t0);
        if (buf.length !== bigSize) throw new Error('short read');
        client.destroy();
      }
      const w = median(walls);
      rawRows.push(`| ${partSize >> 20} MiB × ${conc} | ${Math.ceil(bigSize / partSize)} | ${ms(w)} | ${(bigSize / 1e6 / (w / 1000)).toFixed(0)} MB/s |`);
    }

    const s3Med = median(s3Walls);
    const localMed = median(localWalls);
    console.log('\n### Cold load of the corpus (median of ' + REPS + ')\n');
    console.log('| source | wall | MB/s | requests, bytes fetched | ratio to local disk |');
    console.log('|---|---|---|---|---|');
    const plainMed = median(plainWalls);
    const row = (name: string, wall: number, first: number, c: Counts): string =>
      `| ${name} | ${ms(wall)} (first ${ms(first)}) | ${(mb / (wall / 1000)).toFixed(0)} | ${c.list} list + ${c.get} get, ${c.head} head, ${c.retries} retries, ${(c.bytes / 1e6).toFixed(2)} MB | ${(wall / localMed).toFixed(2)}× |`;
    console.log(row('s3rver (loopback), read-ahead', s3Med, s3Walls[0], s3Counts));
    console.log(row('s3rver (loopback), no read-ahead', plainMed, plainWalls[0], plainCounts));
    console.log(row(`s3rver + ${LATENCY_MS} ms per request, read-ahead`, median(slowAhead), slowAhead[0], slowCounts));
    console.log(row(`s3rver + ${LATENCY_MS} ms per request, no read-ahead`, median(slowPlain), slowPlain[0], slowPlainCounts));
    console.log(`| local disk | ${ms(localMed)} (first ${ms(localWalls[0])}) | ${(mb / (localMed / 1000)).toFixed(0)} | — | 1.00× |`);
    console.log('\n### Reload of the unchanged job\n');
    console.log('| keys per page | pages | list | head | get | bytes read | wall | target: 1 list per page, nothing else |');
    console.log('|---|---|---|---|---|---|---|---|');
    for (const r of reloadRows) console.log(r);
    console.log(`\n### Range GET of one ${(bigSize / 1e6).toFixed(1)} MB object (median of ${REPS})\n`);
    console.log('| parts | requests | wall | throughput |');
    console.log('|---|---|---|---|');
    for (const r of rawRows) console.log(r);
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
