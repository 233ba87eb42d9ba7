// Incremental reload and damaged input, on real files: growing files are read to their end exactly
// once, unchanged directories cost one listing and no reads, and damage is reported per run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStorage } from '../storage/local.js';
import type { ObjectInfo, ObjectStorage } from '../storage/storage.js';
import { EventEncoder } from '../writer/index.js';
import { openLogdir } from './index.js';

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'vizjobs-reload-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Storage that counts calls: the reload contract is about how many requests S3 would see. */
class CountingStorage implements ObjectStorage {
  calls = { list: 0, stat: 0, read: 0, readBytes: 0 };
  constructor(private readonly inner: ObjectStorage) {}
  get description(): string {
    return this.inner.description;
  }
  list(prefix: string): Promise<ObjectInfo[]> {
    this.calls.list++;
    return this.inner.list(prefix);
  }
  stat(key: string): Promise<ObjectInfo | null> {
    this.calls.stat++;
    return this.inner.stat(key);
  }
  async read(key: string, offset: number, length: number): Promise<Buffer> {
    this.calls.read++;
    const b = await this.inner.read(key, offset, length);
    this.calls.readBytes += b.length;
    return b;
  }
}

function records(n: number, from = 0): Buffer[] {
  const enc = new EventEncoder('tf1');
  const out = [enc.fileVersion(1)];
  for (let i = from; i < from + n; i++) out.push(enc.scalar('x', i * 0.5, i, 100 + i));
  return from === 0 ? out : out.slice(1);
}

const FILE = 'events.out.tfevents.0000000001.host.1.0';

test('a file that grows between reloads, even mid-record, is read to its end exactly once', async (t) => {
  const dir = tmp(t);
  const path = join(dir, FILE);
  writeFileSync(path, Buffer.concat(records(10)));
  const storage = new CountingStorage(new LocalStorage(dir));
  const logdir = openLogdir({ storage, prefix: '' });
  await logdir.reload();
  assert.equal(logdir.scalars('.', 'x')?.length, 10);

  const more = Buffer.concat(records(5, 10));
  appendFileSync(path, more.subarray(0, 30)); // half a record: not an error, read later
  await logdir.reload();
  assert.equal(logdir.scalars('.', 'x')?.length, 10);
  assert.deepEqual(logdir.run('.')?.problems, []);

  appendFileSync(path, more.subarray(30));
  const stats = await logdir.reload();
  const s = logdir.scalars('.', 'x');
  assert.deepEqual([...(s?.steps ?? [])], Array.from({ length: 15 }, (_, i) => i));
  assert.equal(stats.records, 5);
  assert.deepEqual(logdir.run('.')?.problems, []);
  assert.equal(storage.calls.stat, 0);
  assert.equal(storage.calls.list, 3);
});

test('reloading an unchanged directory lists once and reads nothing', async (t) => {
  const dir = tmp(t);
  for (let r = 0; r < 3; r++) {
    const sub = join(dir, `run${r}`);
    const enc = new EventEncoder('tf1');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(sub);
    writeFileSync(join(sub, FILE), Buffer.concat([enc.fileVersion(1), enc.scalar('a', 1, 1, 1)]));
  }
  const storage = new CountingStorage(new LocalStorage(dir));
  const logdir = openLogdir({ storage, prefix: '' });
  await logdir.reload();
  const before = { ...storage.calls };
  const stats = await logdir.reload();
  assert.equal(storage.calls.list, before.list + 1);
  assert.equal(storage.calls.read, before.read);
  assert.equal(storage.calls.stat, 0);
  assert.equal(stats.bytesRead, 0);
  assert.equal(logdir.runs().length, 3);
});

test('a reload while one is in flight joins it', async (t) => {
  const dir = tmp(t);
  writeFileSync(join(dir, FILE), Buffer.concat(records(3)));
  const storage = new CountingStorage(new LocalStorage(dir));
  const logdir = openLogdir({ storage, prefix: '' });
  const [a, b] = await Promise.all([logdir.reload(), logdir.reload()]);
  assert.equal(a, b);
  assert.equal(storage.calls.list, 1);
  assert.equal(logdir.scalars('.', 'x')?.length, 3);
});

test('an object replaced by a shorter one is read again from the start', async (t) => {
  const dir = tmp(t);
  const path = join(dir, FILE);
  writeFileSync(path, Buffer.concat(records(20)));
  const logdir = openLogdir({ storage: new LocalStorage(dir), prefix: '' });
  await logdir.reload();
  rmSync(path);
  writeFileSync(path, Buffer.concat(records(4)));
  await logdir.reload();
  assert.deepEqual([...(logdir.scalars('.', 'x')?.steps ?? [])], [0, 1, 2, 3]);
});

