// Value conversion (TensorBoard's data server: data_compat): what a Summary.Value of each plugin
// becomes in a series — histogram buckets, image/audio blob references, text cells, PR-curve rows,
// tag metadata. Invariant: every size a value claims is checked against its bytes and the caps of
// limits.ts before it sizes anything; a value kept despite a problem reports it through `Warn`, one
// that cannot be kept throws ProtoError (the record is skipped and reported).
import { LIMITS, shapeProduct } from './limits.js';
import type { AudioRef, BlobRef, ImageRef, TagMetadata, TextValue } from './model.js';
import { ProtoError, fastLength, lengthDelimited, pos, readDouble, readFloat, skipField, utf8, varint, viewOf } from './proto.js';
import { decodeTensor, type DecodedTensor } from './tensor.js';

export type SeriesItem = Float64Array | ImageRef[] | AudioRef[] | TextValue | PrItem | BlobRef;
export interface PrItem {
  data: Float64Array;
  thresholds: number;
}

/** Where a value kept despite a problem reports it (the record being decoded is the problem's place). */
export interface Warn {
  warn(kind: 'shape' | 'limit', message: string): void;
}

export const EMPTY_BYTES = new Uint8Array(0);

/** A tag as named in a problem message (a tag may be as long as a record). */
export const short = (tag: string): string => (tag.length > 200 ? `${tag.slice(0, 200)}…` : tag);

/** decodeTensor, with a shape its content contradicts reported and replaced by [elements present]. */
export function checkedTensor(w: Warn, buf: Buffer, s: number, e: number): DecodedTensor {
  const t = decodeTensor(buf, s, e);
  if (t.shapeError !== undefined) {
    w.warn('shape', t.shapeError);
    t.shape = [t.stringRanges.length / 2 || t.numbers.length];
  }
  return t;
}

/** A text tensor's strings within the text caps: the first cells (whole rows of a table), each cut to the byte budget. */
export function textValue(w: Warn, buf: Buffer, t: DecodedTensor, tag: string): TextValue {
  let r = t.stringRanges;
  let shape = t.shape;
  // The shape was checked against the tensor's elements, which may be numbers: a table needs strings.
  if (shape.length !== 0 && shapeProduct(shape) !== r.length / 2) {
    if (t.shapeError === undefined) w.warn('shape', `text tag ${short(tag)}: shape [${shape.slice(0, 8).join(', ')}] but ${r.length / 2} strings`);
    shape = [r.length / 2];
  }
  const cap = LIMITS.textCells;
  if (r.length / 2 > cap) {
    const cols = shape.length === 2 && shape[1] >= 1 && shape[1] <= cap ? shape[1] : 1;
    const rows = Math.floor(cap / cols);
    shape = shape.length === 2 && cols > 1 ? [rows, cols] : [rows * cols];
    r = r.slice(0, rows * cols * 2);
    w.warn('limit', `text tag ${short(tag)}: ${t.stringRanges.length / 2} cells, over the cap of ${cap}: the first ${rows * cols} kept`);
  }
  let budget = LIMITS.textValueBytes;
  let cut = false;
  const strings: string[] = [];
  for (let i = 0; i < r.length; i += 2) {
    const end = Math.min(r[i + 1], r[i] + budget);
    if (end < r[i + 1]) cut = true;
    budget -= end - r[i];
    strings.push(utf8(buf, r[i], end));
  }
  if (cut) w.warn('limit', `text tag ${short(tag)}: value over the cap of ${LIMITS.textValueBytes} bytes: cut`);
  return { shape, strings };
}


/** Images/audio of one value within the caps: the first LIMITS.blobsPerValue, none over LIMITS.blobBytes. */
export function boundBlobs(w: Warn, refs: BlobRef[], tag: string): void {
  if (refs.length > LIMITS.blobsPerValue) {
    w.warn('limit', `tag ${short(tag)}: ${refs.length} blobs in one value, over the cap of ${LIMITS.blobsPerValue}: the first kept`);
    refs.length = LIMITS.blobsPerValue;
  }
  for (let i = 0; i < refs.length; i++) {
    if (refs[i].length > LIMITS.blobBytes) {
      w.warn('limit', `tag ${short(tag)}: a blob of ${refs[i].length} bytes is over the cap of ${LIMITS.blobBytes}: not served`);
      refs[i].length = 0;
    }
  }
}


/** PR-curve rows TP, FP, TN, FN, precision, recall: the thresholds are what the content holds, whatever the shape says. */
export function prCurveItem(w: Warn, t: DecodedTensor, tag: string): PrItem {
  const len = t.numbers.length;
  if (len % 6 !== 0) throw new ProtoError(`pr_curve tag ${short(tag)}: ${len} numbers are not 6 rows`, 'shape');
  if (t.shape.length === 2 && t.shape[0] !== 6) w.warn('shape', `pr_curve tag ${short(tag)}: shape [${t.shape.slice(0, 8).join(', ')}] is not [6, n]`);
  return { data: t.numbers, thresholds: len / 6 };
}

