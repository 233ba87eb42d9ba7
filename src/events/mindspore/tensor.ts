// MindSpore's TensorProto (anf_ir.proto), the form a TensorSummary is written in: dims=1 (repeated
// int64, written unpacked; packed read too), data_type=2, and every value in float_data=3 (packed
// float; unpacked read too) whatever the data type — MindInsight reads only float_data.
// double_data=6 is read as well when float_data is empty. Invariant: a claimed dim never sizes
// anything; the values are what the bytes hold, within LIMITS.tensorElements, and a shape they
// contradict is reported (`shapeError`) and replaced by [values present].
import { LIMITS, shapeProduct } from '../limits.js';
import { ProtoError, lengthDelimited, pos, readDouble, readFloat, skipField, varint, viewOf } from '../proto.js';

/** anf_ir DataType names MindInsight answers with (its DataType.Name), by number. */
const DATA_TYPES = [
  'DT_UNDEFINED', 'DT_BOOL', 'DT_INT8', 'DT_INT16', 'DT_INT32', 'DT_INT64', 'DT_UINT8', 'DT_UINT16', 'DT_UINT32',
  'DT_UINT64', 'DT_FLOAT16', 'DT_FLOAT32', 'DT_FLOAT64', 'DT_STRING', 'DT_TENSOR', 'DT_GRAPH', 'DT_BOOLS', 'DT_INTS8',
  'DT_INTS16', 'DT_INTS32', 'DT_INTS64', 'DT_UINTS8', 'DT_UINTS16', 'DT_UINTS32', 'DT_UINTS64', 'DT_FLOATS16',
  'DT_FLOATS32', 'DT_FLOATS64', 'DT_STRINGS', 'DT_TENSORS', 'DT_GRAPHS', 'DT_TUPLE', 'DT_LIST', 'DT_DICT', 'DT_NONE',
  'DT_SYM_INST', 'DT_BASE_INT', 'DT_BASE_UINT', 'DT_BASE_FLOAT', 'DT_TYPE', 'DT_ANYTHING', 'DT_REFKEY', 'DT_REF',
];

export function dataTypeName(n: number): string {
  return DATA_TYPES[n] ?? `DT_UNDEFINED`;
}

export interface MsTensor {
  dims: number[];
  dataType: number;
  values: Float64Array;
  /** Set when the dims claim another number of values than present (dims then = [values present]). */
  shapeError?: string;
}

/** The most dims a tensor may claim (each takes at least 2 bytes, but a record may be large). */
const MAX_RANK = 64;

function pushCapped(out: number[], n: number): void {
  if (out.length + n > LIMITS.tensorElements) throw new ProtoError(`tensor holds over ${LIMITS.tensorElements} values, the cap`, 'limit');
}

/** Decodes buf[s, e) as a MindSpore TensorProto. Throws ProtoError on malformed bytes or a cap. */
export function decodeMsTensor(buf: Buffer, s: number, e: number): MsTensor {
  const dims: number[] = [];
  let dataType = 0;
  const floats: number[] = [];
  const doubles: number[] = [];
  let p = s;
  while (p < e) {
    const key = varint(buf, p, e);
    p = pos;
    switch (key) {
      case 8: // dims, unpacked
        if (dims.length >= MAX_RANK) throw new ProtoError(`tensor claims over ${MAX_RANK} dims`, 'shape');
        dims.push(varint(buf, p, e));
        p = pos;
        break;
      case 10: {
        // dims, packed
        const de = lengthDelimited(buf, p, e);
        let q = pos;
        while (q < de) {
          if (dims.length >= MAX_RANK) throw new ProtoError(`tensor claims over ${MAX_RANK} dims`, 'shape');
          dims.push(varint(buf, q, de));
          q = pos;
        }
        p = de;
        break;
      }
      case 16:
        dataType = varint(buf, p, e);
        p = pos;
        break;
      case 26: {
        // float_data, packed
        const de = lengthDelimited(buf, p, e);
        if ((de - pos) % 4 !== 0) throw new ProtoError('float_data is not a whole number of floats');
        pushCapped(floats, (de - pos) / 4);
        const v = viewOf(buf);
        for (let q = pos; q < de; q += 4) floats.push(v.getFloat32(q, true));
        p = de;
        break;
      }
      case 29: // float_data, unpacked
        pushCapped(floats, 1);
        floats.push(readFloat(buf, p, e));
        p += 4;
        break;
      case 50: {
        // double_data, packed
        const de = lengthDelimited(buf, p, e);
        if ((de - pos) % 8 !== 0) throw new ProtoError('double_data is not a whole number of doubles');
        pushCapped(doubles, (de - pos) / 8);
        const v = viewOf(buf);
        for (let q = pos; q < de; q += 8) doubles.push(v.getFloat64(q, true));
        p = de;
        break;
      }
      case 49: // double_data, unpacked
        pushCapped(doubles, 1);
        doubles.push(readDouble(buf, p, e));
        p += 8;
        break;
      default:
        p = skipField(buf, p, e, key & 7);
    }
  }
  const values = Float64Array.from(floats.length > 0 ? floats : doubles);
  const t: MsTensor = { dims, dataType, values };
  const claimed = shapeProduct(dims);
  if (claimed !== values.length) {
    t.shapeError = `tensor dims [${dims.slice(0, 8).join(', ')}] claim ${Number.isFinite(claimed) ? claimed : 'too many'} values, ${values.length} present`;
    t.dims = [values.length];
  }
  return t;
}

export interface TensorStatistics {
  max: number;
  min: number;
  avg: number;
  count: number;
  nan_count: number;
  neg_inf_count: number;
  pos_inf_count: number;
  /** Counts of values > 0, < 0 and = 0 (MindInsight's statistics carry them too). */
  neg_zero_count: number;
  pos_zero_count: number;
  zero_count: number;
}

/** MindInsight's TensorUtils.get_statistics_dict over the finite values (NaN and ±Inf counted apart). */
export function tensorStatistics(values: Float64Array): TensorStatistics {
  let max = -Infinity;
  let min = Infinity;
  let sum = 0;
  let finite = 0;
  let nan = 0;
  let negInf = 0;
  let posInf = 0;
  let neg = 0;
  let pos_ = 0;
  let zero = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== v) nan++;
    else if (v === Infinity) posInf++;
    else if (v === -Infinity) negInf++;
    else {
      finite++;
      sum += v;
      if (v > max) max = v;
      if (v < min) min = v;
      if (v > 0) pos_++;
      else if (v < 0) neg++;
      else zero++;
    }
  }
  return {
    max: finite ? max : 0,
    min: finite ? min : 0,
    avg: finite ? sum / finite : 0,
    count: values.length,
    nan_count: nan,
    neg_inf_count: negInf,
    pos_inf_count: posInf,
    neg_zero_count: neg,
    pos_zero_count: pos_,
    zero_count: zero,
  };
}
