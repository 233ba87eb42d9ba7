// A MindSpore summary writer for tests and benchmarks, written from the field numbers of
// MindSpore's summary.proto / anf_ir.proto (shared/spec/mindspore-facts.md), the way MindSpore's
// SummaryRecord writes: a file `{prefix}.out.events.summary.{secs}.{device}.{host}{suffix}`, first
// record `version = "MindSpore.Event:1"`, then optionally a graph_def event, then one event per
// record(step) whose Summary holds every value added since the last record. Framing is TFRecord's
// (src/writer/record.ts). Invariant: the file grows by whole records only; nothing here is
// imported by production code.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ProtoWriter } from '../writer/proto-writer.js';
import { encodeRecord } from '../writer/record.js';

export interface MsBucket {
  left: number;
  width: number;
  count: number;
}

export interface MsHistogram {
  buckets: MsBucket[];
  min: number;
  max: number;
  sum: number;
  count: number;
  nanCount?: number;
  posInfCount?: number;
  negInfCount?: number;
}

export interface MsTensorInput {
  dims: number[];
  /** anf_ir DataType (DT_FLOAT32 = 11 by default). */
  dataType?: number;
  values: ArrayLike<number>;
}

export type MsValue =
  | { tag: string; scalar: number }
  | { tag: string; image: { png: Uint8Array; width: number; height: number } }
  | { tag: string; histogram: MsHistogram }
  | { tag: string; tensor: MsTensorInput };

/** Summary.Histogram of `values` as MindSpore's summary adapter builds it: `bins` equal buckets over [min, max]. */
export function msHistogramOf(values: ArrayLike<number>, bins = 30): MsHistogram {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let count = 0;
  let nan = 0;
  let pos = 0;
  let neg = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) nan++;
    else if (v === Infinity) pos++;
    else if (v === -Infinity) neg++;
    else {
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
      count++;
    }
  }
  if (count === 0) return { buckets: [], min: 0, max: 0, sum: 0, count: 0, nanCount: nan, posInfCount: pos, negInfCount: neg };
  const width = max > min ? (max - min) / bins : 1;
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    counts[Math.min(bins - 1, Math.floor((v - min) / width))]++;
  }
  return { buckets: counts.map((c, i) => ({ left: min + i * width, width, count: c })), min, max, sum, count, nanCount: nan, posInfCount: pos, negInfCount: neg };
}

/** anf_ir TensorProto: dims=1 (unpacked, as MindSpore writes), data_type=2, float_data=3 (packed). */
export function encodeMsTensor(t: MsTensorInput): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of t.dims) w.varint(1, d);
  w.varint(2, t.dataType ?? 11);
  if (t.values.length) w.packedFloats(3, t.values);
  return w;
}

/** Summary.Value {tag=1, scalar_value=3 | image=4 | tensor=8 | histogram=9}. */
export function encodeMsValue(v: MsValue): ProtoWriter {
  const w = new ProtoWriter().string(1, v.tag);
  if ('scalar' in v) w.float(3, v.scalar);
  else if ('image' in v) {
    w.message(4, new ProtoWriter().varint(1, v.image.height).varint(2, v.image.width).varint(3, 3).bytes(4, v.image.png));
  } else if ('histogram' in v) {
    const h = v.histogram;
    const hw = new ProtoWriter();
    for (const b of h.buckets) hw.message(1, new ProtoWriter().double(1, b.left).double(2, b.width).varint(3, b.count));
    hw.varint(2, h.nanCount ?? 0).varint(3, h.posInfCount ?? 0).varint(4, h.negInfCount ?? 0);
    hw.double(5, h.max).double(6, h.min).double(7, h.sum).varint(8, h.count);
    w.message(9, hw);
  } else w.message(8, encodeMsTensor(v.tensor));
  return w;
}

/** Event payloads (unframed). */
export const msEvent = {
  version(wall: number): Uint8Array {
    return new ProtoWriter().double(1, wall).string(3, 'MindSpore.Event:1').finish();
  },
  graph(wall: number, graph: Uint8Array): Uint8Array {
    return new ProtoWriter().double(1, wall).bytes(4, graph).finish();
  },
  summary(wall: number, step: number, values: MsValue[]): Uint8Array {
    const s = new ProtoWriter();
    for (const v of values) s.message(1, encodeMsValue(v));
    return new ProtoWriter().double(1, wall).varint(2, step).message(5, s).finish();
  },
};

/** A minimal anf_ir GraphProto: name=2 … only its bytes matter to a reader that keeps references. */
export function tinyGraphProto(name: string): Uint8Array {
  return new ProtoWriter().string(2, name).finish();
}

export interface MsWriterOptions {
  now?: () => number;
  prefix?: string;
  suffix?: string;
  deviceId?: number;
  host?: string;
  /** Seconds in the file name (default: now). */
  timestamp?: number;
  flushBytes?: number;
}

/** Appends MindSpore events to a new summary file in `dir` (created if missing). */
export class MsSummaryWriter {
  readonly path: string;
  private fd: number | undefined;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private values: MsValue[] = [];
  private readonly now: () => number;
  private readonly flushBytes: number;

  constructor(
    readonly dir: string,
    options: MsWriterOptions = {},
  ) {
    this.now = options.now ?? (() => Date.now() / 1000);
    this.flushBytes = options.flushBytes ?? 1 << 20;
    mkdirSync(dir, { recursive: true });
    const secs = options.timestamp ?? Math.floor(this.now());
    const name = `${options.prefix ?? 'events'}.out.events.summary.${secs}.${options.deviceId ?? 0}.${options.host ?? 'worker-01'}${options.suffix ?? '_MS'}`;
    this.path = join(dir, name);
    this.fd = openSync(this.path, 'a');
    this.writePayload(msEvent.version(this.now()));
    this.flush();
  }

  /** Appends one framed record of `payload` (an Event's bytes, or anything a test hand-crafts). */
  writePayload(payload: Uint8Array): void {
    if (this.fd === undefined) throw new Error('MsSummaryWriter is closed');
    const r = encodeRecord(payload);
    this.pending.push(r);
    this.pendingBytes += r.length;
    if (this.pendingBytes >= this.flushBytes) this.flush();
  }

  addGraph(graph: Uint8Array, wall = this.now()): void {
    this.writePayload(msEvent.graph(wall, graph));
  }

  addScalar(tag: string, value: number): void {
    this.values.push({ tag, scalar: value });
  }
  addImage(tag: string, png: Uint8Array, width: number, height: number): void {
    this.values.push({ tag, image: { png, width, height } });
  }
  addHistogram(tag: string, values: ArrayLike<number>, bins = 30): void {
    this.values.push({ tag, histogram: msHistogramOf(values, bins) });
  }
  addTensor(tag: string, dims: number[], values: ArrayLike<number>, dataType = 11): void {
    this.values.push({ tag, tensor: { dims, values, dataType } });
  }

  /** SummaryRecord.record(step): one event holding every value added since the last record. */
  record(step: number, wall = this.now()): void {
    if (this.values.length === 0) return;
    this.writePayload(msEvent.summary(wall, step, this.values));
    this.values = [];
  }

  flush(): void {
    if (this.fd === undefined || this.pending.length === 0) return;
    writeSync(this.fd, Buffer.concat(this.pending));
    this.pending = [];
    this.pendingBytes = 0;
  }

  close(): void {
    this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
