// ViewerRuntime.start against real S3-protocol storage (s3rver): storage that refuses is a
// permanent runtime error (the lifecycle turns it into 11 FAILED) whose message names the
// train_url; a train_url with nothing under it yet is not an error.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobRuntimeError } from '../runtime/runtime.js';
import { resolveTrainUrl } from '../storage/resolve.js';
import { StorageError } from '../storage/storage.js';
import { startS3rver, S3RVER_ACCESS_KEY_ID, S3RVER_SECRET_ACCESS_KEY, type S3rverHandle } from '../testing/s3rver.js';
import { ViewerRuntime } from './runtime.js';

let server: S3rverHandle;
let dir: string;

before(async () => {
  server = await startS3rver({ buckets: ['train-logs'] });
  dir = await mkdtemp(join(tmpdir(), 'vizjobs-viewer-s3-'));
});

after(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function runtimeWith(accessKeyId: string, secretAccessKey: string, name: string): Promise<ViewerRuntime> {
  const s3Config = join(dir, `${name}.json`);
  await writeFile(s3Config, JSON.stringify({ default: { accessKeyId, secretAccessKey, region: 'us-east-1' } }));
  const config = { obsRoot: join(dir, 'obs'), s3Endpoint: server.endpoint, s3Config, viewerIdleMs: 60_000 };
  return new ViewerRuntime({ config, locate: (url) => resolveTrainUrl(url, config) });
}

const job = (jobId: number, trainUrl: string) => ({ jobId, projectId: 'p', jobType: 'tensorboard' as const, trainUrl });

async function kindOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (err) {
    if (!(err instanceof JobRuntimeError) || !(err.cause instanceof StorageError)) return `other: ${String(err)}`;
    return `${err.retry} ${err.cause.kind}: ${err.message}`;
  }
}

describe('ViewerRuntime.start on object storage', () => {
  it('serves a train_url with nothing under it yet ("no data yet" is not an error)', async () => {
    const rt = await runtimeWith(S3RVER_ACCESS_KEY_ID, S3RVER_SECRET_ACCESS_KEY, 'good');
    await rt.start(job(1, 's3://train-logs/not-written-yet/'));
    assert.equal(rt.isServing(1), true);
    rt.close();
  });

  it('fails with no_such_bucket for a bucket that does not exist, and does not serve', async () => {
    const rt = await runtimeWith(S3RVER_ACCESS_KEY_ID, S3RVER_SECRET_ACCESS_KEY, 'good2');
    assert.equal(
      await kindOf(rt.start(job(2, 's3://no-such-bucket/x/'))),
      'permanent no_such_bucket: train_url s3://no-such-bucket/x/ names a bucket that does not exist (NoSuchBucket: HTTP 404)',
    );
    assert.equal(rt.isServing(2), false);
    rt.close();
  });

  it('fails with access_denied when the storage refuses the credentials', async () => {
    const rt = await runtimeWith('WRONG', 'WRONG-SECRET', 'bad');
    const kind = await kindOf(rt.start(job(3, 's3://train-logs/x/')));
    assert.equal(kind, 'permanent access_denied: train_url s3://train-logs/x/ access denied (InvalidAccessKeyId: HTTP 403)');
    assert.ok(!kind.includes(server.endpoint) && !kind.includes('WRONG'), 'no endpoint, no credentials');
    assert.equal(rt.isServing(3), false);
    rt.close();
  });
});
