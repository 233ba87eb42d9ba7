// MindSpore summary records (summary.proto, proto2) into the same run state the TensorBoard decoder
// fills: Event{wall_time=1, step=2, version=3 | graph_def=4 | summary=5}, Summary{value=1},
// Value{tag=1, scalar_value=3 | image=4 | tensor=8 | histogram=9 | loss_landscape=10}.
// Scalars go into the columnar scalar store with no allocation per value once a tag is known (the
// tag is found by its bytes); images and tensors are references to their bytes in the file;
// histograms become TensorBoard's flat [left, right, count] buckets.
// Naming: a series is its bare tag, as TensorBoard's API names it; MindInsight's name
// (`{tag}/{plugin}`) is its metadata's displayName. One bare tag may hold a scalar and a histogram
// (the kind is only which Value field is set): the kind seen second is kept under its MindInsight name.
// A step not greater than a tag's last starts that tag again from there (MindInsight's purge).
// Invariant: like EventDecoder, a malformed record or one over a cap is a problem of the run at
// the record's offset, never an exception out of record().
import { LIMITS } from '../limits.js';
import type { SeriesKind, TagMetadata } from '../model.js';
import { ProtoError, lengthDelimited, pos, readDouble, readFloat, skipField, utf8, varint } from '../proto.js';
import type { FrameProblem, RecordSink } from '../record-reader.js';
import { RunState, newFileState, type FileState } from '../run.js';
import type { TagState } from '../tag-table.js';
import { EMPTY_BYTES, boundBlobs, short, type Warn } from '../values.js';
import { decodeMsTensor } from './tensor.js';

// Value oneof field numbers.
const F_SCALAR = 3;
const F_IMAGE = 4;
const F_TENSOR = 8;
const F_HISTOGRAM = 9;
const F_LANDSCAPE = 10;

/** Per Value field: the series kind, TensorBoard plugin name and MindInsight plugin. */
const KINDS: Record<number, { kind: SeriesKind; plugin: string; mi: string }> = {
  [F_SCALAR]: { kind: 'scalars', plugin: 'scalars', mi: 'scalar' },
  [F_IMAGE]: { kind: 'images', plugin: 'images', mi: 'image' },
  [F_TENSOR]: { kind: 'tensors', plugin: 'mindspore_tensor', mi: 'tensor' },
  [F_HISTOGRAM]: { kind: 'histograms', plugin: 'histograms', mi: 'histogram' },
  [F_LANDSCAPE]: { kind: 'tensors', plugin: 'mindspore_loss_landscape', mi: 'loss_landscape' },
};

const GRAPH = { kind: 'tensors' as SeriesKind, plugin: 'mindspore_graph', mi: 'graph' };

function msMetadata(displayName: string, plugin: string, mi: string): TagMetadata {
  return { displayName, description: '', pluginName: plugin, pluginContent: EMPTY_BYTES, dataClass: 0, mindinsightPlugin: mi };
}

/**
 * Whether a tag may take values of this kind: the same kind and plugin — a MindSpore series, or a
 * TensorBoard one of the same tag in the same run (scalars, images, histograms merge as TensorBoard
 * merges the files of a run, whichever format came first).
 */
function fits(t: TagState, kind: SeriesKind, plugin: string): boolean {
  return t.kind === kind && t.metadata.pluginName === plugin;
}

/** Decodes the records of the MindSpore summary it is pointed at (`run`, `file`) into that run. */
export class MsEventDecoder implements RecordSink, Warn {
  run: RunState = new RunState('');
  file: FileState = newFileState('', '');
  private recOffset = 0;

