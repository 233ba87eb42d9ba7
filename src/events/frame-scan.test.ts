// The WebAssembly frame scan changes how fast records are checked, never what comes out: the same
// records and the same problems at the same offsets as the TypeScript checks, for valid, damaged
// and truncated files fed in any chunk sizes; and its bytes are the .wat's, compiled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import wabtInit from 'wabt';
import { FRAME_SCAN_WASM } from './frame-scan-wasm.js';
import { frameScanOn, setFrameScan, verifiedEnd } from './frame-scan.js';
import { RecordReader, type RecordSink } from './record-reader.js';
import { encodeRecord } from '../writer/record.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function outcome(bytes: Buffer, chunk: number, scan: boolean): string[] {
  setFrameScan(scan);
  try {
    const seen: string[] = [];
    const sink: RecordSink = {
      record: (buf, start, end, base) => seen.push(`record ${base + start} ${buf.subarray(start, end).toString('hex')}`),
      problem: (kind, offset) => seen.push(`problem ${kind} ${offset}`),
    };
    const reader = new RecordReader();
    for (let at = 0; at < bytes.length; at += chunk) reader.feed(bytes.subarray(at, at + chunk), true, sink);
    seen.push(`offset ${reader.offset} dead ${reader.dead}`);
    return seen;
  } finally {
    setFrameScan(true);
  }
}

function file(payloads: Uint8Array[]): Buffer {
  return Buffer.concat(payloads.map((p) => encodeRecord(p)));
}

test('the WebAssembly module is what frame-scan.wat compiles to (npm run build:wasm after editing it)', async () => {
  const wabt = await wabtInit();
  const mod = wabt.parseWat('frame-scan.wat', readFileSync(join(repo, 'src', 'events', 'frame-scan.wat'), 'utf8'));
  assert.equal(Buffer.from(mod.toBinary({}).buffer).toString('base64'), FRAME_SCAN_WASM);
  assert.ok(frameScanOn, 'WebAssembly is available in Node: the scan is on');
});

test('a valid file is checked in one call, up to its last whole record', () => {
  const payloads = Array.from({ length: 200 }, (_, i) => Buffer.from(`payload ${i} `.repeat((i % 7) + 1)));
  const bytes = file(payloads);
  assert.equal(verifiedEnd(bytes, 0, bytes.length), bytes.length);
  // Cut inside the last record: the scan stops where it starts.
  const lastStart = bytes.length - encodeRecord(payloads[199]).length;
  assert.equal(verifiedEnd(bytes, 0, bytes.length - 3), lastStart);
});

test('damaged, truncated and garbage files give the same records and problems with and without the scan', () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ minLength: 0, maxLength: 300 }), { minLength: 1, maxLength: 60 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { maxLength: 4 }),
      fc.nat(),
      fc.integer({ min: 1, max: 5000 }),
      (payloads, flips, cut, chunk) => {
        const bytes = file(payloads);
        for (const [at, bit] of flips) bytes[at % bytes.length] ^= 1 << bit;
        const truncated = bytes.subarray(0, bytes.length - (cut % Math.min(bytes.length, 40)));
        assert.deepEqual(outcome(truncated, chunk, true), outcome(truncated, chunk, false));
      },
    ),
    { numRuns: 400 },
  );
});

test('an absurd length and a record longer than the scan window are framed as without the scan', () => {
  const big = Buffer.alloc(3 * 1024 * 1024, 7); // longer than the module's 2 MiB window
  const bytes = file([Buffer.from('a'), big, Buffer.from('b')]);
  assert.deepEqual(outcome(bytes, bytes.length, true), outcome(bytes, bytes.length, false));
  const absurd = Buffer.concat([file([Buffer.from('ok')]), Buffer.from([0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0]), Buffer.alloc(200)]);
  assert.deepEqual(outcome(absurd, 64, true), outcome(absurd, 64, false));
});

test('records of one length: a header CRC passed before vouches only for the same length and the same stored CRC', () => {
  const payloads = Array.from({ length: 50 }, (_, i) => Buffer.from(`value ${String(i).padStart(4, '0')}`));
  const size = encodeRecord(payloads[0]).length;
  const clean = file(payloads);
  assert.equal(verifiedEnd(clean, 0, clean.length), clean.length);
  // Record 20's stored header CRC, then its length's low byte, damaged: the scan stops there.
  for (const at of [20 * size + 8, 20 * size]) {
    const bytes = Buffer.from(clean);
    bytes[at] ^= 0x10;
    assert.equal(verifiedEnd(bytes, 0, bytes.length), 20 * size);
    for (const chunk of [7, size, 1000]) assert.deepEqual(outcome(bytes, chunk, true), outcome(bytes, chunk, false));
  }
  // Random damage to files of equal-length records, too.
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 500 }), (flips, chunk) => {
      const bytes = Buffer.from(clean);
      for (const [at, bit] of flips) bytes[at % bytes.length] ^= 1 << bit;
      assert.deepEqual(outcome(bytes, chunk, true), outcome(bytes, chunk, false));
    }),
    { numRuns: 300 },
  );
});
