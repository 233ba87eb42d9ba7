// Value conversion: the one TensorProto walker. Numbers come either from tensor_content (raw LE) or
// from the typed *_val fields (packed or not); both are accepted for every dtype we know.
// Invariant: the claimed shape never sizes an allocation or a loop: elements come from the bytes
// present, the shape is only compared with them (`shapeError`), and the one allowed expansion (a
// single value repeated over the shape) is bounded by the proto's byte length (limits.ts). A
// field's elements are only walked once its consumer agreed to them (`wants`), so a cap is checked
// from the field's byte length before a loop over it, and the scalar path allocates nothing.
import { LIMITS, shapeProduct } from './limits.js';
import { ProtoError, fastLength, halfToNumber, lengthDelimited, pos, readDouble, readFloat, skipField, utf8, varint, viewOf } from './proto.js';

export const DT_FLOAT = 1;
export const DT_DOUBLE = 2;
export const DT_INT32 = 3;
export const DT_STRING = 7;
export const DT_INT64 = 9;
export const DT_BOOL = 10;
export const DT_HALF = 19;

export interface DecodedTensor {
  dtype: number;
  shape: number[];
  /** Numeric elements (empty for strings). */
  numbers: Float64Array;
  /** string_val elements as byte ranges [start, end) into the buffer decoded. */
  stringRanges: number[];
  /** Set when the claimed shape does not describe the elements present (the caller reports it). */
  shapeError?: string;
}

function tooMany(n: number): ProtoError {
  return new ProtoError(`tensor holds ${n} elements, over the cap of ${LIMITS.tensorElements}`, 'limit');
}

function readShape(buf: Buffer, s: number, e: number): number[] {
  const dims: number[] = [];
  let p = s;
  while (p < e) {
    const key = varint(buf, p, e);
    p = pos;
    if (key === (2 << 3) + 2) {
      const de = lengthDelimited(buf, p, e);
      let q = pos;
      let size = 0;
      while (q < de) {
        const k = varint(buf, q, de);
        q = pos;
        if (k === 8) {
          size = varint(buf, q, de);
          q = pos;
        } else q = skipField(buf, q, de, k & 7);
      }
      dims.push(size);
      p = de;
    } else p = skipField(buf, p, e, key & 7);
  }
  return dims;
}

/** The fields of a TensorProto other than its elements, as walkTensor found them (-1: absent). */
interface TensorHead {
  dtype: number;
  shapeS: number;
  shapeE: number;
  contentS: number;
  contentE: number;
}

/** What the walker hands the elements of the typed *_val fields and string_val to. */
interface ElementSink {
  /**
   * A *_val field (5 float, 6 double, 7 int, 10 int64, 11 bool, 13 half) of at most `more`
   * elements follows: false skips it unread; a cap it would pass throws.
   */
  wants(field: number, more: number): boolean;
  number(v: number): void;
  string(s: number, e: number): void;
}

/** Walks the TensorProto at buf[s, e) once: head fields into `head`, elements to `sink`. */
function walkTensor(buf: Buffer, s: number, e: number, head: TensorHead, sink: ElementSink): void {
  head.dtype = 0;
  head.shapeS = head.shapeE = head.contentS = head.contentE = -1;
  let p = s;
  while (p < e) {
    const key = varint(buf, p, e);
    p = pos;
    const field = key >>> 3;
    const wt = key & 7;
    if (field === 1 && wt === 0) {
      head.dtype = varint(buf, p, e);
      p = pos;
    } else if (field === 2 && wt === 2) {
      head.shapeE = lengthDelimited(buf, p, e);
      head.shapeS = pos;
      p = head.shapeE;
    } else if (field === 4 && wt === 2) {
      head.contentE = lengthDelimited(buf, p, e);
      head.contentS = pos;
      p = head.contentE;
    } else if (field === 8 && wt === 2) {
      const de = lengthDelimited(buf, p, e);
      sink.string(pos, de);
      p = de;
    } else if (field === 5 || field === 6 || field === 7 || field === 10 || field === 11 || field === 13) {
      if (wt === 2) {
        // Packed: at most one element per byte, 4 or 8 for the fixed-width ones.
        const de = lengthDelimited(buf, p, e);
        let q = pos;
        if (sink.wants(field, (de - q) / (field === 5 ? 4 : field === 6 ? 8 : 1))) while (q < de) q = element(buf, q, de, field, sink);
        p = de;
      } else if ((field === 5 && wt === 5) || (field === 6 && wt === 1) || wt === 0) {
        p = sink.wants(field, 1) ? element(buf, p, e, field, sink) : skipField(buf, p, e, wt);
      } else p = skipField(buf, p, e, wt);
    } else p = skipField(buf, p, e, wt);
  }
}