  record(buf: Buffer, s: number, e: number, base: number): void {
    this.recOffset = base + s - 12;
    if (e - s > MAX_EVENT_BYTES) {
      this.warn('limit', `event of ${e - s} bytes is over MindInsight's limit of ${MAX_EVENT_BYTES}: skipped`);
      return;
    }
    try {
      this.decodeEvent(buf, s, e, base);
    } catch (err) {
      const message = err instanceof ProtoError ? err.message : `decode failed: ${err instanceof Error ? err.message : String(err)}`;
      const kind = err instanceof ProtoError ? err.kind : 'decode';
      this.run.addProblem({ file: this.file.key, offset: this.recOffset, kind, message });
    }
  }

  problem(kind: FrameProblem, offset: number, message: string): void {
    this.run.addProblem({ file: this.file.key, offset, kind, message });
  }

  warn(kind: 'shape' | 'limit', message: string): void {
    this.run.addProblem({ file: this.file.key, offset: this.recOffset, kind, message });
  }

  private decodeEvent(buf: Buffer, s: number, e: number, base: number): void {
    const run = this.run;
    let wall = 0;
    let step = 0;
    let summaryS = -1;
    let summaryE = -1;
    let graphS = -1;
    let graphE = -1;
    let p = s;
    while (p < e) {
      const key = varint(buf, p, e);
      p = pos;
      switch (key) {
        case 9:
          wall = readDouble(buf, p, e);
          p += 8;
          break;
        case 16:
          step = varint(buf, p, e);
          p = pos;
          break;
        case 34:
          graphE = lengthDelimited(buf, p, e);
          graphS = pos;
          p = graphE;
          break;
        case 42:
          summaryE = lengthDelimited(buf, p, e);
          summaryS = pos;
          p = summaryE;
          break;
        default: // version=3, explain=6, anything newer
          p = skipField(buf, p, e, key & 7);
      }
    }
    if (Number.isNaN(run.firstWallTime)) run.firstWallTime = wall;
    if (graphS >= 0) this.graph(buf, graphS, graphE, base, step, wall);
    if (summaryS < 0) return;
    p = summaryS;
    while (p < summaryE) {
      // The scalar fast path: Value{1: tag, 3: float} with one-byte lengths, for a known scalar tag.
      if (buf[p] === 0x0a && buf[p + 2] === 0x0a) {
        const ve = p + 2 + buf[p + 1];
        const ts = p + 4;
        const te = ts + buf[p + 3];
        if (buf[p + 1] < 0x80 && buf[p + 3] < 0x80 && te + 5 === ve && ve <= summaryE && buf[te] === 0x1d && fastScalar(this.run, buf, ts, te, step, wall)) {
          p = ve;
          continue;
        }
      }
      const key = varint(buf, p, summaryE);
      p = pos;
      if (key === 10) {
        const ve = lengthDelimited(buf, p, summaryE);
        this.value(buf, pos, ve, base, step, wall);
        p = ve;
      } else p = skipField(buf, p, summaryE, key & 7);
    }
  }

  /** A graph_def: kept as a reference, a series named as MindInsight names it (the file's name). */
  private graph(buf: Buffer, s: number, e: number, base: number, step: number, wall: number): void {
    if (e - s > LIMITS.graphBytes) {
      this.warn('limit', `graph_def of ${e - s} bytes is over the cap of ${LIMITS.graphBytes}: not kept`);
      return;
    }
    const key = this.file.key;
    const name = Buffer.from(key.slice(key.lastIndexOf('/') + 1), 'utf8');
    const table = this.run.tagTable;
    let t = table.find(name, 0, name.length);
    if (t === undefined) t = table.add(name, 0, name.length, GRAPH.kind, msMetadata(name.toString('utf8'), GRAPH.plugin, GRAPH.mi));
    else if (!fits(t, GRAPH.kind, GRAPH.plugin)) throw new ProtoError(`graph of ${short(t.tag)}: the name holds another kind of series`);
    this.push(t, step, wall, { key, offset: base + s, length: e - s });
  }

