// Writer → reader round trips for every kind, in both encodings, through real files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStorage } from '../storage/local.js';
import { EventEncoder, SummaryWriter, type WriterStyle } from '../writer/index.js';
import { decodeTensorProto, openLogdir } from './index.js';

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'vizjobs-events-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A 1×1 PNG (valid header; the reader only needs the IHDR size). */
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000002000000030806000000' + '9d1ad6b30000000d49444154789c63600000000200016d0a2db40000000049454e44ae426082',
  'hex',
);
const WAV = Buffer.concat([Buffer.from('RIFF....WAVEfmt '), Buffer.alloc(40, 7)]);

for (const style of ['tf1', 'tf2'] as WriterStyle[]) {
  test(`${style}: scalars, histograms, images, audio, text and PR curves read back as written`, async (t) => {
    const dir = tmp(t);
    const w = new SummaryWriter(join(dir, 'run'), { style, now: () => 1000 });
    const values = [0.5, -1.25, 3e10, NaN, Infinity];
    values.forEach((v, i) => w.addScalar('loss', v, i * 10, 1000 + i));
    w.addScalar('big_step', 1, 2 ** 40, 1000);
    w.addHistogramRaw('h', { min: -1, max: 2, num: 6, sum: 1, sumSquares: 5, bucketLimits: [-0.5, 0, 1, 2, 3], bucketCounts: [0, 2, 3, 1, 0] }, 5, 1001);
    w.addImage('img', PNG, 7, 1002);
    w.addAudio('snd', WAV, 8, 16000, 1003, 'a **label**');
    w.addText('note', 'hello *world*', 9, 1004);
    w.addText('table', [['a', 'b'], ['c', 'd']], 9, 1004);
    w.addPrCurve('pr', [1, 0, 1, 1, 0], [0.9, 0.8, 0.4, 0.6, 0.1], 10, 5, 1005);
    w.close();

    const logdir = openLogdir({ storage: new LocalStorage(dir), prefix: '' });
    await logdir.reload();
    const run = logdir.run('run');
    assert.ok(run);
    assert.deepEqual(run.problems, []);
    const kinds = Object.fromEntries(run.tags.map((x) => [x.tag, x.kind]));
    assert.deepEqual(kinds, { big_step: 'scalars', h: 'histograms', img: 'images', loss: 'scalars', note: 'text', pr: 'pr_curves', snd: 'audio', table: 'text' });

    const s = logdir.scalars('run', 'loss');
    assert.ok(s);
    assert.deepEqual([...s.steps], [0, 10, 20, 30, 40]);
    assert.deepEqual([...s.wallTimes], [1000, 1001, 1002, 1003, 1004]);
    assert.deepEqual([...s.values], values.map(Math.fround));
    assert.deepEqual([...(logdir.scalars('run', 'big_step')?.steps ?? [])], [2 ** 40]);

    const h = logdir.histograms('run', 'h');
    assert.ok(h);
    if (style === 'tf1') {
      // histo: empty end buckets dropped; the first starts at min, the last ends at max.
      assert.deepEqual([...h.buckets[0]], [-1, 0, 2, 0, 1, 3, 1, 2, 1]);
    } else {
      // [k, 3] tensor: served row for row.
      assert.deepEqual([...h.buckets[0]], [-1, -0.5, 0, -0.5, 0, 2, 0, 1, 3, 1, 2, 1, 2, 2, 0]);
    }

    const img = logdir.images('run', 'img');
    assert.ok(img);
    assert.deepEqual([img.blobs[0][0].width, img.blobs[0][0].height], [2, 3]);
    assert.deepEqual(await logdir.readBlob(img.blobs[0][0]), PNG);
    assert.equal(run.tags.find((x) => x.tag === 'img')?.maxSamplesPerStep, 1);

    const snd = logdir.audio('run', 'snd');
    assert.ok(snd);
    assert.deepEqual(await logdir.readBlob(snd.blobs[0][0]), WAV);
    assert.equal(snd.blobs[0][0].contentType, 'audio/wav');
    if (style === 'tf2') assert.equal(snd.blobs[0][0].label, 'a **label**');
    else assert.equal(snd.blobs[0][0].sampleRate, 16000);

    assert.deepEqual(logdir.text('run', 'note')?.values[0], { shape: [1], strings: ['hello *world*'] });
    assert.deepEqual(logdir.text('run', 'table')?.values[0], { shape: [2, 2], strings: ['a', 'b', 'c', 'd'] });

    const pr = logdir.prCurves('run', 'pr');
    assert.ok(pr);
    assert.equal(pr.thresholds[0], 5);
    // TP at threshold 0 = all positives (3), FP = all negatives (2); precision/recall rows follow.
    assert.equal(pr.data[0][0], 3);
    assert.equal(pr.data[0][5], 2);
    assert.equal(pr.data[0][25], 1);
  });
}

test('a tag’s metadata sent only with its first value applies to every later value', async (t) => {
  const dir = tmp(t);
  const w = new SummaryWriter(join(dir, 'r'), { style: 'tf2' });
  for (let i = 0; i < 5; i++) w.addScalar('acc', i / 10, i);
  w.close();
  const logdir = openLogdir({ storage: new LocalStorage(dir), prefix: '' });
  await logdir.reload();
  const tag = logdir.run('r')?.tags[0];
  assert.equal(tag?.kind, 'scalars');
  assert.equal(tag?.metadata.pluginName, 'scalars');
  assert.equal(logdir.scalars('r', 'acc')?.length, 5);
});

