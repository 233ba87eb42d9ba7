// Masked-CRC stage (TensorBoard's data server: masked_crc). CRC-32C (Castagnoli), the checksum of
// TFRecord framing, and its "mask" (TensorFlow rotates and offsets CRCs stored next to data so
// that CRCs of CRCs stay well distributed).
// Two implementations: @node-rs/crc32's native SIMD crc32c, and a slicing-by-8 TypeScript one
// used as fallback when the native module cannot load, for short ranges, where calling into
// native code (plus the subarray it needs) costs more than the arithmetic itself, and until long
// ranges add up to enough bytes to pay for loading the native module.
import { createRequire } from 'node:module';

const POLY = 0x82f63b78; // reflected Castagnoli polynomial

/** Slicing-by-8 tables: TABLE[k*256 + b] (frame-scan.ts copies them into its WebAssembly memory). */
export const TABLE = new Int32Array(8 * 256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  TABLE[n] = c;
}
for (let n = 0; n < 256; n++) {
  let c = TABLE[n];
  for (let k = 1; k < 8; k++) {
    c = TABLE[c & 0xff] ^ (c >>> 8);
    TABLE[k * 256 + n] = c;
  }
}

/** Pure TypeScript CRC-32C of buf[start, end). */
export function crc32cJs(buf: Uint8Array, start = 0, end = buf.length, initial = 0): number {
  return crc32cInt(buf, start, end, initial) >>> 0;
}

/**
 * The same CRC as a signed int32 (`crc | 0`). The hot path compares these: an int32 crosses a call
 * as a small integer, while a uint32 above 2^31 is boxed in a fresh heap number — one allocation
 * per record, which was most of the cold load's garbage.
 */
export function crc32cInt(buf: Uint8Array, start: number, end: number, initial = 0): number {
  const t = TABLE;
  let crc = ~initial;
  let i = start;
  while (end - i >= 8) {
    const a = crc ^ (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24));
    crc =
      t[1792 + (a & 0xff)] ^
      t[1536 + ((a >>> 8) & 0xff)] ^
      t[1280 + ((a >>> 16) & 0xff)] ^
      t[1024 + (a >>> 24)] ^
      t[768 + buf[i + 4]] ^
      t[512 + buf[i + 5]] ^
      t[256 + buf[i + 6]] ^
      t[buf[i + 7]];
    i += 8;
  }
  while (i < end) crc = t[(crc ^ buf[i++]) & 0xff] ^ (crc >>> 8);
  return ~crc;
}

export type NativeCrc = (input: Uint8Array, initial?: number | null) => number;
let native: NativeCrc | undefined;
let nativeTried = false;

/**
 * The native crc32c, loaded on first call (undefined when it cannot load or is not Castagnoli).
 * Not at module load: the dlopen costs ~7 ms of every cold start, more than a load whose long
 * records add up to a few MB spends hashing them in TypeScript.
 */
export function nativeCrc32c(): NativeCrc | undefined {
  if (nativeTried) return native;
  nativeTried = true;
  try {
    const mod = createRequire(import.meta.url)('@node-rs/crc32') as { crc32c: NativeCrc };
    // Trust the native module only if it is Castagnoli (a plain CRC-32 would pass no record).
    if (mod.crc32c(Buffer.from('123456789')) === 0xe3069283) native = mod.crc32c;
  } catch {
    native = undefined;
  }
  return native;
}

/** Below this many bytes the TypeScript loop beats a native call plus its subarray. */
const NATIVE_MIN = 256;
/**
 * Bytes of long ranges hashed in TypeScript before the native module is loaded: TypeScript runs at
 * ~1 GB/s, native ~2.3x faster on long ranges, so loading (~7 ms) pays off only past ~10 MB.
 */
export const NATIVE_AFTER_BYTES = 8 * 1024 * 1024;
let longBytes = 0;

/** CRC-32C of buf[start, end), native for long ranges once they add up to NATIVE_AFTER_BYTES. */
export function crc32c(buf: Uint8Array, start = 0, end = buf.length): number {
  return crc32cAnyInt(buf, start, end) >>> 0;
}

/** crc32c() as a signed int32, like crc32cInt: what the framing hot path compares. */
export function crc32cAnyInt(buf: Uint8Array, start: number, end: number): number {
  const n = end - start;
  if (n >= NATIVE_MIN) {
    const fn = longBytes >= NATIVE_AFTER_BYTES ? nativeCrc32c() : undefined;
    if (fn !== undefined) return fn(start === 0 && end === buf.length ? buf : buf.subarray(start, end)) | 0;
    longBytes += n;
  }
  return crc32cInt(buf, start, end);
}

const MASK_DELTA = 0xa282ead8;

/** Masked CRC as a uint32; `crc` may be given as uint32 or int32 (the same 32 bits). */
export function maskCrc(crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + MASK_DELTA) >>> 0;
}

/** Masked CRC-32C of buf[start, end), as TFRecord stores it. */
export function maskedCrc32c(buf: Uint8Array, start = 0, end = buf.length): number {
  return maskCrc(crc32c(buf, start, end));
}