/** One element of a *_val field at q; returns the position after it. */
function element(buf: Buffer, q: number, end: number, field: number, sink: ElementSink): number {
  if (field === 5) {
    sink.number(readFloat(buf, q, end));
    return q + 4;
  }
  if (field === 6) {
    sink.number(readDouble(buf, q, end));
    return q + 8;
  }
  const v = varint(buf, q, end);
  const next = pos;
  sink.number(field === 13 ? halfToNumber(v) : field === 7 ? v | 0 : v);
  return next;
}

/** Every element, within the caps of limits.ts. */
class Elements implements ElementSink {
  readonly numbers: number[] = [];
  readonly stringRanges: number[] = [];

  wants(_field: number, more: number): boolean {
    if (this.numbers.length + more > LIMITS.tensorElements) throw tooMany(this.numbers.length + Math.ceil(more));
    return true;
  }

  number(v: number): void {
    this.numbers.push(v);
  }

  string(s: number, e: number): void {
    if (this.stringRanges.length >= 2 * LIMITS.tensorElements) throw tooMany(this.stringRanges.length / 2 + 1);
    this.stringRanges.push(s, e);
  }
}

/** Decodes the TensorProto at buf[s, e). Throws ProtoError on malformed input. */
export function decodeTensor(buf: Buffer, s: number, e: number): DecodedTensor {
  const head: TensorHead = { dtype: 0, shapeS: -1, shapeE: -1, contentS: -1, contentE: -1 };
  const elements = new Elements();
  walkTensor(buf, s, e, head, elements);
  const { dtype } = head;
  const vals = elements.numbers;
  const stringRanges = elements.stringRanges;
  const shape = head.shapeS >= 0 ? readShape(buf, head.shapeS, head.shapeE) : [];
  let numbers: Float64Array;
  if (head.contentS >= 0 && dtype !== DT_STRING) numbers = contentNumbers(buf, head.contentS, head.contentE, dtype);
  else numbers = Float64Array.from(vals);
  const claimed = shapeProduct(shape);
  const present = dtype === DT_STRING || (numbers.length === 0 && stringRanges.length > 0) ? stringRanges.length / 2 : numbers.length;
  let shapeError: string | undefined;
  if (claimed !== present) {
    // A tensor whose only value is repeated to fill its shape (TensorFlow does this for constants):
    // expanded only while that stays within a few elements per byte of the proto.
    if (numbers.length === 1 && claimed > 1 && claimed <= (e - s) * LIMITS.broadcastElementsPerByte && claimed <= LIMITS.tensorElements) {
      numbers = new Float64Array(claimed).fill(numbers[0]);
    } else if (!(shape.length === 0 && present === 0)) {
      // (A rank-0 tensor with no value is what PyTorch writes for metadata-only summaries.)
      shapeError = `tensor claims shape [${shape.slice(0, 8).join(', ')}${shape.length > 8 ? ', …' : ''}] but holds ${present} element${present === 1 ? '' : 's'}`;
    }
  }
  return { dtype, shape, numbers, stringRanges, shapeError };
}