/** HistogramProto → flat [left, right, count]* as TensorBoard serves it (float32 values). */
export function histoBuckets(buf: Buffer, s: number, e: number): Float64Array {
  return packedHistoBuckets(buf, s, e) ?? walkedHistoBuckets(buf, s, e);
}

/**
 * histoBuckets for the HistogramProto every writer produces (fixed64 min/max/num/sum/sum_squares,
 * then bucket_limit and bucket each one packed field, one-byte keys), straight from the bytes with
 * only the answer allocated; undefined for anything else (walkedHistoBuckets takes it).
 */
function packedHistoBuckets(buf: Buffer, s: number, e: number): Float64Array | undefined {
  const v = viewOf(buf);
  let min = 0;
  let max = 0;
  let limS = -1;
  let limE = -1;
  let cntS = -1;
  let cntE = -1;
  let p = s;
  while (p < e) {
    const key = buf[p++];
    if (key === 0x09 || key === 0x11 || key === 0x19 || key === 0x21 || key === 0x29) {
      if (p + 8 > e) return undefined;
      if (key === 0x09) min = v.getFloat64(p, true);
      else if (key === 0x11) max = v.getFloat64(p, true);
      p += 8;
    } else if (key === 0x32 || key === 0x3a) {
      const fe = fastLength(buf, p, e);
      if (fe < 0 || (fe - pos) % 8 !== 0) return undefined;
      p = pos;
      if (key === 0x32) {
        if (limS >= 0) return undefined;
        limS = p;
        limE = fe;
      } else {
        if (cntS >= 0) return undefined;
        cntS = p;
        cntE = fe;
      }
      p = fe;
    } else return undefined;
  }
  if (p !== e || cntE - cntS > 8 * LIMITS.tensorElements || limE - limS > 8 * LIMITS.tensorElements) return undefined;
  const n = cntS < 0 ? 0 : (cntE - cntS) / 8;
  const nLim = limS < 0 ? 0 : (limE - limS) / 8;
  let first = 0;
  while (first < n && !(v.getFloat64(cntS + 8 * first, true) > 0)) first++;
  let last = n - 1;
  while (last >= 0 && !(v.getFloat64(cntS + 8 * last, true) > 0)) last--;
  const f32 = Math.fround;
  if (first > last) return Float64Array.of(f32(min), f32(max), 0);
  const k = last - first + 1;
  const out = new Float64Array(k * 3);
  for (let i = 0; i < k; i++) {
    const b = first + i;
    out[i * 3] = f32(i === 0 ? min : b - 1 < nLim ? v.getFloat64(limS + 8 * (b - 1), true) : min);
    out[i * 3 + 1] = f32(i === k - 1 ? max : b < nLim ? v.getFloat64(limS + 8 * b, true) : max);
    out[i * 3 + 2] = f32(v.getFloat64(cntS + 8 * b, true));
  }
  return out;
}

/** histoBuckets for any HistogramProto: every field through the proto walker. */
function walkedHistoBuckets(buf: Buffer, s: number, e: number): Float64Array {
  let min = 0;
  let max = 0;
  const limits: number[] = [];
  const counts: number[] = [];
  let p = s;
  while (p < e) {
    const key = varint(buf, p, e);
    p = pos;
    const f = key >>> 3;
    const wt = key & 7;
    if ((f === 1 || f === 2) && wt === 1) {
      if (f === 1) min = readDouble(buf, p, e);
      else max = readDouble(buf, p, e);
      p += 8;
    } else if ((f === 6 || f === 7) && (wt === 2 || wt === 1)) {
      const arr = f === 6 ? limits : counts;
      if (wt === 1) {
        if (arr.length >= LIMITS.tensorElements) throw new ProtoError(`histogram holds over ${LIMITS.tensorElements} buckets, the cap`, 'limit');
        arr.push(readDouble(buf, p, e));
        p += 8;
      } else {
        const de = lengthDelimited(buf, p, e);
        if (arr.length + (de - pos) / 8 > LIMITS.tensorElements) {
          throw new ProtoError(`histogram holds over ${LIMITS.tensorElements} buckets, the cap`, 'limit');
        }
        for (let q = pos; q < de; q += 8) arr.push(readDouble(buf, q, de));
        p = de;
      }
    } else p = skipField(buf, p, e, wt);
  }
  const n = counts.length;
  let first = 0;
  while (first < n && !(counts[first] > 0)) first++;
  let last = n - 1;
  while (last >= 0 && !(counts[last] > 0)) last--;
  const f32 = Math.fround;
  if (first > last) return Float64Array.of(f32(min), f32(max), 0);
  const k = last - first + 1;
  const out = new Float64Array(k * 3);
  for (let i = 0; i < k; i++) {
    const b = first + i;
    out[i * 3] = f32(i === 0 ? min : (limits[b - 1] ?? min));
    out[i * 3 + 1] = f32(i === k - 1 ? max : (limits[b] ?? max));
    out[i * 3 + 2] = f32(counts[b]);
  }
  return out;
}

