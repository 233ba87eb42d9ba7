// Scalar and image tensors in every encoding writers use: float_val, double_val, half_val,
// tensor_content of FLOAT/DOUBLE/HALF, int_val; TF2 image tensors holding several images.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStorage } from '../storage/local.js';
import { EventEncoder, ProtoWriter, encodeRecord } from '../writer/index.js';
import { openLogdir } from './index.js';

function scalarEvent(tag: string, tensor: ProtoWriter, step: number): Buffer {
  const meta = new ProtoWriter().message(1, new ProtoWriter().string(1, 'scalars'));
  const value = new ProtoWriter().string(1, tag).message(9, meta).message(8, tensor);
  return encodeRecord(new ProtoWriter().double(1, 100).varint(2, step).message(5, new ProtoWriter().message(1, value)).finish());
}

test('scalar tensors decode from float_val, double_val, half_val, int_val and tensor_content', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vizjobs-tensors-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const f64 = Buffer.alloc(8);
  f64.writeDoubleLE(0.1);
  const f16 = Buffer.alloc(2);
  f16.writeUInt16LE(0x3e00); // 1.5 in IEEE half
  const cases: Array<[string, ProtoWriter, number]> = [
    ['float_val', new ProtoWriter().varint(1, 1).packedFloats(5, [0.25]), 0.25],
    ['float_val_unpacked', new ProtoWriter().varint(1, 1).float(5, -2.5), -2.5],
    ['double_val', new ProtoWriter().varint(1, 2).packedDoubles(6, [0.1]), 0.1],
    ['half_val', new ProtoWriter().varint(1, 19).bytes(13, Buffer.from([0x80, 0x7c])), 1.5], // varint 0x3e00 packed
    ['int_val', new ProtoWriter().varint(1, 3).varint(7, 42), 42],
    ['content_double', new ProtoWriter().varint(1, 2).bytes(4, f64), 0.1],
    ['content_half', new ProtoWriter().varint(1, 19).bytes(4, f16), 1.5],
  ];
  const records = [new EventEncoder().fileVersion(1), ...cases.map(([tag, tensor], i) => scalarEvent(tag, tensor, i))];
  writeFileSync(join(dir, 'events.out.tfevents.0000000001.h.1.0'), Buffer.concat(records));
  const logdir = openLogdir({ storage: new LocalStorage(dir), prefix: '' });
  await logdir.reload();
  assert.deepEqual(logdir.run('.')?.problems, []);
  for (const [tag, , expected] of cases) assert.equal(logdir.scalars('.', tag)?.values[0], expected, tag);
});

test('a TF2 image tensor with several images gives one reference per image', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vizjobs-tensors-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const strings = ['4', '3', 'png-one', 'png-two', 'png-three'].map((s) => Buffer.from(s));
  const tensor = new ProtoWriter().varint(1, 7);
  for (const s of strings) tensor.bytes(8, s);
  const meta = new ProtoWriter().message(1, new ProtoWriter().string(1, 'images'));
  const value = new ProtoWriter().string(1, 'batch').message(9, meta).message(8, tensor);
  const rec = encodeRecord(new ProtoWriter().double(1, 1).varint(2, 9).message(5, new ProtoWriter().message(1, value)).finish());
  writeFileSync(join(dir, 'events.out.tfevents.0000000001.h.1.0'), Buffer.concat([new EventEncoder().fileVersion(1), rec]));
  const logdir = openLogdir({ storage: new LocalStorage(dir), prefix: '' });
  await logdir.reload();
  const images = logdir.images('.', 'batch');
  assert.ok(images);
  assert.equal(images.blobs[0].length, 3);
  assert.deepEqual([images.blobs[0][0].width, images.blobs[0][0].height], [4, 3]);
  const bytes = await Promise.all(images.blobs[0].map((r) => logdir.readBlob(r)));
  assert.deepEqual(
    bytes.map((b) => b.toString()),
    ['png-one', 'png-two', 'png-three'],
  );
  assert.equal(logdir.run('.')?.tags[0].maxSamplesPerStep, 3);
});

test('the scalar path and the full decoder of the one TensorProto walker agree on the first number', async () => {
  const { decodeTensor, tensorScalar } = await import('./tensor.js');
  const f64 = Buffer.alloc(8);
  f64.writeDoubleLE(-0.75);
  const cases: ProtoWriter[] = [
    new ProtoWriter().varint(1, 1).packedFloats(5, [0.25, 9]),
    new ProtoWriter().varint(1, 1).float(5, -2.5).float(5, 3),
    new ProtoWriter().varint(1, 2).packedDoubles(6, [0.1]),
    new ProtoWriter().varint(1, 2).bytes(4, f64),
    new ProtoWriter().varint(1, 3).varint(7, 42),
    new ProtoWriter().varint(1, 9).varint(10, -5),
    new ProtoWriter().varint(1, 1).message(2, new ProtoWriter()).bytes(4, Buffer.from(new Float32Array([1.5]).buffer)),
  ];
  for (const w of cases) {
    const b = Buffer.from(w.finish());
    assert.equal(tensorScalar(b, 0, b.length), decodeTensor(b, 0, b.length).numbers[0]);
  }
  const empty = Buffer.from(new ProtoWriter().varint(1, 1).finish());
  assert.throws(() => tensorScalar(empty, 0, empty.length), /scalar tensor without a number/);
});