function contentNumbers(buf: Buffer, s: number, e: number, dtype: number): Float64Array {
  const dv = new DataView(buf.buffer, buf.byteOffset + s, e - s);
  const len = e - s;
  const width = dtype === DT_DOUBLE || dtype === DT_INT64 ? 8 : dtype === DT_HALF ? 2 : dtype === DT_BOOL ? 1 : 4;
  const n = Math.floor(len / width);
  if (n > LIMITS.tensorElements) throw tooMany(n);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * width;
    switch (dtype) {
      case DT_FLOAT:
        out[i] = dv.getFloat32(o, true);
        break;
      case DT_DOUBLE:
        out[i] = dv.getFloat64(o, true);
        break;
      case DT_INT32:
        out[i] = dv.getInt32(o, true);
        break;
      case DT_INT64:
        out[i] = Number(dv.getBigInt64(o, true));
        break;
      case DT_HALF:
        out[i] = halfToNumber(dv.getUint16(o, true));
        break;
      case DT_BOOL:
        out[i] = dv.getUint8(o);
        break;
      default:
        throw new ProtoError(`unsupported tensor dtype ${dtype}`);
    }
  }
  return out;
}

/** The first float/double/half element, if any: the scalar path's sink (one, reused: no allocation). */
class FirstFloat implements ElementSink {
  found = false;
  value = NaN;

  wants(field: number): boolean {
    return !this.found && (field === 5 || field === 6 || field === 13);
  }

  number(v: number): void {
    if (this.found) return;
    this.value = v;
    this.found = true;
  }

  string(): void {}
}

const FIRST = new FirstFloat();
const SCALAR_HEAD: TensorHead = { dtype: 0, shapeS: -1, shapeE: -1, contentS: -1, contentE: -1 };

/**
 * The single number of a rank-0 scalar tensor (or its first element), allocating nothing for the
 * float kinds: the first float_val/double_val/half_val, else the first element of tensor_content;
 * an integer scalar goes through decodeTensor. Throws ProtoError when there is no number.
 */
export function tensorScalar(buf: Buffer, s: number, e: number): number {
  const first = FIRST;
  const head = SCALAR_HEAD;
  first.found = false;
  walkTensor(buf, s, e, head, first);
  if (first.found) return first.value;
  const { dtype, contentS: cs } = head;
  if (cs >= 0) {
    if (dtype === DT_FLOAT) return readFloat(buf, cs, e);
    if (dtype === DT_DOUBLE) return readDouble(buf, cs, e);
    if (dtype === DT_HALF) {
      if (cs + 2 > e) throw new ProtoError('half past end');
      return halfToNumber(buf.readUInt16LE(cs));
    }
  }
  // Integer scalars (int_val / int64_val / tensor_content of ints): the general decoder.
  const t = decodeTensor(buf, s, e);
  if (t.numbers.length === 0 || (dtype !== DT_INT32 && dtype !== DT_INT64 && dtype !== 0 && dtype !== DT_BOOL)) {
    throw new ProtoError('scalar tensor without a number');
  }
  return t.numbers[0];
}

/**
 * A TensorFlow 2 histogram, the [k, 3] tensor of (left, right, count) rows, as float32-rounded
 * numbers (what checkedTensor(...).numbers.map(Math.fround) gives), in one pass that allocates only
 * the answer: the general decoder built an element array, a typed copy and a rounded copy per
 * record (1.6× PyTorch's HistogramProto on a cold load). Takes the shapes writers produce: DT_FLOAT
 * or DT_DOUBLE, shape [k, 3], elements in tensor_content or one packed float_val / double_val
 * field. Anything else (another dtype or shape, unpacked or split elements, a count that does not
 * match the shape, a malformed proto) is undefined and left to the general decoder, which reports
 * it; the claimed k never sizes the answer before the bytes present agree with it.
 */
