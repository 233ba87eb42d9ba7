import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile, symlink, appendFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStorage, localSyncState } from './local.js';
import { StorageError } from './storage.js';

async function tree(): Promise<{ root: string; outside: string }> {
  const base = await mkdtemp(join(tmpdir(), 'vizjobs-local-'));
  const root = join(base, 'bucket');
  const outside = join(base, 'outside');
  await mkdir(join(root, 'exp', 'run1'), { recursive: true });
  await mkdir(outside, { recursive: true });
  await writeFile(join(root, 'exp', 'run1', 'events.out.tfevents.1.h.1.0'), 'abc');
  await writeFile(join(root, 'exp', 'top.txt'), 'x');
  await writeFile(join(root, 'other.txt'), 'y');
  await writeFile(join(outside, 'secret'), 'secret');
  return { root, outside };
}

test('lists every object under a prefix recursively, in key order', async () => {
  const { root } = await tree();
  const s = new LocalStorage(root);
  const keys = (await s.list('exp/')).map((o) => o.key);
  assert.deepEqual(keys, ['exp/run1/events.out.tfevents.1.h.1.0', 'exp/top.txt']);
  assert.deepEqual((await s.list('')).map((o) => o.key), ['exp/run1/events.out.tfevents.1.h.1.0', 'exp/top.txt', 'other.txt']);
});

test('a prefix that does not exist yet lists nothing instead of failing', async () => {
  const { root } = await tree();
  assert.deepEqual(await new LocalStorage(root).list('not/yet/'), []);
  assert.deepEqual(await new LocalStorage(join(root, 'missing-bucket')).list(''), []);
});

test('reads byte ranges and returns a short read at the end of a growing file', async () => {
  const { root } = await tree();
  const s = new LocalStorage(root);
  const key = 'exp/run1/events.out.tfevents.1.h.1.0';
  assert.equal((await s.read(key, 1, 10)).toString(), 'bc');
  await appendFile(join(root, key), 'def');
  assert.equal((await s.read(key, 3, 10)).toString(), 'def');
  assert.equal((await s.stat(key))?.size, 6);
});

test('a symlink out of the root is never followed when listing', async () => {
  const { root, outside } = await tree();
  await symlink(outside, join(root, 'exp', 'escape'));
  const keys = (await new LocalStorage(root).list('exp/')).map((o) => o.key);
  assert.ok(!keys.some((k) => k.includes('secret')), `listed ${keys.join(', ')}`);
});

test('a prefix or key that resolves outside the root is refused as access denied', async () => {
  const { root, outside } = await tree();
  await symlink(outside, join(root, 'linked'));
  const s = new LocalStorage(root);
  await assert.rejects(s.list('linked/'), (e: unknown) => e instanceof StorageError && e.kind === 'access_denied');
  await assert.rejects(s.read('linked/secret', 0, 6), (e: unknown) => e instanceof StorageError && e.kind === 'access_denied');
  await assert.rejects(s.read('../outside/secret', 0, 6), (e: unknown) => e instanceof StorageError);
});

test('a bucket directory that is a symlink out of the storage root is refused', async () => {
  const { root, outside } = await tree();
  const obsRoot = join(root, '..', 'obs');
  await mkdir(obsRoot, { recursive: true });
  await symlink(outside, join(obsRoot, 'evil'));
  const s = new LocalStorage(join(obsRoot, 'evil'), obsRoot);
  await assert.rejects(s.list(''), (e: unknown) => e instanceof StorageError && e.kind === 'access_denied');
  await assert.rejects(s.read('secret', 0, 6), (e: unknown) => e instanceof StorageError && e.kind === 'access_denied');
  // The same directory reached through the real root is fine.
  assert.deepEqual((await new LocalStorage(outside, join(root, '..')).list('')).map((o) => o.key), ['secret']);
});

test('an opened reader reads ranges into the caller buffer, short at the end, and refuses escaping keys', async () => {
  const { root, outside } = await tree();
  await symlink(outside, join(root, 'linked'));
  const s = new LocalStorage(root);
  const key = 'exp/run1/events.out.tfevents.1.h.1.0';
  const r = await s.openReader(key);
  const target = Buffer.alloc(8, '.');
  assert.equal(await r.readInto(target, 2, 6, 1), 2);
  assert.equal(target.toString(), '..bc....');
  await appendFile(join(root, key), 'def');
  assert.equal(await r.readInto(target, 0, 3, 3), 3); // the open file sees what was appended
  assert.equal(target.subarray(0, 3).toString(), 'def');
  await r.close();
  await assert.rejects(s.openReader('linked/secret'), (e: unknown) => e instanceof StorageError && e.kind === 'access_denied');
  await assert.rejects(s.openReader('exp/none'), (e: unknown) => e instanceof StorageError && e.kind === 'unavailable');
});

test('probe answers for a prefix without walking it, and fails where list fails', async () => {
  const { root, outside } = await tree();
  const s = new LocalStorage(root);
  await s.probe('exp/');
  await s.probe('not/yet/'); // nothing there yet is no data, not an error
  await symlink(outside, join(root, 'escape'));
  await assert.rejects(s.probe('escape/'), (e: unknown) => e instanceof StorageError && !e.transient);
  await symlink('loop', join(root, 'loop'));
  await assert.rejects(s.probe('loop/'), (e: unknown) => e instanceof StorageError && !e.transient);
  await assert.rejects(s.probe('other.txt/'), (e: unknown) => e instanceof StorageError && !e.transient);
});

