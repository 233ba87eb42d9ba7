// resolveTrainUrl: which backend each train_url form reaches, checked by reading through it from a
// real local directory and a real S3-protocol server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { loadConfig } from '../config.js';
import { resolveTrainUrl } from './resolve.js';
import { LocalStorage } from './local.js';
import { S3Storage, s3ClientConfig } from './s3.js';
import { StorageError } from './storage.js';
import { TrainUrlError } from './train-url.js';
import { startS3rver, S3RVER_ACCESS_KEY_ID, S3RVER_SECRET_ACCESS_KEY, type S3rverHandle } from '../testing/s3rver.js';

let server: S3rverHandle;
let dir: string;
let settingsPath: string;

before(async () => {
  server = await startS3rver({ buckets: ['train-logs'] });
  const c = new S3Client(
    s3ClientConfig({ endpoint: server.endpoint, accessKeyId: S3RVER_ACCESS_KEY_ID, secretAccessKey: S3RVER_SECRET_ACCESS_KEY }),
  );
  await c.send(new PutObjectCommand({ Bucket: 'train-logs', Key: 'exp/run1/events.out.tfevents.1.h', Body: 'from s3' }));
  c.destroy();
  dir = await mkdtemp(join(tmpdir(), 'vizjobs-resolve-'));
  await mkdir(join(dir, 'obs', 'train-logs', 'exp', 'run1'), { recursive: true });
  await writeFile(join(dir, 'obs', 'train-logs', 'exp', 'run1', 'events.out.tfevents.1.h'), 'from disk!');
  settingsPath = join(dir, 's3.json');
  await writeFile(
    settingsPath,
    JSON.stringify({
      default: { accessKeyId: S3RVER_ACCESS_KEY_ID, secretAccessKey: S3RVER_SECRET_ACCESS_KEY, region: 'us-east-1' },
      buckets: { 'train-logs': { endpoint: server.endpoint } },
    }),
  );
});

