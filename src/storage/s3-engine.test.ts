// The event engine over S3 answers exactly as over local files: the real PyTorch fixture uploaded
// to a real S3-protocol server gives the same runs, tags and series as from disk, an unchanged
// reload costs one listing request per page and nothing else, and a grown object costs only its
// new bytes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { openLogdir, type Logdir, type RunInfo, type SeriesBase } from '../events/index.js';
import { LocalStorage } from './local.js';
import { S3Storage, s3ClientConfig } from './s3.js';
import { pytorchFixtureDir } from '../testing/paths.js';
import { startS3rver, S3RVER_ACCESS_KEY_ID, S3RVER_SECRET_ACCESS_KEY, type S3rverHandle } from '../testing/s3rver.js';

const BUCKET = 'fixtures';
const FIXTURE_PREFIX = `${basename(pytorchFixtureDir)}/`;
const MAX_KEYS = 3;

let server: S3rverHandle;
let client: S3Client;
let tmp: string;

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

async function put(key: string, body: Buffer): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

function s3(): S3Storage {
  return new S3Storage({ client, bucket: BUCKET, maxKeys: MAX_KEYS, retry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 10 } });
}

function columns(s: SeriesBase | undefined): Record<string, unknown> | undefined {
  if (!s) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    out[k] = ArrayBuffer.isView(v) && !(v instanceof DataView) ? Array.from((v as Float64Array).subarray(0, s.length)) : v;
  }
  return out;
}

/** Everything the engine answers for a log directory, blob bytes included. */
async function snapshot(logdir: Logdir): Promise<unknown> {
  const runs: RunInfo[] = logdir.runs();
  const out: Record<string, unknown> = { runs };
  for (const run of runs) {
    const series: Record<string, unknown> = { hparams: logdir.hparams(run.name) };
    for (const t of run.tags) {
      const id = `${t.kind}:${t.tag}`;
      switch (t.kind) {
        case 'scalars':
          series[id] = columns(logdir.scalars(run.name, t.tag));
          break;
        case 'histograms':
          series[id] = columns(logdir.histograms(run.name, t.tag));
          break;
        case 'text':
          series[id] = columns(logdir.text(run.name, t.tag));
          break;
        case 'pr_curves':
          series[id] = columns(logdir.prCurves(run.name, t.tag));
          break;
        case 'tensors':
          series[id] = columns(logdir.tensors(run.name, t.tag));
          break;
        case 'images':
        case 'audio': {
          const blobs = t.kind === 'images' ? logdir.images(run.name, t.tag) : logdir.audio(run.name, t.tag);
          const bytes: string[] = [];
          for (const sample of blobs?.blobs ?? []) for (const ref of sample) bytes.push((await logdir.readBlob(ref)).toString('base64'));
          series[id] = { ...columns(blobs), bytes };
          break;
        }
        default:
          break;
      }
    }
    const graph = logdir.graph(run.name);
    if (graph) series.graph = (await logdir.readBlob(graph)).toString('base64');
    out[run.name] = series;
  }
  return out;
}

before(async () => {
  server = await startS3rver({ buckets: [BUCKET] });
  client = new S3Client(
    s3ClientConfig({ endpoint: server.endpoint, accessKeyId: S3RVER_ACCESS_KEY_ID, secretAccessKey: S3RVER_SECRET_ACCESS_KEY }),
  );
  for (const file of await filesUnder(pytorchFixtureDir)) {
    await put(FIXTURE_PREFIX + relative(pytorchFixtureDir, file).split('\\').join('/'), await readFile(file));
  }
  tmp = await mkdtemp(join(tmpdir(), 'vizjobs-s3-engine-'));
});

after(async () => {
  client?.destroy();
  await server?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('event engine over S3', () => {
  test('the real PyTorch fixture read from S3 gives the same runs, tags, series and blobs as from disk', async () => {
    // Same keys on both sides: the local root is the fixture's parent, the prefix its name.
    const local = openLogdir({ storage: new LocalStorage(dirname(pytorchFixtureDir)), prefix: FIXTURE_PREFIX });
    const remote = openLogdir({ storage: s3(), prefix: FIXTURE_PREFIX });
    await local.reload();
    await remote.reload();
    const fromDisk = await snapshot(local);
    assert.ok(local.runs().length >= 2, 'the fixture has a run and its hparams run');
    assert.ok(local.runs().some((r) => r.tags.some((t) => t.kind === 'scalars' && t.count > 100)));
    assert.deepStrictEqual(await snapshot(remote), fromDisk);
  });

  test('a reload of an unchanged job is one listing request per page and nothing else', async () => {
    const storage = s3();
    const logdir = openLogdir({ storage, prefix: FIXTURE_PREFIX });
    await logdir.reload();
    const objects = (await storage.list(FIXTURE_PREFIX)).length;
    assert.ok(objects > MAX_KEYS, 'the listing spans several pages');
    // What one listing costs (its pages, or its ranges when split at folders), then a reload.
    storage.resetRequestCounts();
    await storage.list(FIXTURE_PREFIX);
    const listing = storage.requestCounts().list;
    assert.ok(listing > 1);
    storage.resetRequestCounts();
    const stats = await logdir.reload();
    assert.equal(stats.bytesRead, 0);
    assert.deepEqual(storage.requestCounts(), { list: listing, head: 0, get: 0, retries: 0, bytes: 0 });
  });

  test('a grown object is read from where the last reload stopped, not again from the start', async () => {
    const source = join(pytorchFixtureDir, 'mlp_lr1e-3_adam');
    const eventFile = (await readdir(source)).find((n) => n.startsWith('events.out.tfevents.'));
    assert.ok(eventFile);
    const full = await readFile(join(source, eventFile));
    const half = Math.floor(full.length / 2); // mid-record on purpose: a writer's partial flush
    const key = `grow/${eventFile}`;
    await put(key, full.subarray(0, half));
    const storage = s3();
    const remote = openLogdir({ storage, prefix: 'grow/' });
    await remote.reload();
    const tagsAtHalf = remote.runs()[0]?.tags.find((t) => t.kind === 'scalars');
    assert.ok(tagsAtHalf && tagsAtHalf.count > 0);

    await put(key, full);
    storage.resetRequestCounts();
    await remote.reload();
    const counts = storage.requestCounts();
    assert.equal(counts.list, 1);
    assert.ok(counts.bytes >= full.length - half, `read ${counts.bytes} bytes, ${full.length - half} are new`);
    assert.ok(counts.bytes < full.length - half + 64 * 1024, `read ${counts.bytes} bytes: more than the new ones and a record`);

    await copyFile(join(source, eventFile), join(tmp, eventFile));
    assert.equal((await stat(join(tmp, eventFile))).size, full.length);
    const local = openLogdir({ storage: new LocalStorage(tmp), prefix: '' });
    await local.reload();
    assert.deepStrictEqual(await snapshotWithoutKeys(remote), await snapshotWithoutKeys(local));
  });
});

/** A snapshot with storage keys reduced to file names, for logdirs under different prefixes. */
async function snapshotWithoutKeys(logdir: Logdir): Promise<unknown> {
  return JSON.parse(
    JSON.stringify(await snapshot(logdir), (k, v: unknown) => {
      if ((k === 'key' || k === 'file') && typeof v === 'string') return basename(v);
      if (k === 'files' && Array.isArray(v)) return v.map((f) => (typeof f === 'string' ? basename(f) : f));
      if (ArrayBuffer.isView(v)) return Array.from(v as Uint8Array);
      return v;
    }),
  );
}
