// Event protos encoded as PyTorch (tf1: simple_value/histo/image/audio) or TensorFlow 2 (tf2:
// tensors with plugin metadata) writes them, each returned as one framed record. Invariant: a
// tag's metadata goes with its first value only, as TF2 writers do, so readers must inherit it.
import { maskedCrc32c } from '../events/crc32c.js';
import { DT_DOUBLE, DT_FLOAT, DT_HALF, DT_STRING } from '../events/tensor.js';
import { bucketize, prCurveData } from './compute.js';
import { ProtoWriter } from './proto-writer.js';
import { encodeRecord } from './record.js';
import type { CustomScalarsLayout, HparamInput, RawHistogram, ScalarEncoding, WriterStyle } from './types.js';

function pluginMetadata(plugin: string, content?: Uint8Array, dataClass?: number, displayName?: string, description?: string): ProtoWriter {
  const pd = new ProtoWriter().string(1, plugin);
  if (content && content.length) pd.bytes(2, content);
  const m = new ProtoWriter().message(1, pd);
  if (displayName) m.string(2, displayName);
  if (description) m.string(3, description);
  if (dataClass) m.varint(4, dataClass);
  return m;
}

function shape(dims: number[]): ProtoWriter {
  const s = new ProtoWriter();
  for (const d of dims) s.message(2, new ProtoWriter().varint(1, d));
  return s;
}

function stringTensor(dims: number[], strings: Uint8Array[]): ProtoWriter {
  const t = new ProtoWriter().varint(1, DT_STRING).message(2, shape(dims));
  for (const s of strings) t.bytes(8, s);
  return t;
}

/** PNG width and height from the IHDR chunk (0 when the bytes are not a PNG). */
function pngSize(png: Uint8Array): { width: number; height: number } {
  if (png.length < 24 || png[0] !== 0x89 || png[1] !== 0x50) return { width: 0, height: 0 };
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: dv.getUint32(16), height: dv.getUint32(20) };
}

const enc = new TextEncoder();

function protoValue(v: HparamInput): ProtoWriter {
  const w = new ProtoWriter();
  if (typeof v === 'number') w.double(2, v);
  else if (typeof v === 'boolean') w.varint(4, v ? 1 : 0);
  else w.string(3, v);
  return w;
}

/** Builds framed event records; stateful only in which tags already sent their metadata. */
export class EventEncoder {
  private sentMetadata = new Set<string>();
  private readonly scratch = Buffer.allocUnsafe(64 * 1024);

  constructor(readonly style: WriterStyle = 'tf1') {}

  private event(wallTime: number, step: number, fill: (e: ProtoWriter) => void): Buffer {
    const e = new ProtoWriter().double(1, wallTime);
    if (step !== 0) e.varint(2, step);
    fill(e);
    return encodeRecord(e.finish());
  }

  private summaryEvent(wallTime: number, step: number, value: ProtoWriter): Buffer {
    return this.event(wallTime, step, (e) => e.message(5, new ProtoWriter().message(1, value)));
  }

  /** Metadata for the first value of a tag only. */
  private firstMetadata(tag: string, meta: () => ProtoWriter): ProtoWriter | undefined {
    if (this.sentMetadata.has(tag)) return undefined;
    this.sentMetadata.add(tag);
    return meta();
  }

  fileVersion(wallTime: number): Buffer {
    return this.event(wallTime, 0, (e) => e.string(3, 'brain.Event:2'));
  }

  /** SessionLog START (status 1) at `step`: readers purge samples with step ≥ it. */
  sessionStart(step: number, wallTime: number): Buffer {
    return this.event(wallTime, step, (e) => e.message(7, new ProtoWriter().varint(1, 1)));
  }

