// Hand-built hostile event records for the tests that attack the engine and the viewer: tensors
// whose claimed shape says anything while the bytes hold little, and protobufs nested deep or
// claiming huge lengths. Built with the engine's own ProtoWriter and framing, so only what the
// test means to be wrong is wrong (CRCs and framing are valid).
import { ProtoWriter, encodeRecord } from '../writer/index.js';

export const DT_FLOAT = 1;
export const DT_DOUBLE = 2;
export const DT_STRING = 7;

/** A TensorShapeProto with these dims (negative dims are written as int64 two's complement). */
export function shapeProto(dims: readonly number[]): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of dims) w.message(2, new ProtoWriter().varint(1, d));
  return w;
}

export interface TensorSpec {
  dtype: number;
  shape: readonly number[];
  /** Raw little-endian tensor_content. */
  content?: Uint8Array;
  /** string_val elements. */
  strings?: readonly (string | Uint8Array)[];
  /** float_val, packed. */
  floats?: readonly number[];
}

export function tensorProto(t: TensorSpec): ProtoWriter {
  const w = new ProtoWriter().varint(1, t.dtype).message(2, shapeProto(t.shape));
  if (t.content) w.bytes(4, t.content);
  if (t.floats && t.floats.length) w.packedFloats(5, t.floats);
  for (const s of t.strings ?? []) w.bytes(8, typeof s === 'string' ? Buffer.from(s, 'utf8') : s);
  return w;
}

/** One framed event: a summary value of `tag` carrying `tensor`, with the plugin's metadata. */
export function tensorRecord(tag: string, plugin: string, tensor: ProtoWriter, step = 0, wallTime = 1): Buffer {
  const meta = new ProtoWriter().message(1, new ProtoWriter().string(1, plugin));
  const value = new ProtoWriter().string(1, tag).message(9, meta).message(8, tensor);
  const event = new ProtoWriter().double(1, wallTime).varint(2, step).message(5, new ProtoWriter().message(1, value));
  return encodeRecord(event.finish());
}

/** A framed TF1 audio event whose content_type is whatever the log says. */
export function audioRecord(tag: string, clip: Uint8Array, contentType: string, step = 0, wallTime = 1): Buffer {
  const audio = new ProtoWriter().float(1, 44100).varint(2, 1).varint(3, 1).bytes(4, clip).string(5, contentType);
  const value = new ProtoWriter().string(1, tag).message(6, audio);
  const event = new ProtoWriter().double(1, wallTime).varint(2, step).message(5, new ProtoWriter().message(1, value));
  return encodeRecord(event.finish());
}

/** A framed event whose summary value's tensor field holds `depth` nested length-delimited messages. */
export function deepRecord(depth: number): Buffer {
  let inner = new ProtoWriter().varint(1, 1);
  for (let i = 0; i < depth; i++) inner = new ProtoWriter().message(1 + (i % 3), inner);
  return tensorRecord('deep', 'text', inner);
}

/**
 * A framed event with a length-delimited field claiming `claimed` bytes while the record holds
 * `present`: at the event, summary, value or tensor level.
 */
export function hugeLengthRecord(level: 0 | 1 | 2 | 3, claimed: number, present: number): Buffer {
  const lie = (field: number): Uint8Array => {
    // The key of a length-delimited `field` (< 16: one byte), the claimed length, fewer bytes.
    const len: number[] = [];
    let v = claimed;
    while (v >= 0x80) {
      len.push((v % 128) | 0x80);
      v = Math.floor(v / 128);
    }
    len.push(v);
    return Buffer.concat([Uint8Array.of(field * 8 + 2), Uint8Array.from(len), new Uint8Array(present).fill(0x0a)]);
  };
  let body: Uint8Array;
  if (level === 0) body = Buffer.concat([new ProtoWriter().double(1, 1).finish(), lie(5)]);
  else if (level === 1) body = Buffer.concat([new ProtoWriter().double(1, 1).finish(), new ProtoWriter().bytes(5, lie(1)).finish()]);
  else if (level === 2) {
    const value = Buffer.concat([new ProtoWriter().string(1, 'x').finish(), lie(8)]);
    body = new ProtoWriter().double(1, 1).bytes(5, new ProtoWriter().bytes(1, value).finish()).finish();
  } else {
    const tensor = Buffer.concat([new ProtoWriter().varint(1, DT_FLOAT).finish(), lie(4)]);
    const meta = new ProtoWriter().message(1, new ProtoWriter().string(1, 'histograms'));
    const value = new ProtoWriter().string(1, 'x').message(9, meta).bytes(8, tensor);
    body = new ProtoWriter().double(1, 1).message(5, new ProtoWriter().message(1, value)).finish();
  }
  return encodeRecord(body);
}

export function floats(values: readonly number[]): Uint8Array {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeFloatLE(v, i * 4));
  return b;
}

export function doubles(values: readonly number[]): Uint8Array {
  const b = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => b.writeDoubleLE(v, i * 8));
  return b;
}