after(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function sizes(trainUrl: string, config: Parameters<typeof resolveTrainUrl>[1]): Promise<number[]> {
  const loc = resolveTrainUrl(trainUrl, config);
  return (await loc.storage.list(loc.prefix)).map((o) => o.size);
}

describe('resolveTrainUrl', () => {
  test('/bucket/dir/ reads the local root when no object storage is configured', async () => {
    const config = { obsRoot: join(dir, 'obs'), s3Endpoint: '' };
    const loc = resolveTrainUrl('/train-logs/exp/', config);
    assert.ok(loc.storage instanceof LocalStorage);
    assert.equal(loc.prefix, 'exp/');
    assert.deepEqual(await sizes('/train-logs/exp/', config), [10]);
  });

  test('/bucket/dir/ reads S3 when the bucket is named in the settings file', async () => {
    const config = { obsRoot: join(dir, 'obs'), s3Endpoint: '', s3Config: settingsPath };
    const loc = resolveTrainUrl('/train-logs/exp/', config);
    assert.ok(loc.storage instanceof S3Storage);
    assert.equal(loc.storage.description, 's3://train-logs');
    assert.deepEqual(await sizes('/train-logs/exp/', config), [7]);
  });

  test('/bucket/dir/ reads S3 at VIZJOBS_S3_ENDPOINT when it is set', async () => {
    const settings = join(dir, 'creds-only.json');
    await writeFile(settings, JSON.stringify({ default: { accessKeyId: S3RVER_ACCESS_KEY_ID, secretAccessKey: S3RVER_SECRET_ACCESS_KEY } }));
    const config = loadConfig({ obsRoot: join(dir, 'obs'), s3Endpoint: server.endpoint, s3Config: settings }, {});
    assert.deepEqual(await sizes('/train-logs/exp/', config), [7]);
  });

  test('obs:// and s3:// read object storage, whatever the local root holds', async () => {
    const config = { obsRoot: join(dir, 'obs'), s3Endpoint: '', s3Config: settingsPath };
    const obs = resolveTrainUrl('obs://train-logs/exp/run1/', config);
    assert.equal(obs.storage.description, 'obs://train-logs');
    assert.equal(obs.prefix, 'exp/run1/');
    assert.deepEqual(await sizes('obs://train-logs/exp/run1/', config), [7]);
    assert.deepEqual(await sizes('s3://train-logs/exp', config), [7]);
  });

  test('credentials come from the standard AWS_* variables when no settings file gives them', async () => {
    const keys = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_PROFILE'] as const;
    const saved = keys.map((k) => process.env[k]);
    process.env.AWS_ACCESS_KEY_ID = S3RVER_ACCESS_KEY_ID;
    process.env.AWS_SECRET_ACCESS_KEY = S3RVER_SECRET_ACCESS_KEY;
    delete process.env.AWS_PROFILE;
    try {
      // A settings value no other test uses, so this test gets its own client and credentials.
      const config = { obsRoot: dir, s3Endpoint: `${server.endpoint}/` };
      assert.deepEqual(await sizes('s3://train-logs/exp/', config), [7]);
    } finally {
      keys.forEach((k, i) => (saved[i] === undefined ? delete process.env[k] : (process.env[k] = saved[i])));
    }
  });

  test('a missing bucket on S3 is refused as no_such_bucket when listed', async () => {
    const config = { obsRoot: join(dir, 'obs'), s3Endpoint: server.endpoint, s3Config: settingsPath };
    const loc = resolveTrainUrl('s3://absent-bucket/x/', config);
    await assert.rejects(loc.storage.list(loc.prefix), (err: unknown) => err instanceof StorageError && err.kind === 'no_such_bucket');
  });

  test('obs:// without an endpoint or region is refused with a message saying what to configure', () => {
    const saved = { r: process.env.AWS_REGION, d: process.env.AWS_DEFAULT_REGION };
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    try {
      assert.throws(
        () => resolveTrainUrl('obs://other-bucket/x/', { obsRoot: dir, s3Endpoint: '' }),
        (err: unknown) => err instanceof StorageError && err.kind === 'invalid_location' && /VIZJOBS_S3_ENDPOINT/.test(err.message),
      );
    } finally {
      if (saved.r !== undefined) process.env.AWS_REGION = saved.r;
      if (saved.d !== undefined) process.env.AWS_DEFAULT_REGION = saved.d;
    }
  });

  test('obs:// with only a region reaches that region\'s Huawei OBS endpoint', () => {
    const settings = join(dir, 'obs-region.json');
    return writeFile(settings, JSON.stringify({ buckets: { 'obs-bucket': { region: 'cn-north-4' } } })).then(async () => {
      const loc = resolveTrainUrl('obs://obs-bucket/logs/', { obsRoot: dir, s3Endpoint: '', s3Config: settings });
      assert.ok(loc.storage instanceof S3Storage);
      const endpoint = await (loc.storage as unknown as { client: S3Client }).client.config.endpoint?.();
      assert.equal(endpoint?.hostname, 'obs.cn-north-4.myhuaweicloud.com');
    });
  });

  test('invalid train_urls are still refused by parseTrainUrl', () => {
    const config = { obsRoot: dir, s3Endpoint: server.endpoint };
    for (const bad of ['s3://Bad_Bucket/x/', 'obs://ok-bucket/../x/', 'obs://ok-bucket//x/', 'http://ok-bucket/x/', 's3://ab/']) {
      assert.throws(() => resolveTrainUrl(bad, config), TrainUrlError, bad);
    }
  });

  test('a malformed settings file is a StorageError naming the setting and the bad key, not the server path, not a crash', async () => {
    const broken = join(dir, 'broken.json');
    await writeFile(broken, JSON.stringify({ buckets: { b: { endpiont: 'http://x' } } }));
    assert.throws(
      () => resolveTrainUrl('s3://some-bucket/', { obsRoot: dir, s3Endpoint: '', s3Config: broken }),
      (err: unknown) =>
        err instanceof StorageError &&
        err.kind === 'invalid_location' &&
        err.message.includes('endpiont') &&
        err.message.includes('VIZJOBS_S3_CONFIG') &&
        !err.message.includes(dir),
    );
  });
});
