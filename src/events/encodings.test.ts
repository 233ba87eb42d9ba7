// Every scalar encoding writers use, written by the writer for many steps (so that a tag's later
// values take the decoder's fast path, its first the general walker) and read back exactly:
// float32 encodings as float32, doubles as doubles, halves as halves; and PyTorch/tensorboardX
// histograms beside TensorFlow 2's [k, 3] tensors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStorage } from '../storage/local.js';
import { EventEncoder, numberToHalf, SummaryWriter, type ScalarEncoding } from '../writer/index.js';
import { openLogdir } from './index.js';
import { halfToNumber } from './proto.js';

const ENCODINGS: ScalarEncoding[] = ['simple_value', 'tensor_content', 'float_val', 'float_val_unpacked', 'double_val', 'double_content', 'half_val', 'pytorch_new_style'];

function expected(encoding: ScalarEncoding, v: number): number {
  if (encoding === 'double_val' || encoding === 'double_content') return v;
  if (encoding === 'half_val') return halfToNumber(numberToHalf(v));
  return Math.fround(v);
}

const SPECIAL = [0.1, -0, NaN, Infinity, -Infinity, 1e-7, 65504, 70000, -2.5, 1e300];

for (const encoding of ENCODINGS) {
  test(`${encoding}: every value of every step reads back as the encoding holds it`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'vizjobs-enc-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const w = new SummaryWriter(join(dir, 'run'), { now: () => 1000 });
    const enc = new EventEncoder();
    const values: Record<string, number[]> = { 'loss/train': [], acc: [] };
    for (let step = 0; step < 600; step++) {
      for (const tag of Object.keys(values)) {
        const v = step < SPECIAL.length ? SPECIAL[step] : Math.sin(step) * (tag === 'acc' ? 1 : 1000) + step / 7;
        values[tag].push(v);
        w.writeRecords(enc.scalarAs(encoding, tag, v, step * 3, 1000 + step * 0.25));
      }
    }
    w.close();
    // Read whole, and in 61-byte reads: records straddle reads, so the fast path reads from the
    // recycled read buffers and from the carried-over copies in turn (a view per buffer).
    for (const maxReadBytes of [undefined, 61]) {
      const logdir = openLogdir({ storage: new LocalStorage(dir), prefix: '' }, { maxReadBytes });
      await logdir.reload();
      const run = logdir.run('run');
      assert.deepEqual(run?.problems, []);
      assert.deepEqual(run?.tags.map((x) => [x.tag, x.kind]), [['acc', 'scalars'], ['loss/train', 'scalars']]);
      for (const [tag, vs] of Object.entries(values)) {
        const s = logdir.scalars('run', tag);
        assert.ok(s);
        assert.equal(s.length, 600);
        assert.deepEqual([...s.values], vs.map((v) => expected(encoding, v)), `${tag}, reads of ${maxReadBytes ?? 'any'} bytes`);
        assert.deepEqual([...s.steps], vs.map((_, i) => i * 3));
        assert.deepEqual([...s.wallTimes], vs.map((_, i) => 1000 + i * 0.25));
      }
    }
  });
}

test('half_val: all 65,536 bit patterns read back as halfToNumber reads them (the fast path builds float32 bits)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vizjobs-enc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const w = new SummaryWriter(join(dir, 'run'), { now: () => 1000, flushBytes: 1 << 20 });
  const enc = new EventEncoder();
  for (let h = 0; h < 65536; h++) w.writeRecords(enc.scalarAs('half_val', 'h', halfToNumber(h), h, 1000));
  w.close();
  const logdir = openLogdir({ storage: new LocalStorage(dir), prefix: '' });
  await logdir.reload();
  const s = logdir.scalars('run', 'h');
  assert.equal(s?.length, 65536);
  const wrong: string[] = [];
  for (let h = 0; h < 65536 && wrong.length < 5; h++) {
    if (!Object.is(s?.values[h], halfToNumber(h))) wrong.push(`0x${h.toString(16)}: ${String(s?.values[h])} ≠ ${halfToNumber(h)}`);
  }
  assert.deepEqual(wrong, []);
});

test('half bits: numberToHalf rounds to nearest even and halfToNumber reads them back', () => {
  assert.equal(numberToHalf(1.5), 0x3e00);
  assert.equal(numberToHalf(65504), 0x7bff);
  assert.equal(numberToHalf(70000), 0x7c00);
  assert.equal(numberToHalf(-0), 0x8000);
  assert.equal(halfToNumber(numberToHalf(2 ** -24)), 2 ** -24);
  assert.equal(halfToNumber(numberToHalf(1 + 2 ** -11)), 1); // a tie: to even
  assert.equal(halfToNumber(numberToHalf(1 + 3 * 2 ** -11)), 1 + 2 ** -9);
  assert.ok(Number.isNaN(halfToNumber(numberToHalf(NaN))));
});

test('PyTorch / tensorboardX histograms (HistogramProto) and TensorFlow 2 histograms ([k, 3] tensors) read back over many steps', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vizjobs-enc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const style of ['tf1', 'tf2'] as const) {
    const w = new SummaryWriter(join(dir, style), { style, now: () => 1000 });
    for (let step = 0; step < 50; step++) w.addHistogram('w', Array.from({ length: 200 }, (_, i) => Math.sin(i + step)), step, 20, 1000 + step);
    w.close();
  }
  // Read whole, then in 61-byte reads (each record straddles reads): the same buckets either way.
  const whole: Record<string, number[][]> = {};
  for (const maxReadBytes of [undefined, 61]) {
    const logdir = openLogdir({ storage: new LocalStorage(dir), prefix: '' }, { maxReadBytes });
    await logdir.reload();
    for (const style of ['tf1', 'tf2']) {
      assert.deepEqual(logdir.run(style)?.problems, []);
      const h = logdir.histograms(style, 'w');
      assert.equal(h?.length, 50, style);
      const buckets = (h?.buckets ?? []).map((b) => [...b]);
      buckets.forEach((b, step) => {
        let count = 0;
        for (let i = 2; i < b.length; i += 3) count += b[i];
        assert.equal(count, 200, style);
        // The lowest edge is the data's minimum, as float32.
        assert.equal(b[0], Math.fround(Math.min(...Array.from({ length: 200 }, (_, i) => Math.sin(i + step)))), style);
      });
      if (maxReadBytes === undefined) whole[style] = buckets;
      else assert.deepEqual(buckets, whole[style], `${style}, 61-byte reads`);
    }
  }
});