test('synchronous calls (a fast disk) and the thread pool (a slow one) list, read and refuse alike', async () => {
  const { root, outside } = await tree();
  await symlink(join(outside, 'secret'), join(root, 'exp', 'run1', 'link-out'));
  await symlink(join(root, 'exp'), join(root, 'exp', 'run1', 'loop'));
  for (let d = 0; d < 40; d++) {
    await mkdir(join(root, 'exp', 'many', `d${d}`), { recursive: true });
    await writeFile(join(root, 'exp', 'many', `d${d}`, 'events.out.tfevents.1.h'), `run ${d}`);
  }
  const s = new LocalStorage(root);
  const answers = [];
  let pauses = 0;
  try {
    for (const slow of [false, true]) {
      localSyncState(slow);
      assert.equal(localSyncState(), !slow);
      const listed = await s.list('exp/', { pause: async () => void pauses++ });
      const read = await s.read('exp/many/d7/events.out.tfevents.1.h', 4, 100);
      const refused = await s.read('exp/run1/link-out', 0, 10).then(
        () => 'read',
        (err: unknown) => (err instanceof StorageError ? err.kind : String(err)),
      );
      answers.push({ listed, read: read.toString(), refused });
    }
  } finally {
    localSyncState(false);
  }
  assert.deepEqual(answers[1], answers[0]);
  assert.equal(answers[0].read, '7');
  assert.equal(answers[0].refused, 'access_denied');
  const keys = answers[0].listed.map((o) => o.key);
  assert.equal(keys.filter((k) => k.startsWith('exp/many/')).length, 40);
  assert.ok(keys.includes('exp/run1/events.out.tfevents.1.h.1.0'));
  assert.ok(!keys.some((k) => k.includes('/loop/')), 'a link back up the tree is walked once');
  assert.ok(!keys.some((k) => k.endsWith('link-out')), 'a link out of the root is not listed');
  assert.ok(pauses > 0, 'a synchronous walk gives the caller its pauses');
});

test('a FIFO never holds the event loop at open, inside the root or behind a link out of it', async () => {
  const { root, outside } = await tree();
  execFileSync('mkfifo', [join(outside, 'pipe')]);
  execFileSync('mkfifo', [join(root, 'exp', 'run1', 'events.out.tfevents.2.pipe')]);
  await symlink(join(outside, 'pipe'), join(root, 'exp', 'run1', 'pipe-out'));
  const s = new LocalStorage(root);
  // A blocking open of a FIFO with no writer would never return (and nothing else would run).
  await assert.rejects(s.read('exp/run1/pipe-out', 0, 10), (e: unknown) => e instanceof StorageError && e.kind === 'access_denied');
  const inside = await s.read('exp/run1/events.out.tfevents.2.pipe', 0, 10).then((b) => b.length, (e: unknown) => (e instanceof StorageError ? e.kind : String(e)));
  assert.ok(inside === 0 || typeof inside === 'string', `a FIFO reads as empty or fails, never hangs: ${String(inside)}`);
  assert.ok(!(await s.list('exp/')).some((o) => o.key.includes('pipe')), 'a FIFO is not an object');
});

test('the file checked is the file read: a directory swapped for a link out of the root after listing is refused', async () => {
  const { root, outside } = await tree();
  const s = new LocalStorage(root);
  assert.deepEqual((await s.list('exp/run1/')).map((o) => o.key), ['exp/run1/events.out.tfevents.1.h.1.0']);
  await writeFile(join(outside, 'events.out.tfevents.1.h.1.0'), 'secret');
  await rename(join(root, 'exp', 'run1'), join(root, 'exp', 'run1.old'));
  await symlink(outside, join(root, 'exp', 'run1'));
  for (const slow of [false, true]) {
    localSyncState(slow);
    try {
      await assert.rejects(s.read('exp/run1/events.out.tfevents.1.h.1.0', 0, 6), (e: unknown) => e instanceof StorageError && e.kind === 'access_denied');
    } finally {
      localSyncState(false);
    }
  }
});

test('a walk with maxEntries stops after that many entries (directories count), the same ones each time, and says it was cut', async () => {
  const { root } = await tree();
  for (let d = 0; d < 60; d++) {
    await mkdir(join(root, 'wide', `d${d}`), { recursive: true });
    await writeFile(join(root, 'wide', `d${d}`, 'events.out.tfevents.1.h'), `run ${d}`);
  }
  const s = new LocalStorage(root);
  try {
    for (const slow of [false, true]) {
      localSyncState(slow);
      let cuts = 0;
      const first = await s.list('wide/', { maxEntries: 25, truncated: () => cuts++ });
      // 25 entries. Synchronously the walk is depth first: about half directories, half their
      // files. Through the thread pool it is breadth first: the directories may take them all.
      assert.ok(first.length <= 13 && (slow || first.length >= 12), `${first.length} objects`);
      assert.equal(cuts, 1);
      assert.deepEqual(first.map((o) => o.key), [...first.map((o) => o.key)].sort());
      if (!slow) assert.deepEqual(await s.list('wide/', { maxEntries: 25 }), first, 'an unchanged directory is cut at the same place');
      let none = 0;
      assert.equal((await s.list('wide/', { maxEntries: 121, truncated: () => none++ })).length, 60);
      assert.equal(none, 0, 'a walk that fits is not cut');
    }
  } finally {
    localSyncState(false);
  }
});
