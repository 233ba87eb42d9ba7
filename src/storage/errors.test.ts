// The one classification of storage failures: which are transient and which permanent, for fs
// errors, S3 answers and no answer at all; messages and reasons never carry a server path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStorage } from './local.js';
import { storageErrorKind, StorageError, toStorageError, trainUrlFailure, type StorageErrorKind } from './errors.js';

const fsError = (code: string, path = '/srv/vizjobs/data/obs/demo/x'): Error =>
  Object.assign(new Error(`${code}: something, open '${path}'`), { code, path });
const s3Error = (name: string, status?: number): Error =>
  Object.assign(new Error(`${name} at https://obs.example.com/bucket?X-Amz-Credential=AKIA…`), { name, $metadata: status === undefined ? {} : { httpStatusCode: status } });

test('storage failures are classified transient or permanent once, by kind', () => {
  const cases: [unknown, StorageErrorKind, 'transient' | 'permanent'][] = [
    [fsError('ENAMETOOLONG'), 'path_too_long', 'permanent'],
    [fsError('ELOOP'), 'symlink_loop', 'permanent'],
    [fsError('ENOTDIR'), 'not_a_directory', 'permanent'],
    [fsError('EACCES'), 'access_denied', 'permanent'],
    [fsError('EPERM'), 'access_denied', 'permanent'],
    [fsError('EIO'), 'unavailable', 'transient'],
    [fsError('EAGAIN'), 'unavailable', 'transient'],
    [fsError('EMFILE'), 'unavailable', 'transient'],
    [fsError('ENFILE'), 'unavailable', 'transient'],
    [s3Error('AccessDenied', 403), 'access_denied', 'permanent'],
    [s3Error('Whatever', 403), 'access_denied', 'permanent'],
    [s3Error('InvalidAccessKeyId', 403), 'access_denied', 'permanent'],
    [s3Error('NoSuchBucket', 404), 'no_such_bucket', 'permanent'],
    [s3Error('InvalidBucketName', 400), 'invalid_location', 'permanent'],
    [s3Error('SlowDown', 503), 'unavailable', 'transient'],
    [s3Error('TooManyRequests', 429), 'unavailable', 'transient'],
    [s3Error('Unknown', 429), 'unavailable', 'transient'],
    [s3Error('InternalError', 500), 'unavailable', 'transient'],
    [s3Error('TimeoutError'), 'unavailable', 'transient'],
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9000'), { code: 'ECONNREFUSED' }), 'unavailable', 'transient'],
    [new StorageError('unavailable', 'storage unavailable listing s3://b/x/, after 5 attempts'), 'unavailable', 'transient'],
  ];
  for (const [err, kind, retry] of cases) {
    assert.equal(storageErrorKind(err), kind, String(err));
    const se = toStorageError(err, 'listing x/');
    assert.equal(se.kind, kind);
    assert.equal(se.retry, retry, `${String(err)} is ${retry}`);
    assert.ok(!se.message.includes('/srv/') && !se.message.includes('obs.example.com') && !se.message.includes('AKIA'), se.message);
  }
});

test('a failure reason names the train_url as given and nothing of the server', () => {
  const url = '/demo/x/';
  assert.equal(trainUrlFailure(toStorageError(fsError('ELOOP'), 'reading x'), url), 'train_url /demo/x/ is a symlink loop');
  assert.equal(trainUrlFailure(toStorageError(fsError('ENAMETOOLONG'), 'reading x'), url), 'train_url /demo/x/ path too long for the storage');
  assert.equal(trainUrlFailure(toStorageError(fsError('EACCES'), 'reading x'), url), 'train_url /demo/x/ access denied (EACCES)');
  assert.equal(trainUrlFailure(toStorageError(s3Error('AccessDenied', 403), 'listing'), 's3://b/x/'), 'train_url s3://b/x/ access denied (AccessDenied: HTTP 403)');
});

test('LocalStorage reports a too-long path, a symlink loop and a file in the path by kind, naming keys in the bucket only', async () => {
  const root = await mkdtemp(join(tmpdir(), 'vizjobs-errors-'));
  try {
    const bucket = join(root, 'demo');
    await mkdir(bucket);
    await symlink('loop', join(bucket, 'loop'));
    await writeFile(join(bucket, 'file'), 'x');
    const s = new LocalStorage(bucket, root);
    const kindOf = async (p: Promise<unknown>): Promise<string> => {
      try {
        await p;
        return 'resolved';
      } catch (err) {
        assert.ok(err instanceof StorageError, String(err));
        assert.ok(!err.message.includes(root), `server path in ${err.message}`);
        return `${err.kind} ${err.retry}`;
      }
    };
    assert.equal(await kindOf(s.list(`${'x'.repeat(300)}/`)), 'path_too_long permanent');
    assert.equal(await kindOf(s.list('loop/')), 'symlink_loop permanent');
    assert.equal(await kindOf(s.list('loop/deeper/')), 'symlink_loop permanent');
    assert.equal(await kindOf(s.list('file/')), 'not_a_directory permanent');
    assert.equal(await kindOf(s.list('file/under/')), 'not_a_directory permanent');
    assert.equal(await kindOf(s.read('loop', 0, 1)), 'symlink_loop permanent');
    assert.equal(await s.stat('file/under'), null, 'stat: no such object');
    assert.deepEqual(await s.list('not-yet/'), [], 'missing is "no data yet", not an error');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
