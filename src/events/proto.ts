// Minimal protobuf wire-format walker for the hot path. Hand-written rather than generated:
// reading a scalar event this way touches no objects at all (bench/ingest-decoder.ts measures
// it against @bufbuild/protobuf). Every read is bounds-checked against an explicit end so that
// a record with a valid CRC but a malformed body throws ProtoError, which the caller reports.

export class ProtoError extends Error {
  /** The problem kind the record is reported as: malformed ('decode'), a shape its content contradicts, or a cap hit. */
  constructor(
    message: string,
    readonly kind: 'decode' | 'shape' | 'limit' = 'decode',
  ) {
    super(message);
    this.name = 'ProtoError';
  }
}

/** Position after the last read: module state instead of a returned object, to avoid allocation. */
export let pos = 0;

/** Reads a varint at p (< end) as a JS number (exact to 2^53; 10-byte negatives come out negative). */
export function varint(buf: Uint8Array, p: number, end: number): number {
  if (p >= end) throw new ProtoError('varint past end');
  let b = buf[p++];
  if (b < 0x80) {
    pos = p;
    return b;
  }
  let lo = b & 0x7f;
  let shift = 7;
  while (shift < 28) {
    if (p >= end) throw new ProtoError('varint past end');
    b = buf[p++];
    lo |= (b & 0x7f) << shift;
    if (b < 0x80) {
      pos = p;
      return lo;
    }
    shift += 7;
  }
  // Beyond 28 bits: continue with multiplication (bitwise ops are 32-bit).
  let value = lo;
  let mul = 2 ** 28;
  for (let i = 0; i < 6; i++) {
    if (p >= end) throw new ProtoError('varint past end');
    b = buf[p++];
    value += (b & 0x7f) * mul;
    if (b < 0x80) {
      pos = p;
      // A 10-byte varint is a negative int64 in two's complement.
      return value >= 2 ** 63 ? value - 2 ** 64 : value;
    }
    mul *= 128;
  }
  throw new ProtoError('varint longer than 10 bytes');
}

/** Reads a length prefix at p and checks the payload fits; pos = payload start. Returns payload end. */
export function lengthDelimited(buf: Uint8Array, p: number, end: number): number {
  const len = varint(buf, p, end);
  const e = pos + len;
  if (len < 0 || e > end) throw new ProtoError('length-delimited field past end');
  return e;
}

/**
 * A fast path's length prefix at p: a varint of at most 4 bytes whose payload ends by `end`.
 * Returns the payload's end (pos = its start), or -1 for anything else, which the fast path
 * leaves to the general decoder: never throws.
 */
export function fastLength(buf: Uint8Array, p: number, end: number): number {
  let len = 0;
  let shift = 0;
  let b = 0x80;
  while (b >= 0x80) {
    if (p >= end || shift > 21) return -1;
    b = buf[p++];
    len += (b & 0x7f) * 2 ** shift;
    shift += 7;
  }
  pos = p;
  return p + len > end ? -1 : p + len;
}

/** Skips a field of wire type wt whose value starts at p; returns the position after it. */
export function skipField(buf: Uint8Array, p: number, end: number, wt: number): number {
  switch (wt) {
    case 0:
      varint(buf, p, end);
      return pos;
    case 1:
      if (p + 8 > end) throw new ProtoError('fixed64 past end');
      return p + 8;
    case 2:
      return lengthDelimited(buf, p, end);
    case 5:
      if (p + 4 > end) throw new ProtoError('fixed32 past end');
      return p + 4;
    default:
      throw new ProtoError(`unsupported wire type ${wt}`);
  }
}

/**
 * A DataView over the buffer being decoded, made again only when the buffer changes (once per
 * read: reads land in a few recycled buffers). Optimized code reads a float from it in one
 * unaligned load; Buffer's readDoubleLE, like the fast path's old scratch word, copies the bytes
 * into a typed array and reads them back, 5–9 ns more per record on the scalar fast path. Decoding
 * is synchronous, so the view is dropped at the end of the task that made it: no buffer (a carried
 * 64 MB image record, a tensor read for one answer) outlives its decoding here, whoever decoded it.
 */
const EMPTY = new Uint8Array(0);
const EMPTY_VIEW = new DataView(EMPTY.buffer);
let viewBuf: Uint8Array = EMPTY;
let view: DataView = EMPTY_VIEW;
let dropQueued = false;
function dropView(): void {
  dropQueued = false;
  viewBuf = EMPTY;
  view = EMPTY_VIEW;
}
export function viewOf(buf: Uint8Array): DataView {
  if (buf !== viewBuf) {
    viewBuf = buf;
    view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    if (!dropQueued) {
      dropQueued = true;
      queueMicrotask(dropView);
    }
  }
  return view;
}

export function readDouble(buf: Buffer, p: number, end: number): number {
  if (p + 8 > end) throw new ProtoError('double past end');
  return viewOf(buf).getFloat64(p, true);
}

export function readFloat(buf: Buffer, p: number, end: number): number {
  if (p + 4 > end) throw new ProtoError('float past end');
  return viewOf(buf).getFloat32(p, true);
}

const decoder = new TextDecoder('utf-8');
export function utf8(buf: Uint8Array, start: number, end: number): string {
  return decoder.decode(buf.subarray(start, end));
}

/** IEEE half (bits in the low 16) to number. */
export function halfToNumber(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}
