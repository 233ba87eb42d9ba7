// parseTrainUrl: the contract's three forms are accepted; anything that could escape a bucket,
// name a local file, or is not a valid bucket or key is refused (a 400 at create).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTrainUrl, TrainUrlError } from './train-url.js';

test('the three train_url forms parse into scheme, bucket and a folder prefix', () => {
  assert.deepEqual(parseTrainUrl('/demo/pytorch-mlp/'), { scheme: 'default', bucket: 'demo', prefix: 'pytorch-mlp/' });
  assert.deepEqual(parseTrainUrl('obs://my-bucket/a/b'), { scheme: 'obs', bucket: 'my-bucket', prefix: 'a/b/' });
  assert.deepEqual(parseTrainUrl('S3://logs.example/'), { scheme: 's3', bucket: 'logs.example', prefix: '' });
  assert.deepEqual(parseTrainUrl('s3://logs'), { scheme: 's3', bucket: 'logs', prefix: '' });
  assert.deepEqual(parseTrainUrl('obs://b-1/运行 1/'), { scheme: 'obs', bucket: 'b-1', prefix: '运行 1/' });
});

test('invalid buckets, escaping or malformed keys and foreign schemes are refused', () => {
  const bad = [
    '',
    'demo/dir/',
    'file:///etc/',
    'http://bucket/dir/',
    '/ab/dir/',
    '/Upper/dir/',
    '/under_score/',
    '/-leading/',
    '/192.168.0.1/',
    '/a..b/',
    '/a.-b/',
    '/a-.b/',
    '/' + 'x'.repeat(64) + '/',
    '/demo/../etc/',
    '/demo/./x/',
    '/demo//x/',
    '//demo/x/',
    '/demo/x\\y/',
    '/demo/x\0/',
    '/demo/x\ny/',
    '/demo/\uD800/',
    's3://demo/' + 'k'.repeat(1100) + '/',
    'obs://C:/x/',
  ];
  for (const raw of bad) assert.throws(() => parseTrainUrl(raw), TrainUrlError, JSON.stringify(raw));
});