export function tensorHistogram(buf: Buffer, s: number, e: number): Float64Array | undefined {
  let dtype = 0;
  let rows = -1;
  let elemS = -1;
  let elemE = -1;
  let elemWidth = 0;
  let p = s;
  while (p < e) {
    const key = buf[p++];
    if (key === 0x08) {
      // dtype: one-byte varint for every dtype taken here
      if (p >= e || buf[p] >= 0x80) return undefined;
      dtype = buf[p++];
    } else if (key === 0x12 || key === 0x22 || key === 0x2a || key === 0x32) {
      const fe = fastLength(buf, p, e);
      if (fe < 0) return undefined;
      p = pos;
      if (key === 0x12) {
        rows = shapeRows3(buf, p, fe);
        if (rows < 0) return undefined;
      } else {
        if (elemS >= 0) return undefined; // elements in two fields: the general decoder
        elemS = p;
        elemE = fe;
        elemWidth = key === 0x22 ? 0 : key === 0x2a ? 4 : 8;
      }
      p = fe;
    } else return undefined;
  }
  if (p !== e || rows < 0 || elemS < 0) return undefined;
  const width = dtype === DT_FLOAT ? 4 : dtype === DT_DOUBLE ? 8 : 0;
  if (width === 0 || (elemWidth !== 0 && elemWidth !== width)) return undefined;
  const n = rows * 3;
  if (elemE - elemS !== n * width || n > LIMITS.tensorElements) return undefined;
  const out = new Float64Array(n);
  const f32 = Math.fround;
  const v = viewOf(buf);
  if (width === 4) for (let i = 0; i < n; i++) out[i] = v.getFloat32(elemS + 4 * i, true);
  else for (let i = 0; i < n; i++) out[i] = f32(v.getFloat64(elemS + 8 * i, true));
  return out;
}

/** k of a TensorShapeProto [k, 3] at buf[s, e) (dims without names), else -1. */
function shapeRows3(buf: Buffer, s: number, e: number): number {
  let p = s;
  let dims = 0;
  let rows = -1;
  while (p < e) {
    // dim {1: size}: 0x12, length, 0x08, size varint
    if (buf[p] !== 0x12) return -1;
    const len = buf[p + 1];
    const de = p + 2 + len;
    if (len >= 0x80 || de > e || buf[p + 2] !== 0x08) return -1;
    let q = p + 3;
    let size = 0;
    let shift = 0;
    let b = 0x80;
    while (b >= 0x80) {
      if (q >= de || shift > 28) return -1;
      b = buf[q++];
      size += (b & 0x7f) * 2 ** shift;
      shift += 7;
    }
    if (q !== de) return -1;
    if (dims === 0) rows = size;
    else if (dims === 1 && size !== 3) return -1;
    dims++;
    p = de;
  }
  return dims === 2 ? rows : -1;
}

/** The tensor's strings decoded as UTF-8. */
export function tensorStrings(buf: Buffer, t: DecodedTensor): string[] {
  const out: string[] = [];
  for (let i = 0; i < t.stringRanges.length; i += 2) out.push(utf8(buf, t.stringRanges[i], t.stringRanges[i + 1]));
  return out;
}

/** Decodes serialized TensorProto bytes (e.g. read via a TensorSeries ref). */
/** A shape contradicted by the content is replaced by the content's own: [elements present]. */
export function decodeTensorProto(bytes: Buffer): { dtype: number; shape: number[]; numbers: Float64Array; strings: Buffer[] } {
  const t = decodeTensor(bytes, 0, bytes.length);
  const strings: Buffer[] = [];
  for (let i = 0; i < t.stringRanges.length; i += 2) strings.push(bytes.subarray(t.stringRanges[i], t.stringRanges[i + 1]));
  const shape = t.shapeError === undefined ? t.shape : [strings.length || t.numbers.length];
  return { dtype: t.dtype, shape, numbers: t.numbers, strings };
}
