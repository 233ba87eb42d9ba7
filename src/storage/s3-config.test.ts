// The S3 settings file and its precedence, and how settings become an SDK client configuration.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../config.js';
import { bucketSettings, listConcurrencyFor, parseS3SettingsFile, PARALLEL_LIST_RANGES } from './s3-config.js';
import { s3ClientConfig } from './s3.js';
import { retryableNow, storageErrorKind } from './errors.js';
import { withRetry } from './s3-retry.js';

/** errors.ts's classification as the retry loop sees it: retry, or report at once (and as what). */
function classifyS3Error(err: unknown): 'access_denied' | 'no_such_bucket' | 'transient' | 'other' {
  if (retryableNow(err)) return 'transient';
  const kind = storageErrorKind(err);
  return kind === 'access_denied' || kind === 'no_such_bucket' ? kind : 'other';
}
import { StorageError } from './storage.js';

describe('S3 settings', () => {
  test('a bucket entry wins over the default entry, which wins over VIZJOBS_S3_ENDPOINT', () => {
    const file = parseS3SettingsFile(
      {
        default: { endpoint: 'http://default.example:9000', region: 'eu-west-1', accessKeyId: 'A', secretAccessKey: 'B' },
        buckets: { special: { endpoint: 'https://obs.cn-north-4.myhuaweicloud.com', forcePathStyle: false } },
      },
      'test.json',
    );
    assert.deepEqual(bucketSettings(file, 'http://env.example', 'special'), {
      endpoint: 'https://obs.cn-north-4.myhuaweicloud.com',
      region: 'eu-west-1',
      accessKeyId: 'A',
      secretAccessKey: 'B',
      forcePathStyle: false,
    });
    assert.equal(bucketSettings(file, 'http://env.example', 'other').endpoint, 'http://default.example:9000');
    assert.deepEqual(bucketSettings({}, 'http://env.example', 'other'), { endpoint: 'http://env.example' });
  });

  test('unknown keys, wrong types, half credentials and non-http endpoints are refused with their path', () => {
    const bad: Array<[unknown, RegExp]> = [
      [[], /must hold a JSON object/],
      [{ defaults: {} }, /unknown key "defaults"/],
      [{ buckets: { b: { region: 3 } } }, /buckets\.b\.region must be a non-empty string/],
      [{ buckets: { b: { forcePathStyle: 'yes' } } }, /forcePathStyle must be true or false/],
      [{ default: { accessKeyId: 'A' } }, /both accessKeyId and secretAccessKey/],
      [{ default: { endpoint: 'ftp://x' } }, /http\(s\) URL/],
    ];
    for (const [raw, why] of bad) {
      assert.throws(() => parseS3SettingsFile(raw, 'cfg.json'), (err: unknown) => err instanceof ConfigError && why.test(err.message));
    }
  });

  test('long listings are split into ranges on AWS S3 and OBS, page after page elsewhere, unless the settings say', () => {
    assert.equal(listConcurrencyFor({}), PARALLEL_LIST_RANGES);
    assert.equal(listConcurrencyFor({ endpoint: 'https://obs.cn-north-4.myhuaweicloud.com' }), PARALLEL_LIST_RANGES);
    assert.equal(listConcurrencyFor({ endpoint: 'https://s3.eu-west-1.amazonaws.com' }), PARALLEL_LIST_RANGES);
    assert.equal(listConcurrencyFor({ endpoint: 'http://127.0.0.1:9000' }), 1);
    assert.equal(listConcurrencyFor({ endpoint: 'https://notamazonaws.com.example' }), 1);
    assert.equal(listConcurrencyFor({ endpoint: 'http://10.0.0.5:9000', listConcurrency: 8 }), 8);
    assert.equal(listConcurrencyFor({ listConcurrency: 1 }), 1);
    const file = parseS3SettingsFile({ buckets: { minio: { endpoint: 'http://10.0.0.5:9000', listConcurrency: 8 } } }, 's3.json');
    assert.equal(bucketSettings(file, '', 'minio').listConcurrency, 8);
    for (const bad of [0, 65, 2.5, '8', null]) {
      assert.throws(() => parseS3SettingsFile({ default: { listConcurrency: bad } }, 's3.json'), /s3.json: default.listConcurrency must be an integer from 1 to 64/);
    }
  });

  test('VIZJOBS_S3_ENDPOINT must be an http(s) URL; VIZJOBS_S3_CONFIG is made absolute', () => {
    assert.throws(() => loadConfig({}, { VIZJOBS_S3_ENDPOINT: 'localhost:9000' }), ConfigError);
    const config = loadConfig({}, { VIZJOBS_S3_ENDPOINT: 'http://127.0.0.1:9000/', VIZJOBS_S3_CONFIG: 'conf/s3.json' });
    assert.equal(config.s3Endpoint, 'http://127.0.0.1:9000');
    assert.match(config.s3Config, /^\/.*conf\/s3\.json$/);
    assert.equal(loadConfig({}, {}).s3Config, '');
  });

  test('clients ask for checksums only when required, never retry inside the SDK, and use path style with an endpoint', () => {
    const withEndpoint = s3ClientConfig({ endpoint: 'http://127.0.0.1:9000' }, {});
    assert.equal(withEndpoint.requestChecksumCalculation, 'WHEN_REQUIRED');
    assert.equal(withEndpoint.responseChecksumValidation, 'WHEN_REQUIRED');
    assert.equal(withEndpoint.maxAttempts, 1);
    assert.equal(withEndpoint.forcePathStyle, true);
    assert.equal(withEndpoint.region, 'us-east-1');
    assert.equal(withEndpoint.credentials, undefined, 'no explicit keys: the SDK default chain applies');
    const aws = s3ClientConfig({}, { AWS_REGION: 'ap-southeast-1' });
    assert.equal(aws.forcePathStyle, undefined);
    assert.equal(aws.followRegionRedirects, true);
    assert.equal(withEndpoint.followRegionRedirects, undefined);
    assert.equal(aws.region, 'ap-southeast-1');
  });
});

