// MindSpore summaries through the engine: every kind written by the test writer (from the field
// numbers) reads back as the same columnar series; train jobs, file order and naming as MindInsight
// finds them; incremental reload; both formats in one directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStorage } from '../../storage/local.js';
import { MsSummaryWriter, msEvent, tinyGraphProto } from '../../testing/mindspore-writer.js';
import { encodeRecord } from '../../writer/record.js';
import { SummaryWriter } from '../../writer/index.js';
import { decodeMsTensor, openLogdir } from '../index.js';
import { compareEventFileKeys, isMindSporeSummaryKey } from './files.js';

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'vizjobs-ms-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function load(dir: string) {
  const logdir = openLogdir({ storage: new LocalStorage(dir), prefix: '' });
  await logdir.reload();
  return logdir;
}

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
let clock = 1_700_000_000;
const now = (): number => clock;

test('every MindSpore value kind reads back as the series it was written as', async (t) => {
  const dir = tmp(t);
  const w = new MsSummaryWriter(dir, { now, timestamp: 1_700_000_000 });
  w.addGraph(tinyGraphProto('train_network'), 1_700_000_000.5);
  for (let step = 1; step <= 5; step++) {
    w.addScalar('loss', 1 / step);
    w.addScalar('acc', step / 10);
    w.addImage('input_data/auto', PNG, 4, 3);
    w.addHistogram('conv1.weight/auto', [step, step + 1, step + 2, step * 2], 4);
    w.addTensor('feature', [2, 2], [step, -step, 0.5, 1.5]);
    w.record(step, 1_700_000_001 + step);
  }
  w.close();
  const logdir = await load(dir);
  assert.deepEqual(logdir.runNames(), ['.']);
  const run = logdir.run('.');
  assert.ok(run);
  assert.deepEqual(run.problems, []);
  assert.equal(run.firstWallTime, 1_700_000_000);

  const loss = logdir.scalars('.', 'loss');
  assert.ok(loss);
  assert.deepEqual([...loss.steps], [1, 2, 3, 4, 5]);
  assert.deepEqual([...loss.values], [1, 2, 3, 4, 5].map((s) => Math.fround(1 / s)));
  assert.deepEqual([...loss.wallTimes], [1, 2, 3, 4, 5].map((s) => 1_700_000_001 + s));
  assert.deepEqual([...(logdir.scalars('.', 'acc')?.values ?? [])], [1, 2, 3, 4, 5].map((s) => Math.fround(s / 10)));

  const images = logdir.images('.', 'input_data/auto');
  assert.ok(images);
  assert.equal(images.length, 5);
  assert.equal(images.blobs[0][0].width, 4);
  assert.equal(images.blobs[0][0].height, 3);
  assert.deepEqual(await logdir.readBlob(images.blobs[4][0]), PNG);

  const h = logdir.histograms('.', 'conv1.weight/auto');
  assert.ok(h);
  // step 1: values 1, 2, 3, 2 over [1, 3] in 4 buckets of 0.5: counts 1, 0, 2, 1.
  assert.deepEqual([...h.buckets[0]], [1, 1.5, 1, 1.5, 2, 0, 2, 2.5, 2, 2.5, 3, 1]);
  assert.equal(h.steps[4], 5);

  const tensors = logdir.tensors('.', 'feature');
  assert.ok(tensors);
  const bytes = await logdir.readBlob(tensors.tensors[2]);
  const d = decodeMsTensor(bytes, 0, bytes.length);
  assert.deepEqual(d.dims, [2, 2]);
  assert.equal(d.dataType, 11);
  assert.deepEqual([...d.values], [3, -3, 0.5, 1.5]);

  // The graph is a series named as MindInsight names it: the file's name.
  const graphTag = run.tags.find((x) => x.metadata.mindinsightPlugin === 'graph');
  assert.ok(graphTag);
  assert.equal(graphTag.tag, 'events.out.events.summary.1700000000.0.worker-01_MS');
  const g = logdir.tensors('.', graphTag.tag);
  assert.deepEqual(await logdir.readBlob(g!.tensors[0]), Buffer.from(tinyGraphProto('train_network')));

  // MindInsight's names are the series' display names.
  const names = Object.fromEntries(run.tags.map((x) => [x.tag, [x.kind, x.metadata.displayName, x.metadata.mindinsightPlugin]]));
  assert.deepEqual(names.loss, ['scalars', 'loss/scalar', 'scalar']);
  assert.deepEqual(names['input_data/auto'], ['images', 'input_data/auto/image', 'image']);
  assert.deepEqual(names['conv1.weight/auto'], ['histograms', 'conv1.weight/auto/histogram', 'histogram']);
  assert.deepEqual(names.feature, ['tensors', 'feature/tensor', 'tensor']);
});

