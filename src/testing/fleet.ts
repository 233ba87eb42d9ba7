// Test and benchmark support: a local fleet as deployed — N replicas of the built service (each
// its own process and data dir) on one PostgreSQL schema, logs on s3rver, behind haproxy — with
// the admin token the replicas generated in their shared database.
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import pg from 'pg';
import { s3ClientConfig } from '../storage/s3.js';
import { freePort, startHaproxy, type Balancer } from './haproxy.js';
import { repoRoot } from './paths.js';
import { createTestSchema, type TestSchema } from './postgres.js';
import { S3RVER_ACCESS_KEY_ID, S3RVER_SECRET_ACCESS_KEY, startS3rver, type S3rverHandle } from './s3rver.js';
import { startServeProcess, type ServeProcess } from './serve-process.js';

export const FLEET_TRAIN_URL = '/train-logs/mlp/';

export interface Fleet {
  schema: TestSchema;
  s3: S3rverHandle;
  replicas: ServeProcess[];
  balancer: Balancer;
  adminToken: string;
  close(): Promise<void>;
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]));
}

export async function startFleet(opts: { replicas: number; runningQuota?: number; env?: Record<string, string> }): Promise<Fleet> {
  const schema = await createTestSchema();
  const s3 = await startS3rver({ buckets: ['train-logs'] });
  const root = mkdtempSync(join(tmpdir(), 'vizjobs-fleet-'));
  const replicas: ServeProcess[] = [];
  let balancer: Balancer | undefined;
  const close = async (): Promise<void> => {
    await balancer?.close();
    await Promise.all(replicas.map((r) => r.stop()));
    await s3.close();
    await schema.drop();
    rmSync(root, { recursive: true, force: true });
  };
  try {
    const client = new S3Client(s3ClientConfig({ endpoint: s3.endpoint, accessKeyId: S3RVER_ACCESS_KEY_ID, secretAccessKey: S3RVER_SECRET_ACCESS_KEY, region: 'us-east-1' }));
    const fixture = join(repoRoot, 'examples', 'obs', 'demo', 'pytorch-mlp');
    for (const f of files(fixture)) {
      await client.send(new PutObjectCommand({ Bucket: 'train-logs', Key: `mlp/${relative(fixture, f)}`, Body: readFileSync(f) }));
    }
    client.destroy();
    const port = await freePort();
    const env: Record<string, string> = {
      VIZJOBS_DB: schema.url,
      VIZJOBS_S3_ENDPOINT: s3.endpoint,
      AWS_ACCESS_KEY_ID: S3RVER_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: S3RVER_SECRET_ACCESS_KEY,
      AWS_REGION: 'us-east-1',
      VIZJOBS_TOKENS: '',
      VIZJOBS_ADMIN_TOKEN: '',
      VIZJOBS_PUBLIC_URL: `http://127.0.0.1:${String(port)}`,
      VIZJOBS_RUNNING_QUOTA: String(opts.runningQuota ?? 10),
      VIZJOBS_LOG_LEVEL: 'warn',
      ...opts.env,
    };
    // Started together, as a Deployment's pods are: migrations and the generated token happen once.
    replicas.push(...(await Promise.all(Array.from({ length: opts.replicas }, (_, i) => startServeProcess(['--data-dir', join(root, `r${String(i)}`)], env)))));
    balancer = await startHaproxy(replicas.map((r) => r.base), port);
    const db = new pg.Client({ connectionString: schema.url });
    await db.connect();
    const adminToken = env.VIZJOBS_ADMIN_TOKEN || (await db.query<{ value: string }>("SELECT value FROM cluster_secrets WHERE name = 'admin-token'")).rows[0]?.value;
    if (!adminToken) throw new Error('the replicas generated no admin token');
    await db.end();
    // Every replica in the balancer's rotation (its health checks need a moment).
    const end = Date.now() + 15_000;
    let seen = new Set<string>();
    while (seen.size < replicas.length && Date.now() < end) {
      seen = new Set<string>();
      for (let i = 0; i < replicas.length * 4; i++) {
        const r = await fetch(`${balancer.base}/readyz`);
        const by = r.headers.get('x-served-by');
        if (r.ok && by) seen.add(by);
      }
      if (seen.size < replicas.length) await new Promise((r) => setTimeout(r, 200));
    }
    if (seen.size < replicas.length) throw new Error(`only ${[...seen].join(', ')} in the balancer's rotation after 15 s`);
    return { schema, s3, replicas, balancer, adminToken, close };
  } catch (err) {
    await close();
    throw err;
  }
}
