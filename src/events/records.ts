// TFRecord framing over a buffer holding a file's bytes from some offset on. A record cut off at
// the end of the buffer is left for later (the file may still be growing); a bad length CRC or an
// absurd length stops the file (nothing after it can be framed); a bad data CRC skips the record.
import { crc32cAnyInt, crc32cInt, maskCrc } from './crc32c.js';

/** Larger than any record a writer produces (TensorFlow caps protos at 2 GiB; ours at 1 GiB). */
export const MAX_RECORD_BYTES = 1 << 30;

export type FrameProblem = 'length_crc' | 'corrupt_length' | 'data_crc';

export interface FrameSink {
  /** A record with verified data at buf[start, end). */
  record(buf: Buffer, start: number, end: number): void;
  problem(kind: FrameProblem, offsetInBuf: number, message: string): void;
}

export interface ScanResult {
  /** Bytes of buf fully handled (records and skipped records); the next read starts here. */
  consumed: number;
  records: number;
  /** The file cannot be read past `consumed` (length CRC or absurd length). */
  stopped: boolean;
  /** When an incomplete record ends the buffer: bytes needed from `consumed` to complete it. */
  need: number;
}

/** Little-endian u32 without Buffer's per-call bounds checks (callers checked the range). */
function u32(b: Buffer, p: number): number {
  return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
}

// Masked CRCs of recent record lengths, direct-mapped by the low byte: a writer's records mostly
// repeat a few lengths (one per tag), so the 8-byte length CRC is nearly always a lookup.
// Both checks return booleans and compare int32s (`| 0`): a uint32 CRC above 2^31 returned across
// a call is a heap number, i.e. garbage per record (see crc32cInt).
const LEN_CACHE_KEYS = new Float64Array(256).fill(-1);
const LEN_CACHE_CRCS = new Int32Array(256);

function lengthCrcOk(buf: Buffer, p: number, lenLo: number, lenHi: number): boolean {
  const stored = buf[p + 8] | (buf[p + 9] << 8) | (buf[p + 10] << 16) | (buf[p + 11] << 24);
  if (lenHi !== 0) return (maskCrc(crc32cInt(buf, p, p + 8)) | 0) === stored;
  const slot = lenLo & 0xff;
  if (LEN_CACHE_KEYS[slot] === lenLo) return LEN_CACHE_CRCS[slot] === stored;
  const crc = maskCrc(crc32cInt(buf, p, p + 8)) | 0;
  LEN_CACHE_KEYS[slot] = lenLo;
  LEN_CACHE_CRCS[slot] = crc;
  return crc === stored;
}

function dataCrcOk(buf: Buffer, ds: number, de: number): boolean {
  const stored = buf[de] | (buf[de + 1] << 8) | (buf[de + 2] << 16) | (buf[de + 3] << 24);
  return (maskCrc(crc32cAnyInt(buf, ds, de)) | 0) === stored;
}

export function scanRecords(buf: Buffer, verify: boolean, sink: FrameSink): ScanResult {
  const consumed = frameLoop(buf, buf.length, verify, sink);
  // Here, not in frameLoop: code after its loop first runs at the first chunk's end, after the
  // loop was optimized, and with no type feedback yet it threw that code away.
  if (!loopStopped && loopNeed === 0 && buf.length - consumed > 0) loopNeed = 12;
  return { consumed, records: loopRecords, stopped: loopStopped, need: loopNeed };
}

// frameLoop's other results, in module variables: its exits then hold no property stores, so the
// optimized loop (compiled mid-chunk, before any exit had run) is not thrown away at the first
// chunk end for lack of type feedback — each such deopt cost a recompile of the hot path.
let loopRecords = 0;
let loopStopped = false;
let loopNeed = 0;

/** Frames records until the buffer ends or the file cannot go on; returns the bytes handled. */
// `n` is buf.length read by the caller: the loop is compiled (OSR) during its first call, before
// its opening `buf.length` had type feedback, and the next call threw that code away.
function frameLoop(buf: Buffer, n: number, verify: boolean, sink: FrameSink): number {
  let p = 0;
  let records = 0;
  loopStopped = false;
  loopNeed = 0;
  while (n - p >= 12) {
    const lenLo = u32(buf, p);
    const lenHi = u32(buf, p + 4);
    if (verify && !lengthCrcOk(buf, p, lenLo, lenHi)) {
      sink.problem('length_crc', p, 'record length CRC mismatch: the rest of the file is not read');
      loopStopped = true;
      break;
    }
    if (lenHi !== 0 || lenLo > MAX_RECORD_BYTES) {
      const len = lenHi * 2 ** 32 + lenLo;
      sink.problem('corrupt_length', p, `record length ${len} is not plausible: the rest of the file is not read`);
      loopStopped = true;
      break;
    }
    const ds = p + 12;
    const de = ds + lenLo;
    // Computed for every record: an addition first reached at the chunk's end deoptimized the loop.
    const need = lenLo + 16;
    if (p + need > n) {
      loopNeed = need;
      break;
    }
    if (verify && !dataCrcOk(buf, ds, de)) {
      sink.problem('data_crc', p, 'record data CRC mismatch: record skipped');
    } else {
      sink.record(buf, ds, de);
      records++;
    }
    p = de + 4;
  }
  loopRecords = records;
  return p;
}
