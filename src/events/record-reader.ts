// TFRecord stage (TensorBoard's data server: tf_record + masked_crc): framing, checksums, resume.
// Invariant: a file's records reach the sink exactly once each, in file order, whole — however the
// file's bytes arrive: a record may span any number of reads (the RecordReader carries its start
// over), a record cut off by the end of what was read is left for a later read (the file may still
// be growing, half-flushed), and `offset` only ever moves to a record boundary. A bad length CRC or
// an absurd length stops the file (nothing after it can be framed); a bad data CRC skips the record.
import { crc32cAnyInt, crc32cInt, maskCrc } from './crc32c.js';
import { frameScanOn, verifiedEnd } from './frame-scan.js';

/** Below this many bytes left, records are checked here rather than by a call into frame-scan. */
const SCAN_MIN = 128;

/** Larger than any record a writer produces (TensorFlow caps protos at 2 GiB; ours at 1 GiB). */
export const MAX_RECORD_BYTES = 1 << 30;

export type FrameProblem = 'length_crc' | 'corrupt_length' | 'data_crc';

export interface RecordSink {
  /** A record with verified data at buf[start, end); `base` is the file offset of buf[0]. */
  record(buf: Buffer, start: number, end: number, base: number): void;
  /** `offset`: in the file, of the record (or read) where the problem starts. */
  problem(kind: FrameProblem, offset: number, message: string): void;
}

interface ScanResult {
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

/** Frames the records of buf, which holds the file's bytes from offset `base` on. */
function scanRecords(buf: Buffer, base: number, verify: boolean, sink: RecordSink): ScanResult {
  const consumed = frameLoop(buf, buf.length, base, verify, sink);
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
function frameLoop(buf: Buffer, n: number, base: number, verify: boolean, sink: RecordSink): number {
  let p = 0;
  let records = 0;
  // Records before this offset were checked whole by frame-scan (both CRCs, the length).
  let checked = 0;
  loopStopped = false;
  loopNeed = 0;
  while (n - p >= 12) {
    if (verify && p >= checked && frameScanOn && n - p >= SCAN_MIN) checked = verifiedEnd(buf, p, n);
    const unchecked = verify && p >= checked;
    const lenLo = u32(buf, p);
    const lenHi = u32(buf, p + 4);
    if (unchecked && !lengthCrcOk(buf, p, lenLo, lenHi)) {
      sink.problem('length_crc', base + p, 'record length CRC mismatch: the rest of the file is not read');
      loopStopped = true;
      break;
    }
    if (lenHi !== 0 || lenLo > MAX_RECORD_BYTES) {
      const len = lenHi * 2 ** 32 + lenLo;
      sink.problem('corrupt_length', base + p, `record length ${len} is not plausible: the rest of the file is not read`);
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
    if (unchecked && !dataCrcOk(buf, ds, de)) {
      sink.problem('data_crc', base + p, 'record data CRC mismatch: record skipped');
    } else {
      sink.record(buf, ds, de, base);
      records++;
    }
    p = de + 4;
  }
  loopRecords = records;
  return p;
}

const NO_BYTES = Buffer.alloc(0);

/**
 * Reads one file's records from chunks of its bytes fed in order. Between reloads it keeps only
 * `offset` (and `dead`): a record cut off at the end of one reload's reads is dropped by endRead()
 * and read again, whole, by the next reload from `offset`.
 */
export class RecordReader {
  /** Bytes handled: every complete record before this file offset has reached a sink. */
  offset = 0;
  /** Stopped by a length CRC or absurd length: not read again unless the object is replaced. */
  dead = false;
  /** Start of a record that straddles the end of the last chunk fed (a copy: chunks are recycled). */
  private carry: Buffer = NO_BYTES;
  /** Bytes the carried record needs in all, from its start (12 while even its header is cut). */
  private need = 0;

  /** True while the start of a record is carried over to the next chunk. */
  get carrying(): boolean {
    return this.carry.length > 0;
  }

  /** Bytes still missing to complete the carried record (a read should ask for at least these). */
  get missing(): number {
    return this.need - this.carry.length;
  }

  /**
   * Frames the records of `chunk`, the file's bytes right after those fed before; returns how many
   * reached the sink (none once the file is dead). A record that straddles chunks is stitched from the carried bytes plus just
   * what it still needs, so the rest of the chunk is framed in place (no copy of the chunk).
   */
  feed(chunk: Buffer, verify: boolean, sink: RecordSink): number {
    if (this.dead) return 0; // nothing after the damage can be framed
    let records = 0;
    let carry = this.carry;
    let need = this.need;
    while (chunk.length > 0 || carry.length >= need) {
      let buf: Buffer;
      if (carry.length > 0) {
        if (carry.length + chunk.length < need) {
          carry = Buffer.concat([carry, chunk]);
          chunk = chunk.subarray(chunk.length);
          break;
        }
        const take = Math.max(0, need - carry.length);
        buf = Buffer.concat([carry, chunk.subarray(0, take)]);
        chunk = chunk.subarray(take);
        carry = NO_BYTES;
      } else {
        buf = chunk;
        chunk = chunk.subarray(chunk.length);
      }
      const base = this.offset;
      const r = scanRecords(buf, base, verify, sink);
      records += r.records;
      this.offset = base + r.consumed;
      if (r.stopped) {
        this.dead = true;
        carry = NO_BYTES;
        break;
      }
      if (r.consumed < buf.length) {
        carry = Buffer.from(buf.subarray(r.consumed));
        need = r.need;
        if (carry.length + chunk.length < need) {
          if (chunk.length) carry = Buffer.concat([carry, chunk]);
          break;
        }
      } else if (chunk.length === 0) break;
    }
    this.carry = carry;
    this.need = need;
    return records;
  }

  /** Ends a reload's reads: a carried partial record is dropped, to be read whole from `offset`. */
  endRead(): void {
    this.carry = NO_BYTES;
    this.need = 0;
  }

  /** Back to the file's start (its run is read again from scratch). */
  reset(): void {
    this.offset = 0;
    this.dead = false;
    this.endRead();
  }
}