describe('S3 error classes and retries', () => {
  test('refusals, missing buckets and transient failures are told apart', () => {
    const sdk = (name: string, status?: number): Error =>
      Object.assign(new Error(name), { name, $metadata: status === undefined ? {} : { httpStatusCode: status } });
    assert.equal(classifyS3Error(sdk('AccessDenied', 403)), 'access_denied');
    assert.equal(classifyS3Error(sdk('SignatureDoesNotMatch', 403)), 'access_denied');
    assert.equal(classifyS3Error(sdk('Unknown', 403)), 'access_denied');
    assert.equal(classifyS3Error(sdk('NoSuchBucket', 404)), 'no_such_bucket');
    assert.equal(classifyS3Error(sdk('SlowDown', 503)), 'transient');
    assert.equal(classifyS3Error(sdk('InternalError', 500)), 'transient');
    assert.equal(classifyS3Error(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })), 'transient');
    assert.equal(classifyS3Error(sdk('InvalidArgument', 400)), 'other');
  });

  test('backoff waits are drawn below a doubling, capped ceiling (full jitter) and attempts are bounded', async () => {
    const waits: number[] = [];
    let calls = 0;
    const transient = Object.assign(new Error('busy'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
    const draws = [1, 0.5, 0.999];
    const clock = {
      random: () => draws[waits.length],
      sleep: async (ms: number) => {
        waits.push(ms);
      },
    };
    const run = withRetry({ attempts: 4, baseDelayMs: 2, maxDelayMs: 5 }, 'testing', async () => {
      calls++;
      throw transient;
    }, clock);
    await assert.rejects(run, (err: unknown) => err instanceof StorageError && err.kind === 'unavailable' && /after 4 attempts/.test(err.message));
    assert.equal(calls, 4);
    // Ceilings 2, 4, then 8 capped to 5; each wait is the draw times its ceiling.
    assert.deepEqual(waits, [2, 2, 0.999 * 5]);
  });

  test('a refusal is not retried', async () => {
    let calls = 0;
    await assert.rejects(
      withRetry({ attempts: 5, baseDelayMs: 1, maxDelayMs: 1 }, 'testing', async () => {
        calls++;
        throw Object.assign(new Error('denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
      }),
      (err: unknown) => err instanceof StorageError && err.kind === 'access_denied',
    );
    assert.equal(calls, 1);
  });
});