  /** PyTorch add_scalar. Hand-encoded (no intermediate objects): benchmarks write a million. */
  scalar(tag: string, value: number, step: number, wallTime: number): Buffer {
    const tagLen = Buffer.byteLength(tag);
    const tf2 = this.style === 'tf2';
    if (tagLen > 100 || (tf2 && !this.sentMetadata.has(tag))) {
      const v = new ProtoWriter().string(1, tag);
      if (!tf2) return this.summaryEvent(wallTime, step, v.float(2, value));
      const m = this.firstMetadata(tag, () => pluginMetadata('scalars', undefined, 1));
      if (m) v.message(9, m);
      const content = Buffer.allocUnsafe(4);
      content.writeFloatLE(value, 0);
      v.message(8, new ProtoWriter().varint(1, DT_FLOAT).message(2, new ProtoWriter()).bytes(4, content));
      return this.summaryEvent(wallTime, step, v);
    }
    // Event{1: wall (fixed64), 2: step (varint), 5: Summary{1: Value{1: tag, 2: simple_value}}}
    const b = this.scratch;
    let p = 12;
    b[p++] = 9;
    b.writeDoubleLE(wallTime, p);
    p += 8;
    if (step !== 0) {
      b[p++] = 16;
      p = writeVarint(b, p, step);
    }
    // tf1 value: {1: tag, 2: simple_value}; tf2: {1: tag, 8: Tensor{1: DT_FLOAT, 2: {}, 4: 4 bytes}}
    const valueLen = 2 + tagLen + (tf2 ? 12 : 5);
    b[p++] = 42;
    b[p++] = valueLen + 2;
    b[p++] = 10;
    b[p++] = valueLen;
    b[p++] = 10;
    b[p++] = tagLen;
    p += b.write(tag, p, 'utf8');
    if (tf2) {
      b[p++] = 66;
      b[p++] = 10;
      b[p++] = 8;
      b[p++] = DT_FLOAT;
      b[p++] = 18;
      b[p++] = 0;
      b[p++] = 34;
      b[p++] = 4;
    } else b[p++] = 21;
    b.writeFloatLE(value, p);
    p += 4;
    const len = p - 12;
    b.writeUInt32LE(len, 0);
    b.writeUInt32LE(0, 4);
    b.writeUInt32LE(maskedCrc32c(b, 0, 8), 8);
    b.writeUInt32LE(maskedCrc32c(b, 12, p), p);
    return Buffer.from(b.subarray(0, p + 4));
  }

  /** A scalar in one of the encodings writers use (see ScalarEncoding). */
  scalarAs(encoding: ScalarEncoding, tag: string, value: number, step: number, wallTime: number): Buffer {
    if (encoding === 'simple_value') return this.summaryEvent(wallTime, step, new ProtoWriter().string(1, tag).float(2, value));
    const t = new ProtoWriter();
    const v = new ProtoWriter().string(1, tag);
    if (encoding === 'pytorch_new_style') {
      t.varint(1, DT_FLOAT).packedFloats(5, [value]);
      return this.summaryEvent(wallTime, step, v.message(8, t).message(9, pluginMetadata('scalars')));
    }
    const dtype = encoding === 'double_val' || encoding === 'double_content' ? DT_DOUBLE : encoding === 'half_val' ? DT_HALF : DT_FLOAT;
    t.varint(1, dtype).message(2, new ProtoWriter());
    if (encoding === 'tensor_content') {
      const b = Buffer.allocUnsafe(4);
      b.writeFloatLE(value, 0);
      t.bytes(4, b);
    } else if (encoding === 'double_content') {
      const b = Buffer.allocUnsafe(8);
      b.writeDoubleLE(value, 0);
      t.bytes(4, b);
    } else if (encoding === 'float_val') t.packedFloats(5, [value]);
    else if (encoding === 'float_val_unpacked') t.float(5, value);
    else if (encoding === 'double_val') t.packedDoubles(6, [value]);
    else t.bytes(13, new ProtoWriter().varint(1, numberToHalf(value)).finish().subarray(1)); // packed: the varint alone
    const m = this.firstMetadata(tag, () => pluginMetadata('scalars', undefined, 1));
    if (m) v.message(9, m);
    return this.summaryEvent(wallTime, step, v.message(8, t));
  }