test('one tag as a scalar and as a histogram: two series, the second under its MindInsight name', async (t) => {
  const dir = tmp(t);
  const w = new MsSummaryWriter(dir, { now });
  for (let step = 0; step < 3; step++) {
    w.addScalar('w', step);
    w.addHistogram('w', [step, step + 1], 2);
    w.record(step, 10 + step);
  }
  w.close();
  const logdir = await load(dir);
  assert.deepEqual([...(logdir.scalars('.', 'w')?.values ?? [])], [0, 1, 2]);
  const h = logdir.histograms('.', 'w/histogram');
  assert.equal(h?.length, 3);
  assert.equal(logdir.run('.')?.tags.find((x) => x.tag === 'w/histogram')?.metadata.displayName, 'w/histogram');
  assert.deepEqual(logdir.run('.')?.problems, []);
});

test('a step not greater than a tag\'s last starts the tag again from there (MindInsight\'s purge)', async (t) => {
  const dir = tmp(t);
  const w = new MsSummaryWriter(dir, { now });
  for (const step of [1, 2, 3, 4, 2, 3]) {
    w.addScalar('loss', step * 10);
    w.record(step, step);
  }
  w.close();
  const s = (await load(dir)).scalars('.', 'loss');
  assert.deepEqual([...(s?.steps ?? [])], [1, 2, 3]);
  assert.deepEqual([...(s?.values ?? [])], [10, 20, 30]);
});

test('train jobs as MindInsight finds them: the directory and its direct sub-directories; lineage, explain and deeper files set aside', async (t) => {
  const dir = tmp(t);
  const write = (sub: string, opts: { suffix?: string; timestamp?: number } = {}, value = 1): string => {
    const w = new MsSummaryWriter(join(dir, sub), { now, ...opts });
    w.addScalar('loss', value);
    w.record(1, 1);
    w.close();
    return w.path;
  };
  write('');
  write('job_a');
  write('job_b');
  write('job_a/deeper');
  // A lineage file: other records, set aside by name.
  write('job_c', { suffix: '_lineage' });
  write('job_d', { suffix: '_explain' });
  const logdir = await load(dir);
  assert.deepEqual(logdir.runNames().sort(), ['.', 'job_a', 'job_b']);
  assert.equal(isMindSporeSummaryKey('', 'a/b/events.out.events.summary.1.0.h_MS'), false);
  assert.equal(isMindSporeSummaryKey('', 'a/events.out.events.summary.1.0.h_MS'), true);
  assert.equal(isMindSporeSummaryKey('', 'a/x.summary.1_lineage'), false);
  assert.equal(isMindSporeSummaryKey('', 'events.summary.123'), true);
});

test('files of a train job are read in the order of the timestamp in their names, not their names', async (t) => {
  const dir = tmp(t);
  // By name, "9" sorts after "10"; by timestamp it is first. Each file writes steps after the previous.
  const a = new MsSummaryWriter(dir, { now, timestamp: 9, prefix: 'b' });
  a.addScalar('loss', 1);
  a.record(1, 1);
  a.close();
  const b = new MsSummaryWriter(dir, { now, timestamp: 10, prefix: 'a' });
  b.addScalar('loss', 2);
  b.record(2, 2);
  b.close();
  const s = (await load(dir)).scalars('.', 'loss');
  // Read in name order, step 2 then step 1 would purge step 2.
  assert.deepEqual([...(s?.steps ?? [])], [1, 2]);
  const keys = ['x.summary.10', 'y.summary.9', 'events.out.tfevents.5', 'b.summary.9', 'a.summary.9'];
  assert.deepEqual(keys.sort(compareEventFileKeys), ['events.out.tfevents.5', 'y.summary.9', 'b.summary.9', 'a.summary.9', 'x.summary.10']);
});

test('a growing summary is read incrementally: each reload reads only new bytes, a half-written record waits', async (t) => {
  const dir = tmp(t);
  const w = new MsSummaryWriter(dir, { now, timestamp: 1 });
  w.addScalar('loss', 0);
  w.record(0, 0);
  w.flush();
  const logdir = openLogdir({ storage: new LocalStorage(dir), prefix: '' });
  const first = await logdir.reload();
  assert.equal(first.records, 2);
  const size1 = readFileSync(w.path).length;
  const rec = encodeRecord(msEvent.summary(1, 1, [{ tag: 'loss', scalar: 1 }]));
  appendFileSync(w.path, rec.subarray(0, 10));
  const second = await logdir.reload();
  assert.equal(second.records, 0);
  assert.equal(logdir.scalars('.', 'loss')?.length, 1);
  appendFileSync(w.path, rec.subarray(10));
  const third = await logdir.reload();
  assert.equal(third.records, 1);
  assert.equal(third.bytesRead, rec.length);
  assert.deepEqual([...(logdir.scalars('.', 'loss')?.steps ?? [])], [0, 1]);
  assert.equal(readFileSync(w.path).length, size1 + rec.length);
  const unchanged = await logdir.reload();
  assert.equal(unchanged.bytesRead, 0);
  w.close();
});