test('a bad data CRC skips that record only and is reported with its offset', async (t) => {
  const dir = tmp(t);
  const recs = records(6);
  const bad = 3; // third scalar record
  const offset = recs.slice(0, bad).reduce((a, r) => a + r.length, 0);
  const file = Buffer.concat(recs);
  file[offset + 14] ^= 0x01;
  writeFileSync(join(dir, FILE), file);
  const logdir = openLogdir({ storage: new LocalStorage(dir), prefix: '' });
  await logdir.reload();
  assert.deepEqual([...(logdir.scalars('.', 'x')?.steps ?? [])], [0, 1, 3, 4, 5]);
  assert.deepEqual(
    logdir.run('.')?.problems.map((p) => [p.file, p.offset, p.kind]),
    [[FILE, offset, 'data_crc']],
  );
  // Reloading does not report it twice.
  await logdir.reload();
  assert.equal(logdir.run('.')?.problems.length, 1);
  assert.equal(logdir.stats().problems, 1);
});

test('without checksum verification the same damaged record is read (verification is what skips it)', async (t) => {
  const dir = tmp(t);
  const recs = records(3);
  const file = Buffer.concat(recs);
  file[file.length - 1] ^= 0xff; // the last record's data CRC itself
  writeFileSync(join(dir, FILE), file);
  const off = openLogdir({ storage: new LocalStorage(dir), prefix: '' }, { verifyChecksums: false });
  await off.reload();
  assert.equal(off.scalars('.', 'x')?.length, 3);
  const on = openLogdir({ storage: new LocalStorage(dir), prefix: '' });
  await on.reload();
  assert.equal(on.scalars('.', 'x')?.length, 2);
});

test('a bad length CRC stops that file with a reported problem; other files go on', async (t) => {
  const dir = tmp(t);
  const recs = records(6);
  const offset = recs.slice(0, 4).reduce((a, r) => a + r.length, 0);
  const file = Buffer.concat(recs);
  file[offset] ^= 0x40;
  writeFileSync(join(dir, FILE), file);
  writeFileSync(join(dir, FILE.replace(/0$/, '1')), Buffer.concat(records(10, 100)));
  const logdir = openLogdir({ storage: new LocalStorage(dir), prefix: '' });
  await logdir.reload();
  const steps = [...(logdir.scalars('.', 'x')?.steps ?? [])];
  assert.deepEqual(steps.slice(0, 3), [0, 1, 2]);
  assert.equal(steps.length, 13);
  assert.deepEqual(
    logdir.run('.')?.problems.map((p) => [p.offset, p.kind]),
    [[offset, 'length_crc']],
  );
});

test('an absurd length with a valid length CRC is corruption, not a record to wait for', async (t) => {
  const dir = tmp(t);
  const good = Buffer.concat(records(2));
  const header = Buffer.alloc(12);
  header.writeUInt32LE(0, 0);
  header.writeUInt32LE(7, 4); // 7 × 2^32 bytes
  const { maskedCrc32c } = await import('./crc32c.js');
  header.writeUInt32LE(maskedCrc32c(header, 0, 8), 8);
  writeFileSync(join(dir, FILE), Buffer.concat([good, header, Buffer.alloc(100)]));
  const logdir = openLogdir({ storage: new LocalStorage(dir), prefix: '' });
  await logdir.reload();
  assert.equal(logdir.scalars('.', 'x')?.length, 2);
  assert.deepEqual(
    logdir.run('.')?.problems.map((p) => [p.offset, p.kind]),
    [[good.length, 'corrupt_length']],
  );
});

test('runs are ordered by first event wall time, then name; run names are directories relative to the prefix', async (t) => {
  const dir = tmp(t);
  const { mkdirSync } = await import('node:fs');
  const put = (sub: string, wall: number): void => {
    mkdirSync(join(dir, 'logs', sub), { recursive: true });
    const enc = new EventEncoder();
    writeFileSync(join(dir, 'logs', sub, FILE), Buffer.concat([enc.fileVersion(wall), enc.scalar('a', 1, 0, wall)]));
  };
  put('b', 5);
  put('a', 5);
  put('z/deep', 1);
  put('', 9);
  writeFileSync(join(dir, 'logs', 'notes.txt'), 'not an event file');
  const logdir = openLogdir({ storage: new LocalStorage(dir), prefix: 'logs/' });
  await logdir.reload();
  assert.deepEqual(
    logdir.runs().map((r) => r.name),
    ['z/deep', 'a', 'b', '.'],
  );
  assert.ok(readFileSync(join(dir, 'logs', 'notes.txt')));
});
