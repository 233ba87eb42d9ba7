// The reload's work list (read-queue.ts) and Logdir.prioritize on real files: the runs a page asks
// for during a first load are read next, and the promise says when they are.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStorage } from '../storage/local.js';
import { CountingStorage } from '../testing/viewer-app.js';
import { SummaryWriter } from '../writer/index.js';
import { openLogdir } from './index.js';
import { ReadQueue } from './read-queue.js';

interface Item {
  run: string;
  file: number;
}

const items = (spec: string): Item[] => spec.split(' ').map((s) => ({ run: s[0], file: Number(s.slice(1)) }));
const names = (q: ReadQueue<Item>): string => q.items.map((i) => `${i.run}${i.file}`).join(' ');

test('prioritized runs move ahead of the files not handed out, keep their own order, and queue behind earlier ones', () => {
  const q = new ReadQueue(items('a0 a1 b0 c0 c1 d0 b1 e0'), (i) => i.run);
  q.issue();
  q.issue(); // a0, a1 handed out: they stay where they are
  void q.prioritize(['c', 'b']);
  assert.equal(names(q), 'a0 a1 b0 c0 c1 b1 d0 e0');
  void q.prioritize(['e']);
  assert.equal(names(q), 'a0 a1 b0 c0 c1 b1 e0 d0');
  void q.prioritize(['a']); // nothing of a is left to move
  assert.equal(names(q), 'a0 a1 b0 c0 c1 b1 e0 d0');
});

test('a waiter resolves when the last file of its runs is read, at once when none is left, and on close', async () => {
  const q = new ReadQueue(items('a0 b0 a1 c0 d0'), (i) => i.run);
  const order: string[] = [];
  q.issue(); // a0 in flight
  const forA = q.prioritize(['a']).then(() => order.push('a'));
  const forD = q.prioritize(['d']).then(() => order.push('d'));
  assert.equal(names(q), 'a0 a1 d0 b0 c0');
  q.issue();
  q.finish(0);
  await Promise.resolve();
  assert.equal(order.length, 0); // a1 is still to come
  q.issue();
  q.finish(1);
  await forA;
  assert.deepEqual(order, ['a']);
  await q.prioritize(['a']); // all of a read: resolves at once
  const forC = q.prioritize(['c']).then(() => order.push('c'));
  q.close();
  await Promise.all([forC, forD]);
  assert.deepEqual(order.sort(), ['a', 'c', 'd']);
});

test('a waiter whose runs do not come in time leaves the queue', async () => {
  const q = new ReadQueue(items('a0 b0 c0'), (i) => i.run);
  const t0 = performance.now();
  await q.prioritize(['c'], 30);
  assert.ok(performance.now() - t0 >= 25);
  assert.equal(q.waiting, 0);
  const pending = q.prioritize(['c']); // no limit: waits for c0, then leaves
  assert.equal(q.waiting, 1);
  for (let i = 0; i < 3; i++) {
    q.issue();
    q.finish(i);
  }
  await pending;
  assert.equal(q.waiting, 0);
});

/** A directory of `runs` runs (run0, run1, …), each a 'loss' of `steps` steps; removed after the test. */
function sweep(t: { after: (fn: () => void) => void }, runs: number, steps: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'vizjobs-queue-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (let r = 0; r < runs; r++) {
    const w = new SummaryWriter(join(dir, `run${r}`), { now: () => 1000 + r });
    for (let step = 0; step < steps; step++) w.addScalar('loss', r + step, step, 1000 + step);
    w.close();
  }
  return dir;
}

test('a first load reads the runs it is asked for next, and says when they are in', async (t) => {
  const RUNS = 40;
  const dir = sweep(t, RUNS, 5);
  const runOf = (key: string): string => key.split('/')[0];
  // The order a load reads the runs in without being asked (the directory's listing order).
  const plain = new CountingStorage(new LocalStorage(dir));
  const plainOrder: string[] = [];
  plain.hold = { until: Promise.resolve(), held: (key) => (plainOrder.push(runOf(key)), false) };
  await openLogdir({ storage: plain, prefix: '' }).reload();
  assert.equal(plainOrder.length, RUNS);
  const wanted = plainOrder.slice(-2); // the two runs read last

  const storage = new CountingStorage(new LocalStorage(dir));
  const order: string[] = [];
  let release = (): void => undefined;
  // Every read waits until the test has asked for the runs: the load hands out its first files
  // (read ahead) and waits for them.
  storage.hold = { until: new Promise<void>((r) => (release = r)), held: (key) => (order.push(runOf(key)), true) };
  const logdir = openLogdir({ storage, prefix: '' });
  const events: string[] = [];
  const loaded = logdir.reload().then(() => events.push('load done'));
  while (!logdir.progress?.().listed) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 50)); // the read-ahead reads are waiting on the hold
  const ahead = order.length;
  assert.ok(ahead > 0 && ahead < RUNS - 2, `${ahead} reads handed out before the request`);
  const ready = (logdir.prioritize as (runs: string[]) => Promise<void>)(wanted).then(() => {
    events.push('wanted read');
    // Their series are there while the load goes on.
    for (const run of wanted) assert.equal(logdir.scalars(run, 'loss')?.length, 5);
  });
  release();
  await Promise.all([ready, loaded]);
  assert.deepEqual(events, ['wanted read', 'load done']);
  // Read right after those already handed out, where without the request they came last.
  assert.deepEqual(order.slice(ahead, ahead + 2).sort(), [...wanted].sort());
  assert.equal(order.length, RUNS);
});

test('a closed logdir stops its load at the next file and loads nothing more', async (t) => {
  const RUNS = 60;
  const dir = sweep(t, RUNS, 1);
  const storage = new CountingStorage(new LocalStorage(dir));
  let release = (): void => undefined;
  storage.hold = { until: new Promise<void>((r) => (release = r)), held: () => true };
  const logdir = openLogdir({ storage, prefix: '' });
  const loading = logdir.reload();
  while (!logdir.progress?.().listed) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 50));
  const ahead = storage.calls.read; // the read-ahead, waiting on the hold
  assert.ok(ahead > 0 && ahead < RUNS / 2, `${ahead} reads started`);
  (logdir.close as () => void)();
  release();
  const stats = await loading;
  assert.equal(stats.files, RUNS);
  assert.equal(storage.calls.read, ahead, 'no read started after close');
  assert.ok(logdir.runs().filter((r) => logdir.scalars(r.name, 'loss')).length < RUNS);
  await logdir.reload();
  assert.equal(storage.calls.list, 1, 'a closed logdir lists no more');
});