test('hparams written like PyTorch’s add_hparams become a run with experiment and session info', async (t) => {
  const dir = tmp(t);
  const w = new SummaryWriter(dir, { now: () => 5 });
  const sub = w.addHparams({ lr: 0.01, opt: 'adam', bn: true }, { 'hparam/acc': 0.9 }, 'hp');
  w.close();
  assert.equal(sub, join(dir, 'hp'));
  const logdir = openLogdir({ storage: new LocalStorage(dir), prefix: '' });
  await logdir.reload();
  const hp = logdir.hparams('hp');
  assert.deepEqual(hp.sessionStart?.hparams, { lr: 0.01, opt: 'adam', bn: true });
  assert.deepEqual(
    hp.experiment?.hparamInfos.map((i) => [i.name, i.type]),
    [
      ['lr', 3],
      ['opt', 1],
      ['bn', 2],
    ],
  );
  assert.equal(hp.experiment?.metricInfos[0].tag, 'hparam/acc');
  assert.deepEqual(hp.sessionEnd, { status: 1, endTimeSecs: 5 });
  assert.equal(logdir.scalars('hp', 'hparam/acc')?.values[0], Math.fround(0.9));
  assert.deepEqual(
    logdir.run('hp')?.tags.filter((x) => x.kind === 'hparams').map((x) => x.tag),
    ['_hparams_/experiment', '_hparams_/session_end_info', '_hparams_/session_start_info'],
  );
});

test('graph and tagged run metadata are kept as references to their bytes', async (t) => {
  const dir = tmp(t);
  const w = new SummaryWriter(dir);
  w.addGraph(Buffer.from('graph-bytes'));
  w.addRunMetadata('step1', Buffer.from('rm-bytes'), 1);
  w.close();
  const logdir = openLogdir({ storage: new LocalStorage(dir), prefix: '' });
  await logdir.reload();
  const run = logdir.run('.');
  assert.ok(run?.hasGraph);
  assert.deepEqual(run.runMetadataTags, ['step1']);
  assert.equal((await logdir.readBlob(logdir.graph('.') as never)).toString(), 'graph-bytes');
  assert.equal((await logdir.readBlob(logdir.runMetadata('.', 'step1') as never)).toString(), 'rm-bytes');
});

test('a SessionLog START after file_version brain.Event:2 purges samples at and after its step', async (t) => {
  const dir = tmp(t);
  const w = new SummaryWriter(dir);
  for (let i = 0; i < 10; i++) w.addScalar('x', i, i);
  w.addHistogram('h', [1, 2], 8);
  w.close();
  // A restarted job with purge_step=5: a new file whose START removes steps ≥ 5 read before it.
  const w2 = new SummaryWriter(dir, { purgeStep: 5, filenameSuffix: '.z' });
  for (let i = 5; i < 7; i++) w2.addScalar('x', 100 + i, i);
  w2.close();
  const logdir = openLogdir({ storage: new LocalStorage(dir), prefix: '' });
  await logdir.reload();
  assert.deepEqual([...(logdir.scalars('.', 'x')?.steps ?? [])], [0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual([...(logdir.scalars('.', 'x')?.values ?? [])], [0, 1, 2, 3, 4, 105, 106]);
  assert.equal(logdir.histograms('.', 'h')?.length, 0);
});

test('other plugins’ tensors are kept as references that decode to the written tensor', async (t) => {
  const dir = tmp(t);
  const w = new SummaryWriter(dir);
  // A custom plugin value written by hand with the encoder's framing.
  const { ProtoWriter } = await import('../writer/index.js');
  const tensor = new ProtoWriter().varint(1, 1).message(2, new ProtoWriter().message(2, new ProtoWriter().varint(1, 2))).packedFloats(5, [1.5, 2.5]);
  const value = new ProtoWriter()
    .string(1, 'custom')
    .message(9, new ProtoWriter().message(1, new ProtoWriter().string(1, 'my_plugin')))
    .message(8, tensor);
  const event = new ProtoWriter().double(1, 1).varint(2, 3).message(5, new ProtoWriter().message(1, value));
  const { encodeRecord } = await import('../writer/index.js');
  w.writeRecords(encodeRecord(event.finish()));
  w.close();
  const logdir = openLogdir({ storage: new LocalStorage(dir), prefix: '' });
  await logdir.reload();
  const series = logdir.tensors('.', 'custom');
  assert.ok(series);
  const decoded = decodeTensorProto(await logdir.readBlob(series.tensors[0]));
  assert.deepEqual(decoded.shape, [2]);
  assert.deepEqual([...decoded.numbers], [1.5, 2.5]);
  assert.equal(logdir.run('.')?.tags[0].metadata.pluginName, 'my_plugin');
});

test('EventEncoder frames records exactly like SummaryWriter writes them', () => {
  const a = new EventEncoder('tf1').scalar('t', 1, 2, 3);
  const b = new EventEncoder('tf1').scalar('t', 1, 2, 3);
  assert.deepEqual(a, b);
  assert.equal(a.readUInt32LE(0), a.length - 16);
});