  private value(buf: Buffer, s: number, e: number, base: number, step: number, wall: number): void {
    let ts = -1;
    let te = -1;
    let field = 0;
    let scalar = 0;
    let vs = -1;
    let ve = -1;
    let p = s;
    while (p < e) {
      const k = varint(buf, p, e);
      p = pos;
      switch (k) {
        case 10:
          te = lengthDelimited(buf, p, e);
          ts = pos;
          p = te;
          break;
        case 29: // scalar_value, fixed32
          scalar = readFloat(buf, p, e);
          field = F_SCALAR;
          p += 4;
          break;
        case 34:
        case 66:
        case 74:
        case 82:
          ve = lengthDelimited(buf, p, e);
          vs = pos;
          field = k >>> 3;
          p = ve;
          break;
        default:
          p = skipField(buf, p, e, k & 7);
      }
    }
    if (ts < 0 || field === 0) return; // MindInsight skips a value with no tag or no value
    const spec = KINDS[field];
    const t = this.tagFor(buf, ts, te, spec.kind, spec.plugin, spec.mi);
    const store = t.store;
    if (store.length >= LIMITS.seriesSamples) {
      if (!t.capped) this.warn('limit', `tag ${short(t.tag)} reached the cap of ${LIMITS.seriesSamples} samples: later samples are dropped`);
      t.capped = true;
      return;
    }
    if (store.length > 0 && step <= store.maxStep) store.purgeFrom(step);
    const key = this.file.key;
    switch (field) {
      case F_SCALAR:
        store.pushScalar(step, wall, scalar);
        return;
      case F_IMAGE: {
        const refs = [imageRef(buf, vs, ve, base, key)];
        boundBlobs(this, refs, t.tag);
        if (t.maxSamplesPerStep < 1) t.maxSamplesPerStep = 1;
        store.pushItem(step, wall, refs);
        return;
      }
      case F_HISTOGRAM:
        store.pushItem(step, wall, histogramBuckets(buf, vs, ve));
        return;
      case F_TENSOR: {
        // Decoded once to report what is wrong with it now rather than when it is served.
        const d = decodeMsTensor(buf, vs, ve);
        if (d.shapeError !== undefined) this.warn('shape', `tag ${short(t.tag)}: ${d.shapeError}`);
        store.pushItem(step, wall, { key, offset: base + vs, length: ve - vs });
        return;
      }
      default:
        store.pushItem(step, wall, { key, offset: base + vs, length: ve - vs });
    }
  }

  private push(t: TagState, step: number, wall: number, item: { key: string; offset: number; length: number }): void {
    if (t.store.length > 0 && step <= t.store.maxStep) t.store.purgeFrom(step);
    t.store.pushItem(step, wall, item);
  }

  /** The series a value of this kind with tag bytes buf[s, e) goes to (see Naming above). */
  private tagFor(buf: Buffer, s: number, e: number, kind: SeriesKind, plugin: string, mi: string): TagState {
    const table = this.run.tagTable;
    const t = table.find(buf, s, e);
    if (t !== undefined && fits(t, kind, plugin)) return t;
    const bare = utf8(buf, s, e);
    if (t === undefined) return table.add(buf, s, e, kind, msMetadata(`${bare}/${mi}`, plugin, mi));
    // The bare tag holds another kind: this one under its MindInsight name.
    const alt = Buffer.from(`${bare}/${mi}`, 'utf8');
    const u = table.find(alt, 0, alt.length);
    if (u === undefined) return table.add(alt, 0, alt.length, kind, msMetadata(`${bare}/${mi}`, plugin, mi));
    if (fits(u, kind, plugin)) return u;
    throw new ProtoError(`tag ${short(bare)}: both ${short(bare)} and ${short(`${bare}/${mi}`)} hold other kinds of series`);
  }
}

/** Little-endian scratch word for the fast path's float reads (no per-read bounds check or allocation). */
const SCRATCH_BYTES = new Uint8Array(4);
const SCRATCH_F32 = new Float32Array(SCRATCH_BYTES.buffer);

