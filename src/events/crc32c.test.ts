import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { NATIVE_AFTER_BYTES, crc32c, crc32cJs, maskedCrc32c } from './crc32c.js';
import { crc32cNative, hasNativeCrc32c } from './crc32c-native.js';
import { pytorchFixtureDir } from '../testing/paths.js';

test('both CRC-32C implementations are Castagnoli on the standard check vector', () => {
  const v = Buffer.from('123456789');
  assert.equal(crc32cJs(v), 0xe3069283);
  assert.equal(crc32c(v), 0xe3069283);
  assert.ok(hasNativeCrc32c, '@node-rs/crc32 should load on this platform');
  assert.equal(crc32cNative?.(v), 0xe3069283);
  // Known vectors from RFC 3720 (iSCSI): 32 zero bytes and 32 0xff bytes.
  assert.equal(crc32cJs(Buffer.alloc(32)), 0x8a9136aa);
  assert.equal(crc32cJs(Buffer.alloc(32, 0xff)), 0x62a8ab43);
});

test('masked CRCs match the ones PyTorch wrote into a real TFRecord file', () => {
  const dir = join(pytorchFixtureDir, 'mlp_lr1e-3_adam');
  const name = readdirSync(dir).find((f) => f.includes('tfevents')) as string;
  const buf = readFileSync(join(dir, name));
  let p = 0;
  for (let i = 0; i < 50; i++) {
    const len = buf.readUInt32LE(p);
    assert.equal(maskedCrc32c(buf, p, p + 8), buf.readUInt32LE(p + 8), `length CRC of record ${i}`);
    assert.equal(maskedCrc32c(buf, p + 12, p + 12 + len), buf.readUInt32LE(p + 12 + len), `data CRC of record ${i}`);
    p += len + 16;
  }
});

test('the TypeScript fallback agrees with the native implementation on any bytes and range', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat(), fc.nat(), (bytes, a, b) => {
      const buf = Buffer.from(bytes);
      const s = buf.length ? a % buf.length : 0;
      const e = s + (buf.length - s ? b % (buf.length - s + 1) : 0);
      const expected = crc32cNative ? crc32cNative(buf.subarray(s, e)) >>> 0 : crc32cJs(buf, s, e);
      assert.equal(crc32cJs(buf, s, e), expected);
      assert.equal(crc32c(buf, s, e), expected);
    }),
    { numRuns: 300 },
  );
});

test('crc32c gives the same CRCs before and after long ranges add up enough to switch to the native module', () => {
  const buf = Buffer.alloc(1 << 20);
  for (let i = 0; i < buf.length; i++) buf[i] = (i * 2654435761) >>> 24;
  const expected = crc32cJs(buf, 3, buf.length - 5);
  // Enough calls to cross the threshold from any starting count, then some on the native side.
  for (let i = 0; i < NATIVE_AFTER_BYTES / buf.length + 3; i++) assert.equal(crc32c(buf, 3, buf.length - 5), expected, `call ${i}`);
  assert.equal(crc32c(buf, 0, 300), crc32cJs(buf, 0, 300));
});
