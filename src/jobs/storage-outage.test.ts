// An object-storage outage through the whole service (lifecycle + real viewer + real s3rver behind
// a TCP gate that refuses connections while "down"): the job stays 8 RUNNING, the viewer answers
// 503 "storage unavailable, retrying" in the error envelope, and once storage answers again the
// viewer serves by itself, nobody touching the job. A bucket deleted under a viewed job is
// permanent: the job goes 11 FAILED at the next reload instead of answering 503 forever.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DeleteBucketCommand, DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { loadConfig } from '../config.js';
import { buildServer, openStore, jobLookup, type BuiltServer } from '../server.js';
import { s3ClientConfig } from '../storage/s3.js';
import { repoRoot } from '../testing/paths.js';
import { startS3rver, S3RVER_ACCESS_KEY_ID, S3RVER_SECRET_ACCESS_KEY, type S3rverHandle } from '../testing/s3rver.js';
import { createViewer, type MountedViewer } from '../viewer/index.js';
import { until } from '../testing/test-server.js';

const TOKEN = 'outage-token';
const BASE = '/v1/p1/visualization-jobs';
const RUN = 'mlp_lr1e-3_adam';

/** A TCP front for s3rver on a fixed port: up proxies, down refuses connections (a closed port). */
class Gate {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: number) {}

  async up(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => {
      const upstream = connect(this.target, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => server.listen(this.port, '127.0.0.1', r));
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy(); // pooled keep-alive connections die too
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]));
}

let s3: S3rverHandle;
let client: S3Client;
const keys: string[] = [];
let gate: Gate;
let dir: string;
let built: BuiltServer;
let viewer: MountedViewer;

before(async () => {
  s3 = await startS3rver({ buckets: ['train-logs', 'doomed'] });
  client = new S3Client(s3ClientConfig({ endpoint: s3.endpoint, accessKeyId: S3RVER_ACCESS_KEY_ID, secretAccessKey: S3RVER_SECRET_ACCESS_KEY, region: 'us-east-1' }));
  const fixture = join(repoRoot, 'examples', 'obs', 'demo', 'pytorch-mlp');
  for (const f of files(fixture)) keys.push(`mlp/${relative(fixture, f)}`);
  for (const bucket of ['train-logs', 'doomed']) {
    for (const key of keys) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: readFileSync(join(fixture, key.slice('mlp/'.length))) }));
    }
  }
  gate = new Gate(s3.port);
  await gate.up();
  dir = mkdtempSync(join(tmpdir(), 'vizjobs-outage-'));
  const s3Config = join(dir, 's3.json');
  writeFileSync(s3Config, JSON.stringify({ default: { accessKeyId: S3RVER_ACCESS_KEY_ID, secretAccessKey: S3RVER_SECRET_ACCESS_KEY, region: 'us-east-1' } }));
  const config = loadConfig({ dataDir: dir, port: 0, publicUrl: 'http://vizjobs.test', tokens: `${TOKEN}=p1`, s3Endpoint: `http://127.0.0.1:${gate.port}`, s3Config }, {});
  const store = openStore(config);
  viewer = createViewer(config, { jobs: jobLookup(store), revocations: store, reloadIntervalMs: 200 });
  built = await buildServer(config, { store, runtime: viewer.runtime, viewer: viewer.plugin, reconcileIntervalMs: 50, log: () => {} });
  await built.app.ready();
});

after(async () => {
  await built?.app.close();
  viewer?.close();
  client?.destroy();
  await gate?.down();
  await s3?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function call(method: 'GET' | 'POST', url: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> & { length?: number } }> {
  const res = await built.app.inject({
    method,
    url,
    headers: { 'x-auth-token': TOKEN, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
    payload: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.statusCode, body: JSON.parse(res.body) as Record<string, unknown> };
}

async function jobStatus(id: number): Promise<number> {
  return (await call('GET', `${BASE}/${id}`)).body.status as number;
}

test('an S3 outage keeps the job 8 RUNNING with a 503 "storage unavailable, retrying" viewer, which serves again by itself once storage is back', { timeout: 60_000 }, async () => {
  await gate.down();
  const created = await call('POST', BASE, { job_name: 'outage', train_url: 's3://train-logs/mlp/' });
  const id = created.body.job_id as number;
  await until(async () => (await jobStatus(id)) !== 1, 15_000);
  assert.equal(await jobStatus(id), 8, 'admitted to RUNNING although its first start failed');

  const data = `/visualization/p1/${id}/data`;
  for (const path of ['runs', 'status', `plugin/scalars/tags`]) {
    const r = await call('GET', `${data}/${path}`);
    assert.equal(r.status, 503, path);
    assert.deepEqual(r.body, { is_success: false, error_code: 'ModelArts.0010', error_message: 'storage unavailable, retrying' });
  }
  assert.equal(await jobStatus(id), 8);
  assert.equal(viewer.runtime.isServing(id), false);

  // Storage returns; nobody calls the API or the viewer: the lifecycle's backoff retry starts it.
  await gate.up();
  await until(() => viewer.runtime.isServing(id), 20_000);
  const runs = await call('GET', `${data}/runs`);
  assert.equal(runs.status, 200);
  assert.ok((runs.body as unknown as string[]).includes(RUN), JSON.stringify(runs.body));
  assert.equal(await jobStatus(id), 8);

  // An outage while the job is viewed: the last good data is still served, data/status says why
  // it is not fresh, and the error clears when storage answers again.
  await gate.down();
  await until(async () => (await call('GET', `${data}/status`)).body.error === 'storage unavailable, retrying', 20_000);
  assert.equal((await call('GET', `${data}/runs`)).status, 200);
  assert.equal(await jobStatus(id), 8);
  await gate.up();
  await until(async () => (await call('GET', `${data}/status`)).body.error === null, 20_000);
  assert.equal(await jobStatus(id), 8);
});

test('a viewed job whose bucket is deleted goes 11 FAILED at its next reload, the reason naming the train_url', { timeout: 60_000 }, async () => {
  await gate.up(); // up already, unless the test above failed midway
  const created = await call('POST', BASE, { job_name: 'doomed', train_url: 's3://doomed/mlp/' });
  const id = created.body.job_id as number;
  await until(async () => (await jobStatus(id)) === 8, 15_000);
  const data = `/visualization/p1/${id}/data`;
  assert.equal((await call('GET', `${data}/runs`)).status, 200);
  for (const key of keys) await client.send(new DeleteObjectCommand({ Bucket: 'doomed', Key: key }));
  await client.send(new DeleteBucketCommand({ Bucket: 'doomed' }));
  // Viewing after the reload interval starts the reload that finds the bucket gone.
  await until(async () => {
    await call('GET', `${data}/status`);
    return (await jobStatus(id)) !== 8;
  }, 20_000);
  const job = (await call('GET', `${BASE}/${id}`)).body;
  assert.equal(job.status, 11);
  assert.equal(job.failure_reason, 'train_url s3://doomed/mlp/ names a bucket that does not exist (NoSuchBucket: HTTP 404)');
  assert.equal(viewer.runtime.isServing(id), false);
  assert.equal((await call('GET', `${data}/runs`)).status, 409);
});
