import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStorage } from './local.js';
import { meteredStorage, type StorageMeter } from './metered.js';
import type { ObjectStorage } from './storage.js';

test('a metered listing passes the caller\'s pause through, so a long local walk still yields', async () => {
  const root = await mkdtemp(join(tmpdir(), 'vizjobs-metered-'));
  for (let i = 0; i < 100; i++) {
    await mkdir(join(root, `run${i}`));
    await writeFile(join(root, `run${i}`, 'events.out.tfevents.1'), 'x');
  }
  const ops: string[] = [];
  const meter: StorageMeter = { request: (op) => ops.push(op), bytes: () => undefined };
  let pauses = 0;
  const listed = await meteredStorage(new LocalStorage(root), meter).list('', {
    pause: async () => {
      pauses++;
    },
  });
  assert.equal(listed.length, 100);
  assert.deepEqual(ops, ['list']);
  // 200 entries (100 directories, 100 files) with a pause every 32: the pause was called.
  assert.ok(pauses >= 5, `pause called ${pauses} times`);
});

test('a metered storage keeps the inner storage\'s read concurrency, so an S3 load stays 64 wide', () => {
  const meter: StorageMeter = { request: () => undefined, bytes: () => undefined };
  const s3Like: ObjectStorage = {
    description: 's3://b',
    readConcurrency: 64,
    list: async () => [],
    stat: async () => null,
    read: async () => Buffer.alloc(0),
  };
  assert.equal(meteredStorage(s3Like, meter).readConcurrency, 64);
  assert.equal(meteredStorage(new LocalStorage(tmpdir()), meter).readConcurrency, undefined);
});