export function imageRef(buf: Buffer, s: number, e: number, base: number, key: string): ImageRef {
  const ref: ImageRef = { key, offset: 0, length: 0, width: 0, height: 0 };
  let p = s;
  while (p < e) {
    const k = varint(buf, p, e);
    p = pos;
    if (k === 8) ref.height = varint(buf, p, e);
    else if (k === 16) ref.width = varint(buf, p, e);
    else if (k === 34) {
      const de = lengthDelimited(buf, p, e);
      ref.offset = base + pos;
      ref.length = de - pos;
      p = de;
      continue;
    } else {
      p = skipField(buf, p, e, k & 7);
      continue;
    }
    p = pos;
  }
  return ref;
}

export function audioRef(buf: Buffer, s: number, e: number, base: number, key: string): AudioRef {
  const ref: AudioRef = { key, offset: 0, length: 0, contentType: 'audio/wav', label: '', sampleRate: 0 };
  let p = s;
  while (p < e) {
    const k = varint(buf, p, e);
    p = pos;
    if (k === 13) {
      ref.sampleRate = readFloat(buf, p, e);
      p += 4;
    } else if (k === 34 || k === 42) {
      const de = lengthDelimited(buf, p, e);
      if (k === 34) {
        ref.offset = base + pos;
        ref.length = de - pos;
      } else if (de > pos && de - pos <= 128) ref.contentType = utf8(buf, pos, de); // the viewer serves only allowlisted types
      p = de;
    } else p = skipField(buf, p, e, k & 7);
  }
  return ref;
}

export function tensorImageRefs(t: DecodedTensor, buf: Buffer, base: number, key: string): ImageRef[] {
  const r = t.stringRanges;
  if (r.length < 4) return [];
  const width = Number(utf8(buf, r[0], r[1])) || 0;
  const height = Number(utf8(buf, r[2], r[3])) || 0;
  const out: ImageRef[] = [];
  for (let i = 4; i < r.length; i += 2) out.push({ key, offset: base + r[i], length: r[i + 1] - r[i], width, height });
  return out;
}

export function tensorAudioRefs(t: DecodedTensor, buf: Buffer, base: number, key: string): AudioRef[] {
  const r = t.stringRanges;
  // The stride is a dim the content was checked against (checkedTensor); 0 would never advance.
  const cols = t.shape.length === 2 && t.shape[1] >= 1 ? t.shape[1] : 1;
  const out: AudioRef[] = [];
  for (let i = 0; i + 1 < r.length; i += 2 * cols) {
    const label = cols >= 2 && i + 3 < r.length ? utf8(buf, r[i + 2], r[i + 3]) : '';
    out.push({ key, offset: base + r[i], length: r[i + 1] - r[i], contentType: 'audio/wav', label, sampleRate: 0 });
  }
  return out;
}

export function pluginContentRange(buf: Buffer, s: number, e: number): [number, number] | undefined {
  let p = s;
  while (p < e) {
    const k = varint(buf, p, e);
    p = pos;
    if (k === 10) {
      const pe = lengthDelimited(buf, p, e);
      let q = pos;
      while (q < pe) {
        const k2 = varint(buf, q, pe);
        q = pos;
        if (k2 === 18) {
          const ce = lengthDelimited(buf, q, pe);
          return [pos, ce];
        }
        q = skipField(buf, q, pe, k2 & 7);
      }
      p = pe;
    } else p = skipField(buf, p, e, k & 7);
  }
  return undefined;
}

export function decodeMetadata(buf: Buffer, s: number, e: number): TagMetadata {
  const m: TagMetadata = { displayName: '', description: '', pluginName: '', pluginContent: EMPTY_BYTES, dataClass: 0 };
  let p = s;
  while (p < e) {
    const k = varint(buf, p, e);
    p = pos;
    if (k === 10) {
      const pe = lengthDelimited(buf, p, e);
      let q = pos;
      while (q < pe) {
        const k2 = varint(buf, q, pe);
        q = pos;
        if (k2 === 10 || k2 === 18) {
          const fe = lengthDelimited(buf, q, pe);
          if (k2 === 10) m.pluginName = utf8(buf, pos, fe);
          else m.pluginContent = Uint8Array.prototype.slice.call(buf, pos, fe);
          q = fe;
        } else q = skipField(buf, q, pe, k2 & 7);
      }
      p = pe;
    } else if (k === 18 || k === 26) {
      const fe = lengthDelimited(buf, p, e);
      if (k === 18) m.displayName = utf8(buf, pos, fe);
      else m.description = utf8(buf, pos, fe);
      p = fe;
    } else if (k === 32) {
      m.dataClass = varint(buf, p, e);
      p = pos;
    } else p = skipField(buf, p, e, k & 7);
  }
  return m;
}
