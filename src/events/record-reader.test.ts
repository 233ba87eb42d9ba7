// The record reader alone: records reach the sink once each, whole and in order, however the
// file's bytes are cut into chunks; a cut-off record waits for a later read; damage is reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { EventEncoder, encodeRecord } from '../writer/index.js';
import { EventDecoder } from './event-decoder.js';
import { RecordReader, type FrameProblem, type RecordSink } from './record-reader.js';
import { RunState, newFileState } from './run.js';

class Collect implements RecordSink {
  records: string[] = [];
  /** File offset of each record's data. */
  offsets: number[] = [];
  problems: Array<[FrameProblem, number]> = [];

  record(buf: Buffer, start: number, end: number, base: number): void {
    this.records.push(buf.toString('latin1', start, end));
    this.offsets.push(base + start);
  }

  problem(kind: FrameProblem, offset: number): void {
    this.problems.push([kind, offset]);
  }
}

const payloads = ['a', '', 'hello world', 'x'.repeat(300), 'tail'];
const file = Buffer.concat(payloads.map((p) => encodeRecord(Buffer.from(p, 'latin1'))));
const dataOffsets = payloads.reduce<number[]>((acc, p, i) => [...acc, i === 0 ? 12 : acc[i - 1] + payloads[i - 1].length + 16], []);

test('every cut of the file into chunks frames the same records at the same offsets', () => {
  for (const size of [1, 2, 3, 5, 11, 12, 13, 16, 17, 64, 315, file.length]) {
    const reader = new RecordReader();
    const sink = new Collect();
    let n = 0;
    for (let o = 0; o < file.length; o += size) n += reader.feed(file.subarray(o, o + size), true, sink);
    assert.deepEqual(sink.records, payloads, `chunks of ${size}`);
    assert.deepEqual(sink.offsets, dataOffsets, `chunks of ${size}`);
    assert.equal(n, payloads.length);
    assert.equal(reader.offset, file.length);
    assert.equal(reader.carrying, false);
  }
});

test('a record cut off by the end of the reads is read whole after endRead, from offset', () => {
  const cut = file.length - 3;
  const reader = new RecordReader();
  const sink = new Collect();
  reader.feed(file.subarray(0, cut), true, sink);
  assert.deepEqual(sink.records, payloads.slice(0, -1));
  assert.equal(reader.carrying, true);
  assert.equal(reader.offset, file.length - ('tail'.length + 16));
  assert.equal(reader.missing, 3);
  reader.endRead();
  reader.feed(file.subarray(reader.offset), true, sink);
  assert.deepEqual(sink.records, payloads);
});

test('a bad data CRC skips the record; a bad length CRC stops the file', () => {
  const damaged = Buffer.from(file);
  damaged[dataOffsets[2]] ^= 1; // data of 'hello world'
  let sink = new Collect();
  let reader = new RecordReader();
  reader.feed(damaged, true, sink);
  assert.deepEqual(sink.records, ['a', '', 'x'.repeat(300), 'tail']);
  assert.deepEqual(sink.problems, [['data_crc', dataOffsets[2] - 12]]);

  const cut = Buffer.from(file);
  cut[dataOffsets[3] - 12 + 8] ^= 1; // length CRC of the long record
  sink = new Collect();
  reader = new RecordReader();
  for (let o = 0; o < cut.length; o += 7) reader.feed(cut.subarray(o, o + 7), true, sink);
  assert.deepEqual(sink.records, payloads.slice(0, 3));
  assert.deepEqual(sink.problems, [['length_crc', dataOffsets[3] - 12]]);
  assert.equal(reader.dead, true);
  assert.equal(reader.offset, dataOffsets[3] - 12);
});

test('a fed chunk is not kept alive by the decoder once feed returns (the float view is released)', async () => {
  // gc() without starting Node with --expose-gc: the flag, then a fresh context's global.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const enc = new EventEncoder();
  const decoder = new EventDecoder();
  decoder.run = new RunState('run');
  decoder.file = newFileState('f', '');
  const reader = new RecordReader();
  let ref: WeakRef<ArrayBuffer> | undefined;
  (() => {
    const records = Buffer.concat([0, 1, 2].flatMap((step) => [enc.scalarAs('double_val', 'loss', 0.1 + step, step, 1000 + step), enc.scalarAs('simple_value', 'acc', step, step, 1000 + step)]));
    const chunk = Buffer.alloc(records.length); // its own ArrayBuffer, not Node's shared pool
    records.copy(chunk);
    ref = new WeakRef(chunk.buffer);
    assert.equal(reader.feed(chunk, true, decoder), 6);
  })();
  // deref() only after the collections: it keeps its target alive to the end of the turn.
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  assert.equal(ref?.deref(), undefined);
  assert.equal(decoder.run.tagTable.byName.get('loss')?.store.length, 3);
});