test('a directory holding both formats: TensorBoard runs and MindSpore train jobs side by side', async (t) => {
  const dir = tmp(t);
  const tb = new SummaryWriter(join(dir, 'tb'), { now: () => 5 });
  tb.addScalar('loss', 0.5, 3, 5);
  tb.close();
  const ms = new MsSummaryWriter(join(dir, 'ms'), { now });
  ms.addScalar('loss', 0.25);
  ms.record(7, 6);
  ms.close();
  mkdirSync(join(dir, 'mixed'));
  const both = new SummaryWriter(join(dir, 'mixed'), { now: () => 5 });
  both.addScalar('tb_loss', 1, 1, 5);
  both.close();
  const m2 = new MsSummaryWriter(join(dir, 'mixed'), { now });
  m2.addScalar('ms_loss', 2);
  m2.record(1, 6);
  m2.close();
  const logdir = await load(dir);
  assert.deepEqual(logdir.runNames().sort(), ['mixed', 'ms', 'tb']);
  assert.deepEqual([...(logdir.scalars('tb', 'loss')?.values ?? [])], [0.5]);
  assert.deepEqual([...(logdir.scalars('ms', 'loss')?.values ?? [])], [0.25]);
  assert.deepEqual(logdir.run('mixed')?.tags.map((x) => x.tag), ['ms_loss', 'tb_loss']);
  assert.equal(logdir.run('mixed')?.tags.find((x) => x.tag === 'tb_loss')?.metadata.mindinsightPlugin, undefined);
});

test('damage: a corrupt record is skipped and reported, a corrupt length stops the file, the prefix is kept', async (t) => {
  const dir = tmp(t);
  const w = new MsSummaryWriter(dir, { now, timestamp: 1 });
  for (let step = 0; step < 4; step++) {
    w.addScalar('loss', step);
    w.record(step, step);
  }
  w.close();
  const bytes = readFileSync(w.path);
  // Flip a byte inside the third summary record's payload (data CRC), and garbage after the end.
  const recLen = encodeRecord(msEvent.summary(0, 0, [{ tag: 'loss', scalar: 0 }])).length;
  const versionLen = encodeRecord(msEvent.version(clock)).length;
  const damaged = Buffer.from(bytes);
  damaged[versionLen + 2 * recLen + 14] ^= 0xff;
  writeFileSync(w.path, Buffer.concat([damaged, Buffer.from('not a record at all, but long enough')]));
  const logdir = await load(dir);
  assert.deepEqual([...(logdir.scalars('.', 'loss')?.steps ?? [])], [0, 1, 3]);
  const kinds = logdir.run('.')?.problems.map((p) => p.kind).sort();
  assert.deepEqual(kinds, ['data_crc', 'length_crc']);
});

test('a malformed event body is a decode problem of its record; the others are kept', async (t) => {
  const dir = tmp(t);
  const w = new MsSummaryWriter(dir, { now, timestamp: 1 });
  w.addScalar('loss', 1);
  w.record(1, 1);
  // Summary field with a length past the end of the event.
  w.writePayload(Buffer.from([0x09, 0, 0, 0, 0, 0, 0, 0, 0, 0x2a, 0x7f, 0x0a]));
  // A tensor whose dims claim 6 values but holds 2: kept as [2], reported as a shape problem.
  w.writePayload(msEvent.summary(2, 2, [{ tag: 't', tensor: { dims: [2, 3], values: [1, 2] } }]));
  w.addScalar('loss', 3);
  w.record(3, 3);
  w.close();
  const logdir = await load(dir);
  assert.deepEqual([...(logdir.scalars('.', 'loss')?.steps ?? [])], [1, 3]);
  const problems = logdir.run('.')?.problems ?? [];
  assert.deepEqual(problems.map((p) => p.kind).sort(), ['decode', 'shape']);
  assert.equal(logdir.tensors('.', 't')?.length, 1);
});

test('the same tag written by TensorBoard and by MindSpore in one run is one series, whichever came first', async (t) => {
  const dir = tmp(t);
  const tb = new SummaryWriter(dir, { now: () => 5 });
  tb.addScalar('loss', 1, 1, 5);
  tb.addScalar('later', 1, 1, 5);
  tb.close();
  const ms = new MsSummaryWriter(dir, { now, timestamp: 10 });
  ms.addScalar('loss', 2);
  ms.record(2, 6);
  ms.close();
  const logdir = await load(dir);
  assert.deepEqual([...(logdir.scalars('.', 'loss')?.steps ?? [])], [1, 2]);
  assert.deepEqual(logdir.run('.')?.tags.map((x) => x.tag), ['later', 'loss']);
  assert.deepEqual(logdir.run('.')?.problems, []);
});
