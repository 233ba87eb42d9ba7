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

export function readDouble(buf: Buffer, p: number, end: number): number {
  if (p + 8 > end) throw new ProtoError('double past end');
  return buf.readDoubleLE(p);
}

export function readFloat(buf: Buffer, p: number, end: number): number {
  if (p + 4 > end) throw new ProtoError('float past end');
  return buf.readFloatLE(p);
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

/** Protobuf writer for the SummaryWriter and tests: builds messages as byte arrays. */
export class ProtoWriter {
  private chunks: number[] = [];
  private parts: Uint8Array[] = [];

  private flushBytes(): void {
    if (this.chunks.length) {
      this.parts.push(Uint8Array.from(this.chunks));
      this.chunks = [];
    }
  }
  private rawVarint(v: number): void {
    if (v < 0) {
      // int64 negative: 10-byte two's complement.
      const big = BigInt.asUintN(64, BigInt(Math.trunc(v)));
      let x = big;
      while (x >= 0x80n) {
        this.chunks.push(Number(x & 0x7fn) | 0x80);
        x >>= 7n;
      }
      this.chunks.push(Number(x));
      return;
    }
    while (v >= 0x80) {
      this.chunks.push((v % 128) | 0x80);
      v = Math.floor(v / 128);
    }
    this.chunks.push(v);
  }
  private key(field: number, wt: number): void {
    this.rawVarint(field * 8 + wt);
  }
  varint(field: number, v: number): this {
    this.key(field, 0);
    this.rawVarint(v);
    return this;
  }
  double(field: number, v: number): this {
    this.key(field, 1);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    this.chunks.push(...b);
    return this;
  }
  float(field: number, v: number): this {
    this.key(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.chunks.push(...b);
    return this;
  }
  bytes(field: number, v: Uint8Array): this {
    this.key(field, 2);
    this.rawVarint(v.length);
    this.flushBytes();
    this.parts.push(v);
    return this;
  }
  string(field: number, v: string): this {
    return this.bytes(field, Buffer.from(v, 'utf8'));
  }
  message(field: number, m: ProtoWriter): this {
    return this.bytes(field, m.finish());
  }
  packedDoubles(field: number, vs: ArrayLike<number>): this {
    const b = new Uint8Array(vs.length * 8);
    const dv = new DataView(b.buffer);
    for (let i = 0; i < vs.length; i++) dv.setFloat64(i * 8, vs[i], true);
    return this.bytes(field, b);
  }
  packedFloats(field: number, vs: ArrayLike<number>): this {
    const b = new Uint8Array(vs.length * 4);
    const dv = new DataView(b.buffer);
    for (let i = 0; i < vs.length; i++) dv.setFloat32(i * 4, vs[i], true);
    return this.bytes(field, b);
  }
  finish(): Uint8Array {
    this.flushBytes();
    return this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts);
  }
}
