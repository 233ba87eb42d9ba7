// CompositeLogdir over real directories: run names prefixed as --logdir_spec does (a part's root
// run is the part's name), one list in TensorBoard's order, each name resolved to its own part,
// and a problem's file named like the runs (`part/…`), never by the machine's path.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLogdir } from '../events/index.js';
import { SummaryWriter } from '../writer/index.js';
import { CompositeLogdir } from './composite.js';
import { localLocation, nameEntries, parseLogdirSpec } from './locate.js';

let root: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'vizjobs-composite-'));
  const a = new SummaryWriter(join(root, 'a'), { now: () => 100 });
  a.addScalar('loss', 1, 0, 100);
  a.close();
  const b = new SummaryWriter(join(root, 'b', 'sub'), { now: () => 50 });
  b.addScalar('loss', 2, 5, 50);
  b.close();
  await mkdir(join(root, 'b', 'bad'), { recursive: true });
  await writeFile(join(root, 'b', 'bad', 'events.out.tfevents.1.x'), Buffer.from('not a record at all, just bytes'));
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

it('prefixes runs, orders them as TensorBoard does and reads each from its part', async () => {
  const c = new CompositeLogdir([
    { name: 'first', logdir: openLogdir(localLocation(join(root, 'a'))) },
    { name: 'second', logdir: openLogdir(localLocation(join(root, 'b'))) },
  ]);
  await c.reload();
  // second/sub's first event (50) is older than first's (100); a run without events comes last.
  assert.deepEqual(c.runNames(), ['second/sub', 'first', 'second/bad']);
  assert.deepEqual(Array.from(c.scalars('first', 'loss')?.values ?? []), [1]);
  assert.deepEqual(Array.from(c.scalars('second/sub', 'loss')?.steps ?? []), [5]);
  assert.equal(c.scalars('second', 'loss'), undefined);
  assert.equal(c.run('nope/sub'), undefined);
  const problems = c.run('second/bad')?.problems ?? [];
  assert.ok(problems.length > 0);
  assert.equal(problems[0].file, 'second/bad/events.out.tfevents.1.x');
  assert.equal(c.stats().runs, 3);
  // What a tags answer lists: the runs holding the kind, prefixed, in the same order.
  assert.deepEqual([...c.tagsByRun('scalars')].map(([run, tags]) => [run, tags.map((t) => t.tag)]), [['second/sub', ['loss']], ['first', ['loss']]]);
  assert.deepEqual([...c.tagsByRun('images')], []);
});

it('parses --logdir_spec like TensorBoard and names bare paths after their last segment', () => {
  assert.deepEqual(parseLogdirSpec('x:/data/a,y:s3://b/c'), [
    { name: 'x', path: '/data/a' },
    { name: 'y', path: 's3://b/c' },
  ]);
  assert.deepEqual(parseLogdirSpec('s3://bucket/run1/,/tmp/run1'), [
    { name: 'run1', path: 's3://bucket/run1/' },
    { name: 'run1_2', path: '/tmp/run1' },
  ]);
  assert.deepEqual(nameEntries([{ name: undefined, path: 'runs' }]), [{ name: undefined, path: 'runs' }]);
});
