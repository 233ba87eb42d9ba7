// TensorProto decoding for the non-hot kinds (histogram/PR-curve/text/image/audio tensors, and
// any other plugin's tensors on demand). Numbers come either from tensor_content (raw LE) or from
// the typed *_val fields (packed or not); both are accepted for every dtype we know.
// The claimed shape never sizes an allocation or a loop: elements come from the bytes present, the
// shape is only compared with them (`shapeError`), and the one allowed expansion (a single value
// repeated over the shape) is bounded by the proto's byte length (limits.ts).
import { LIMITS, shapeProduct } from './limits.js';
import { ProtoError, halfToNumber, lengthDelimited, pos, readDouble, readFloat, skipField, utf8, varint } from './proto.js';

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

/** Decodes the TensorProto at buf[s, e). Throws ProtoError on malformed input. */
export function decodeTensor(buf: Buffer, s: number, e: number): DecodedTensor {
  let dtype = 0;
  let shape: number[] = [];
  let cs = -1;
  let ce = -1;
  const vals: number[] = [];
  const stringRanges: number[] = [];
  let p = s;
  while (p < e) {
    const key = varint(buf, p, e);
    p = pos;
    const field = key >>> 3;
    const wt = key & 7;
    if (field === 1 && wt === 0) {
      dtype = varint(buf, p, e);
      p = pos;
    } else if (field === 2 && wt === 2) {
      const de = lengthDelimited(buf, p, e);
      shape = readShape(buf, pos, de);
      p = de;
    } else if (field === 4 && wt === 2) {
      ce = lengthDelimited(buf, p, e);
      cs = pos;
      p = ce;
    } else if (field === 8 && wt === 2) {
      const de = lengthDelimited(buf, p, e);
      if (stringRanges.length >= 2 * LIMITS.tensorElements) throw tooMany(stringRanges.length / 2 + 1);
      stringRanges.push(pos, de);
      p = de;
    } else if (field === 5 || field === 6 || field === 7 || field === 10 || field === 11 || field === 13) {
      // float_val=5 (fixed32), double_val=6 (fixed64), int_val=7, int64_val=10, bool_val=11,
      // half_val=13 (varints): each packed (wt 2) or one per field.
      const one = (q: number, end: number): number => {
        if (field === 5) {
          vals.push(readFloat(buf, q, end));
          return q + 4;
        }
        if (field === 6) {
          vals.push(readDouble(buf, q, end));
          return q + 8;
        }
        const v = varint(buf, q, end);
        vals.push(field === 13 ? halfToNumber(v) : field === 7 ? v | 0 : v);
        return pos;
      };
      if (wt === 2) {
        const de = lengthDelimited(buf, p, e);
        // Checked per field from its byte length (at most one element per byte, 4 or 8 for fixed).
        if (vals.length + (de - pos) / (field === 5 ? 4 : field === 6 ? 8 : 1) > LIMITS.tensorElements) {
          throw tooMany(vals.length + Math.ceil((de - pos) / (field === 5 ? 4 : field === 6 ? 8 : 1)));
        }
        let q = pos;
        while (q < de) q = one(q, de);
        p = de;
      } else if ((field === 5 && wt === 5) || (field === 6 && wt === 1) || wt === 0) {
        if (vals.length >= LIMITS.tensorElements) throw tooMany(vals.length + 1);
        p = one(p, e);
      } else p = skipField(buf, p, e, wt);
    } else p = skipField(buf, p, e, wt);
  }
  if (vals.length > LIMITS.tensorElements) throw tooMany(vals.length);
  let numbers: Float64Array;
  if (cs >= 0 && dtype !== DT_STRING) numbers = contentNumbers(buf, cs, ce, dtype);
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