  /** PyTorch add_histogram with the histogram already bucketed. */
  histogramRaw(tag: string, h: RawHistogram, step: number, wallTime: number): Buffer {
    if (this.style === 'tf2') {
      const k = h.bucketCounts.length;
      const rows: number[] = [];
      for (let i = 0; i < k; i++) rows.push(i === 0 ? h.min : h.bucketLimits[i - 1], i === k - 1 ? h.max : h.bucketLimits[i], h.bucketCounts[i]);
      const v = new ProtoWriter().string(1, tag);
      const m = this.firstMetadata(tag, () => pluginMetadata('histograms', undefined, 2));
      if (m) v.message(9, m);
      v.message(8, new ProtoWriter().varint(1, DT_DOUBLE).message(2, shape([k, 3])).packedDoubles(6, rows));
      return this.summaryEvent(wallTime, step, v);
    }
    const histo = new ProtoWriter()
      .double(1, h.min)
      .double(2, h.max)
      .double(3, h.num)
      .double(4, h.sum)
      .double(5, h.sumSquares)
      .packedDoubles(6, h.bucketLimits)
      .packedDoubles(7, h.bucketCounts);
    return this.summaryEvent(wallTime, step, new ProtoWriter().string(1, tag).message(5, histo));
  }

  /** PyTorch add_histogram: `bins` equal-width buckets over [min, max] of the values. */
  histogram(tag: string, values: ArrayLike<number>, step: number, wallTime: number, bins = 30): Buffer {
    return this.histogramRaw(tag, bucketize(values, bins), step, wallTime);
  }

  /** PyTorch add_image with encoded PNG bytes (size read from the PNG header unless given). */
  image(tag: string, png: Uint8Array, step: number, wallTime: number, size = pngSize(png)): Buffer {
    if (this.style === 'tf2') {
      const v = new ProtoWriter().string(1, tag);
      const m = this.firstMetadata(tag, () => pluginMetadata('images', undefined, 2));
      if (m) v.message(9, m);
      v.message(8, stringTensor([3], [enc.encode(String(size.width)), enc.encode(String(size.height)), png]));
      return this.summaryEvent(wallTime, step, v);
    }
    const img = new ProtoWriter().varint(1, size.height).varint(2, size.width).varint(3, 3).bytes(4, png);
    return this.summaryEvent(wallTime, step, new ProtoWriter().string(1, tag).message(4, img));
  }

  /** PyTorch add_audio with encoded WAV bytes. */
  audio(tag: string, wav: Uint8Array, step: number, wallTime: number, sampleRate = 44100, label = ''): Buffer {
    if (this.style === 'tf2') {
      const v = new ProtoWriter().string(1, tag);
      // AudioPluginData {version=1, encoding=2 (WAV=11)}
      const m = this.firstMetadata(tag, () => pluginMetadata('audio', new ProtoWriter().varint(2, 11).finish(), 2));
      if (m) v.message(9, m);
      v.message(8, stringTensor([1, 2], [wav, enc.encode(label)]));
      return this.summaryEvent(wallTime, step, v);
    }
    const au = new ProtoWriter().float(1, sampleRate).varint(2, 1).varint(3, 0).bytes(4, wav).string(5, 'audio/wav');
    return this.summaryEvent(wallTime, step, new ProtoWriter().string(1, tag).message(6, au));
  }

  /** PyTorch add_text (a rank-1 string tensor); a 2-D array of strings writes a table. */
  text(tag: string, text: string | string[][], step: number, wallTime: number): Buffer {
    const v = new ProtoWriter().string(1, tag).message(9, pluginMetadata('text', undefined, 2));
    const t =
      typeof text === 'string'
        ? stringTensor([1], [enc.encode(text)])
        : stringTensor([text.length, text[0]?.length ?? 0], text.flat().map((s) => enc.encode(s)));
    v.message(8, t);
    return this.summaryEvent(wallTime, step, v);
  }

  /** PyTorch add_pr_curve: labels (0/1) and predictions in [0, 1]. */
  prCurve(tag: string, labels: ArrayLike<number | boolean>, predictions: ArrayLike<number>, step: number, wallTime: number, numThresholds = 127): Buffer {
    return this.prCurveRaw(tag, prCurveData(labels, predictions, numThresholds), numThresholds, step, wallTime);
  }

  /** A PR curve given as its [6, n] rows (TP, FP, TN, FN, precision, recall), row-major. */
  prCurveRaw(tag: string, data: ArrayLike<number>, numThresholds: number, step: number, wallTime: number): Buffer {
    // PrCurvePluginData {version=1, num_thresholds=2}
    const content = new ProtoWriter().varint(2, numThresholds).finish();
    const v = new ProtoWriter().string(1, tag).message(9, pluginMetadata('pr_curves', content));
    v.message(8, new ProtoWriter().varint(1, DT_FLOAT).message(2, shape([6, numThresholds])).packedFloats(5, data));
    return this.summaryEvent(wallTime, step, v);
  }