/**
 * A scalar value whose tag buf[ts, te) is a known MindSpore scalar series, in order and under the
 * cap, whose float follows te's key byte: pushed with no call into the general walker. Returns
 * false having changed nothing otherwise (the general path then takes the value). Never throws.
 */
function fastScalar(run: RunState, buf: Buffer, ts: number, te: number, step: number, wall: number): boolean {
  const t = run.tagTable.find(buf, ts, te);
  // Any scalar series takes it (tagFor's rule for scalars: same kind, plugin `scalars`).
  if (t === undefined || t.kind !== 'scalars' || t.metadata.pluginName !== 'scalars') return false;
  const store = t.store;
  if (store.length >= LIMITS.seriesSamples || (store.length > 0 && step <= store.maxStep)) return false;
  const sb = SCRATCH_BYTES;
  sb[0] = buf[te + 1];
  sb[1] = buf[te + 2];
  sb[2] = buf[te + 3];
  sb[3] = buf[te + 4];
  store.pushScalar(step, wall, SCRATCH_F32[0]);
  return true;
}

/** MindInsight drops events longer than this (ms_data_loader's MAX_EVENT_STRING). */
const MAX_EVENT_BYTES = 500_000_000;

/** Summary.Image {height=1, width=2, colorspace=3, encoded_image=4} as a reference to its PNG. */
function imageRef(buf: Buffer, s: number, e: number, base: number, key: string): { key: string; offset: number; length: number; width: number; height: number } {
  const ref = { key, offset: 0, length: 0, width: 0, height: 0 };
  let p = s;
  while (p < e) {
    const k = varint(buf, p, e);
    p = pos;
    if (k === 8 || k === 16) {
      const v = varint(buf, p, e);
      p = pos;
      if (k === 8) ref.height = v;
      else ref.width = v;
    } else if (k === 34) {
      const de = lengthDelimited(buf, p, e);
      ref.offset = base + pos;
      ref.length = de - pos;
      p = de;
    } else p = skipField(buf, p, e, k & 7);
  }
  return ref;
}

/**
 * Summary.Histogram → TensorBoard's flat [left, right, count]*: bucket i covers [left, left + width),
 * sorted by left as MindInsight sorts them. No buckets: [min, max, 0] (as TensorBoard's empty histogram).
 */
export function histogramBuckets(buf: Buffer, s: number, e: number): Float64Array {
  const out: number[] = [];
  let min = 0;
  let max = 0;
  let p = s;
  while (p < e) {
    const k = varint(buf, p, e);
    p = pos;
    if (k === 10) {
      const be = lengthDelimited(buf, p, e);
      if (out.length + 3 > LIMITS.tensorElements) throw new ProtoError(`histogram holds over ${LIMITS.tensorElements / 3} buckets, the cap`, 'limit');
      let left = 0;
      let width = 0;
      let count = 0;
      let q = pos;
      while (q < be) {
        const k2 = varint(buf, q, be);
        q = pos;
        if (k2 === 9 || k2 === 17) {
          const v = readDouble(buf, q, be);
          q += 8;
          if (k2 === 9) left = v;
          else width = v;
        } else if (k2 === 24) {
          count = varint(buf, q, be);
          q = pos;
        } else q = skipField(buf, q, be, k2 & 7);
      }
      out.push(left, left + width, count);
      p = be;
    } else if (k === 41 || k === 49) {
      const v = readDouble(buf, p, e);
      p += 8;
      if (k === 41) max = v;
      else min = v;
    } else p = skipField(buf, p, e, k & 7);
  }
  if (out.length === 0) return Float64Array.of(Number.isFinite(min) ? min : 0, Number.isFinite(max) ? max : 0, 0);
  const n = out.length / 3;
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) if (out[i * 3] < out[i * 3 - 3]) sorted = false;
  if (sorted) return Float64Array.from(out);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => out[a * 3] - out[b * 3]);
  const r = new Float64Array(out.length);
  order.forEach((o, i) => r.set(out.slice(o * 3, o * 3 + 3), i * 3));
  return r;
}