  /** The three hparams summaries PyTorch's add_hparams writes (experiment, session start, end). */
  hparams(hparams: Record<string, HparamInput>, metricTags: string[], wallTime: number): Buffer[] {
    const meta = (tag: string, data: ProtoWriter): Buffer => {
      const content = new ProtoWriter().varint(1, 0).message(tag === '_hparams_/experiment' ? 2 : tag === '_hparams_/session_start_info' ? 3 : 4, data).finish();
      return this.summaryEvent(wallTime, 0, new ProtoWriter().string(1, tag).message(9, pluginMetadata('hparams', content)));
    };
    const exp = new ProtoWriter();
    for (const [name, v] of Object.entries(hparams)) {
      exp.message(4, new ProtoWriter().string(1, name).varint(4, typeof v === 'number' ? 3 : typeof v === 'boolean' ? 2 : 1));
    }
    for (const tag of metricTags) exp.message(5, new ProtoWriter().message(1, new ProtoWriter().string(2, tag)));
    const start = new ProtoWriter();
    for (const [name, v] of Object.entries(hparams)) start.message(1, new ProtoWriter().string(1, name).message(2, protoValue(v)));
    start.double(5, wallTime);
    const end = new ProtoWriter().varint(1, 1).double(2, wallTime);
    return [meta('_hparams_/experiment', exp), meta('_hparams_/session_start_info', start), meta('_hparams_/session_end_info', end)];
  }

  /**
   * PyTorch add_custom_scalars: the Layout proto (categories → charts → multiline tags or margin
   * series) as a rank-0 string tensor under `custom_scalars__config__`, plugin `custom_scalars`.
   */
  customScalars(layout: CustomScalarsLayout, wallTime: number): Buffer {
    const l = new ProtoWriter();
    for (const [title, charts] of Object.entries(layout)) {
      const cat = new ProtoWriter().string(1, title);
      for (const [chartTitle, [kind, tags]] of Object.entries(charts)) {
        const chart = new ProtoWriter().string(1, chartTitle);
        if (kind === 'Multiline') {
          const m = new ProtoWriter();
          for (const t of tags) m.string(1, t);
          chart.message(2, m);
        } else {
          const series = new ProtoWriter().string(1, tags[0] ?? '').string(2, tags[1] ?? '').string(3, tags[2] ?? '');
          chart.message(3, new ProtoWriter().message(1, series));
        }
        cat.message(2, chart);
      }
      l.message(2, cat);
    }
    const v = new ProtoWriter().string(1, 'custom_scalars__config__').message(9, pluginMetadata('custom_scalars'));
    v.message(8, stringTensor([], [l.finish()]));
    return this.summaryEvent(wallTime, 0, v);
  }

  /** A serialized GraphDef (PyTorch add_graph writes one). */
  graph(graphDef: Uint8Array, wallTime: number): Buffer {
    return this.event(wallTime, 0, (e) => e.bytes(4, graphDef));
  }

  /** tagged_run_metadata with serialized RunMetadata bytes. */
  runMetadata(tag: string, runMetadata: Uint8Array, step: number, wallTime: number): Buffer {
    return this.event(wallTime, step, (e) => e.message(8, new ProtoWriter().string(1, tag).bytes(2, runMetadata)));
  }
}

/** IEEE half bits of `v`, rounded to nearest even (through float32, as numpy's float16 does for float32 input). */
export function numberToHalf(v: number): number {
  const f = new Float32Array([v]);
  const u = new Uint32Array(f.buffer)[0];
  const sign = (u >>> 16) & 0x8000;
  const e32 = (u >>> 23) & 0xff;
  let mant = u & 0x7fffff;
  if (e32 === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = e32 - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
  return sign | h;
}

function writeVarint(b: Buffer, p: number, v: number): number {
  if (v < 0) {
    let x = BigInt.asUintN(64, BigInt(Math.trunc(v)));
    while (x >= 0x80n) {
      b[p++] = Number(x & 0x7fn) | 0x80;
      x >>= 7n;
    }
    b[p++] = Number(x);
    return p;
  }
  while (v >= 0x80) {
    b[p++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  b[p++] = v;
  return p;
}
