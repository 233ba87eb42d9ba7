// Event-file stage (TensorBoard's data server: event_file): what one framed record means for its
// run. record() is the hot path: a byte-matched fast path for the scalar records that make up
// nearly every log, then the general walk Event → Summary → Value with the hand-written proto
// walker; a tag is found by its bytes (no string per record once known) and samples go straight
// into typed-array columns, so a scalar record allocates nothing.
// Invariant: a record changes its run only through what it decodes to; a malformed one, or one
// over a cap, is a problem of the run at the record's offset (kept with a warning, or skipped) and
// never an exception out of record(). One decoder serves every file of a Logdir (a fresh sink per
// chunk made the framing loop's call site polymorphic and deoptimized it).
import { decodeHparamsPluginData } from './hparams.js';
import { LIMITS } from './limits.js';
import type { BlobRef, SeriesKind } from './model.js';
import { ProtoError, lengthDelimited, pos, readDouble, readFloat, skipField, utf8, varint, viewOf } from './proto.js';
import type { FrameProblem, RecordSink } from './record-reader.js';
import { RunState, newFileState, type FileState } from './run.js';
import type { TagState } from './tag-table.js';
import { tensorHistogram, tensorScalar } from './tensor.js';
import {
  EMPTY_BYTES,
  audioRef,
  boundBlobs,
  checkedTensor,
  decodeMetadata,
  histoBuckets,
  imageRef,
  pluginContentRange,
  prCurveItem,
  short,
  tensorAudioRefs,
  tensorImageRefs,
  textValue,
  type Warn,
} from './values.js';

const KNOWN_PLUGINS: Record<string, SeriesKind> = {
  scalars: 'scalars',
  histograms: 'histograms',
  images: 'images',
  audio: 'audio',
  text: 'text',
  pr_curves: 'pr_curves',
  hparams: 'hparams',
};

/** Scratch word for building a half's float32 bits. */
const SCRATCH_U32 = new Uint32Array(1);
const SCRATCH_F32 = new Float32Array(SCRATCH_U32.buffer);

// Oneof kinds of Summary.Value.
const V_NONE = 0;
const V_SIMPLE = 2;
const V_IMAGE = 4;
const V_HISTO = 5;
const V_AUDIO = 6;
const V_TENSOR = 8;

/** Decodes the records of the file it is pointed at (`run`, `file`) into that run. */
export class EventDecoder implements RecordSink, Warn {
  run: RunState = new RunState('');
  file: FileState = newFileState('', '');
  /** File offset of the record decodeEvent is decoding (where `warn` reports). */
  private recOffset = 0;

  record(buf: Buffer, s: number, e: number, base: number): void {
    // The fast path first, outside the try: it never throws.
    if (fastScalar(this.run, buf, s, e)) return;
    try {
      this.decodeEvent(buf, s, e, base);
    } catch (err) {
      const message = err instanceof ProtoError ? err.message : `decode failed: ${err instanceof Error ? err.message : String(err)}`;
      const kind = err instanceof ProtoError ? err.kind : 'decode';
      this.run.addProblem({ file: this.file.key, offset: base + s - 12, kind, message });
    }
  }

  problem(kind: FrameProblem, offset: number, message: string): void {
    this.run.addProblem({ file: this.file.key, offset, kind, message });
  }

  /** Reports a problem of the record being decoded whose value is nevertheless kept (or trimmed). */
  warn(kind: 'shape' | 'limit', message: string): void {
    this.run.addProblem({ file: this.file.key, offset: this.recOffset, kind, message });
  }

  /** The general walker: Event → Summary → Value, for a record fastScalar did not take. */
  private decodeEvent(buf: Buffer, s: number, e: number, base: number): void {
    const run = this.run;
    const file = this.file;
    this.recOffset = base + s - 12; // the record's framing header precedes its data
    let wall = 0;
    let step = 0;
    let summaryS = -1;
    let summaryE = -1;
    let p = s;
    while (p < e) {
      const key = varint(buf, p, e);
      p = pos;
      switch (key) {
        case 9: // wall_time, fixed64
          wall = readDouble(buf, p, e);
          p += 8;
          break;
        case 16: // step
          step = varint(buf, p, e);
          p = pos;
          break;
        case 42: // summary
          summaryE = lengthDelimited(buf, p, e);
          summaryS = pos;
          p = summaryE;
          break;
        case 26: {
          // file_version "brain.Event:N"
          const fe = lengthDelimited(buf, p, e);
          const m = /^brain\.Event:(\d+)/.exec(utf8(buf, pos, fe));
          if (m && Number(m[1]) >= 2) file.purgeOnStart = true;
          p = fe;
          break;
        }
        case 34: {
          // graph_def
          const ge = lengthDelimited(buf, p, e);
          if (ge - pos > LIMITS.graphBytes) this.warn('limit', `graph_def of ${ge - pos} bytes is over the cap of ${LIMITS.graphBytes}: not kept`);
          else run.graph = { key: file.key, offset: base + pos, length: ge - pos };
          p = ge;
          break;
        }
        case 58: {
          // session_log: status=1
          const le = lengthDelimited(buf, p, e);
          let q = pos;
          let status = 0;
          while (q < le) {
            const k = varint(buf, q, le);
            q = pos;
            if (k === 8) {
              status = varint(buf, q, le);
              q = pos;
            } else q = skipField(buf, q, le, k & 7);
          }
          p = le;
          if (status === 1 && file.purgeOnStart) run.purge(step);
          break;
        }
        case 66: {
          // tagged_run_metadata {tag=1, run_metadata=2}
          const te = lengthDelimited(buf, p, e);
          let q = pos;
          let tag = '';
          let ref: BlobRef | undefined;
          while (q < te) {
            const k = varint(buf, q, te);
            q = pos;
            if (k === 10 || k === 18) {
              const fe = lengthDelimited(buf, q, te);
              if (k === 10) tag = utf8(buf, pos, fe);
              else ref = { key: file.key, offset: base + pos, length: fe - pos };
              q = fe;
            } else q = skipField(buf, q, te, k & 7);
          }
          if (ref) run.runMetadata.set(tag, ref);
          p = te;
          break;
        }
        default:
          p = skipField(buf, p, e, key & 7);
      }
    }
    if (Number.isNaN(run.firstWallTime)) run.firstWallTime = wall;
    if (summaryS < 0) return;
    p = summaryS;
    while (p < summaryE) {
      const key = varint(buf, p, summaryE);
      p = pos;
      if (key === 10) {
        const ve = lengthDelimited(buf, p, summaryE);
        this.decodeValue(buf, pos, ve, base, step, wall);
        p = ve;
      } else p = skipField(buf, p, summaryE, key & 7);
    }
  }

  private decodeValue(buf: Buffer, s: number, e: number, base: number, step: number, wall: number): void {
    const run = this.run;
    const key = this.file.key;
    let ts = -1;
    let te = -1;
    let ms = -1;
    let me = -1;
    let kind = V_NONE;
    let simple = 0;
    let vs = -1;
    let ve = -1;
    let p = s;
    while (p < e) {
      const k = varint(buf, p, e);
      p = pos;
      switch (k) {
        case 10: // tag
          te = lengthDelimited(buf, p, e);
          ts = pos;
          p = te;
          break;
        case 21: // simple_value, fixed32
          simple = readFloat(buf, p, e);
          kind = V_SIMPLE;
          p += 4;
          break;
        case 74: // metadata
          me = lengthDelimited(buf, p, e);
          ms = pos;
          p = me;
          break;
        case 34: // image
        case 42: // histo
        case 50: // audio
        case 66: // tensor
          ve = lengthDelimited(buf, p, e);
          vs = pos;
          kind = k >>> 3;
          p = ve;
          break;
        default:
          p = skipField(buf, p, e, k & 7);
      }
    }
    if (ts < 0) return;
    if (kind === V_NONE) {
      // PyTorch's hparams summaries carry only metadata: an empty tensor, as TensorBoard reads it.
      if (ms < 0) return;
      kind = V_TENSOR;
      vs = ve = s;
    }
    const t = run.tagTable.find(buf, ts, te) ?? newTag(run, buf, ts, te, ms, me, kind);
    const store = t.store;
    if (store.length >= LIMITS.seriesSamples) {
      if (!t.capped) this.warn('limit', `tag ${short(t.tag)} reached the cap of ${LIMITS.seriesSamples} samples: later samples are dropped`);
      t.capped = true;
      return;
    }
    switch (t.kind) {
      case 'scalars':
        if (kind === V_SIMPLE) store.pushScalar(step, wall, simple);
        else if (kind === V_TENSOR) store.pushScalar(step, wall, tensorScalar(buf, vs, ve));
        else throw new ProtoError(`scalar tag ${short(t.tag)} holds a non-scalar value`);
        return;
      case 'histograms': {
        const buckets =
          kind === V_HISTO
            ? histoBuckets(buf, vs, ve)
            : kind === V_TENSOR
              ? (tensorHistogram(buf, vs, ve) ?? checkedTensor(this, buf, vs, ve).numbers.map(Math.fround))
              : undefined;
        if (!buckets) throw new ProtoError(`histogram tag ${short(t.tag)} holds no histogram`);
        store.pushItem(step, wall, buckets);
        return;
      }
      case 'images': {
        const refs = kind === V_IMAGE ? [imageRef(buf, vs, ve, base, key)] : kind === V_TENSOR ? tensorImageRefs(checkedTensor(this, buf, vs, ve), buf, base, key) : undefined;
        if (!refs) throw new ProtoError(`image tag ${short(t.tag)} holds no image`);
        boundBlobs(this, refs, t.tag);
        if (refs.length > t.maxSamplesPerStep) t.maxSamplesPerStep = refs.length;
        store.pushItem(step, wall, refs);
        return;
      }
      case 'audio': {
        const refs = kind === V_AUDIO ? [audioRef(buf, vs, ve, base, key)] : kind === V_TENSOR ? tensorAudioRefs(checkedTensor(this, buf, vs, ve), buf, base, key) : undefined;
        if (!refs) throw new ProtoError(`audio tag ${short(t.tag)} holds no audio`);
        boundBlobs(this, refs, t.tag);
        if (refs.length > t.maxSamplesPerStep) t.maxSamplesPerStep = refs.length;
        store.pushItem(step, wall, refs);
        return;
      }
      case 'text': {
        if (kind !== V_TENSOR) throw new ProtoError(`text tag ${short(t.tag)} holds no tensor`);
        store.pushItem(step, wall, textValue(this, buf, checkedTensor(this, buf, vs, ve), t.tag));
        return;
      }
      case 'pr_curves': {
        if (kind !== V_TENSOR) throw new ProtoError(`pr_curve tag ${short(t.tag)} holds no tensor`);
        store.pushItem(step, wall, prCurveItem(this, checkedTensor(this, buf, vs, ve), t.tag));
        return;
      }
      case 'hparams': {
        const c = t.metadata.pluginContent;
        // The payload is in the metadata, which only this value may carry: decode ours, else the tag's.
        if (ms >= 0) {
          const pe = pluginContentRange(buf, ms, me);
          if (pe) decodeHparamsPluginData(buf, pe[0], pe[1], run.hparams);
        } else if (c.length) decodeHparamsPluginData(Buffer.from(c.buffer, c.byteOffset, c.length), 0, c.length, run.hparams);
        store.pushItem(step, wall, { key, offset: base + vs, length: ve - vs });
        return;
      }
      default:
        if (kind !== V_TENSOR) throw new ProtoError(`tag ${short(t.tag)} holds no tensor`);
        store.pushItem(step, wall, { key, offset: base + vs, length: ve - vs });
    }
  }

}

/** A tag's first value: its kind from the plugin named in its metadata, else from the value's oneof. */
function newTag(run: RunState, buf: Buffer, s: number, e: number, ms: number, me: number, valueKind: number): TagState {
  const metadata = ms >= 0 ? decodeMetadata(buf, ms, me) : { displayName: '', description: '', pluginName: '', pluginContent: EMPTY_BYTES, dataClass: 0 };
  let kind: SeriesKind;
  if (metadata.pluginName) kind = KNOWN_PLUGINS[metadata.pluginName] ?? 'tensors';
  else
    kind =
      valueKind === V_SIMPLE ? 'scalars' : valueKind === V_HISTO ? 'histograms' : valueKind === V_IMAGE ? 'images' : valueKind === V_AUDIO ? 'audio' : 'tensors';
  if (!metadata.pluginName && kind !== 'tensors') metadata.pluginName = kind;
  return run.tagTable.add(buf, s, e, kind, metadata);
}

/**
 * The shape nearly every record of a scalar log has, matched byte by byte with no calls:
 * Event{1: wall, 2: step, 5: Summary{1: Value{1: tag, then 2: simple_value | 8: Tensor | 9:
 * metadata, in any order}}} with one-byte lengths, for a tag already known as scalars. The tensor
 * is a scalar as every writer encodes one (shape {} or absent): DT_FLOAT in tensor_content, packed
 * or unpacked float_val; DT_DOUBLE in tensor_content, packed or unpacked double_val; DT_HALF in
 * tensor_content, packed or unpacked half_val. Metadata (PyTorch's new-style scalars send it with
 * every value) is skipped: a known tag keeps its first value's.
 * Returns false (having changed nothing) for anything else; the general walker takes it.
 * Never throws, so record() calls it first, outside the general walker's try/catch.
 */
function fastScalar(run: RunState, buf: Buffer, s: number, e: number): boolean {
  if (buf[s] !== 0x09 || e - s < 20) return false;
  let p = s + 9;
  let step = 0;
  if (buf[p] === 0x10) {
    // step varint, up to 4 bytes here (2^28); longer steps take the general path. One loop
    // whose body runs for every step: unrolled branches for 2- and 3-byte steps had no type
    // feedback until step 128 and 16384, and each first use deoptimized this function.
    p++;
    let shift = 0;
    let b: number;
    do {
      b = buf[p++];
      step |= (b & 0x7f) << shift;
      shift += 7;
    } while (shift < 28 && b >= 0x80); // both compares run from the first step on (type feedback)
    if (b >= 0x80) return false;
  }
  if (buf[p] !== 0x2a || buf[p + 1] + p + 2 !== e || buf[p + 2] !== 0x0a || buf[p + 3] + p + 4 !== e || buf[p + 4] !== 0x0a) return false;
  const ts = p + 6;
  const te = ts + buf[p + 5];
  if (te >= e) return false;
  if (!fastValue(buf, te, e)) return false;
  const t = run.tagTable.find(buf, ts, te);
  // Over the series cap the general path drops the sample and reports it.
  if (t === undefined || t.kind !== 'scalars' || t.store.length >= LIMITS.seriesSamples) return false;
  const value = FAST_VALUE[0];
  const wall = viewOf(buf).getFloat64(s + 1, true);
  if (Number.isNaN(run.firstWallTime)) run.firstWallTime = wall;
  t.store.pushScalar(step, wall, value);
  return true;
}

/**
 * A half's value from its bits: normal halves, infinities and NaNs as the float32 with the same
 * sign, exponent and mantissa (exact), subnormals by arithmetic. Not a 65,536-entry table: filling
 * one took 11 ms of a cold 200 ms load, and not Math.pow per record.
 */
function halfValue(h: number): number {
  const e = (h >>> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return (h & 0x8000 ? -f : f) * 5.960464477539063e-8; // 2^-24
  SCRATCH_U32[0] = ((h & 0x8000) << 16) | ((e === 31 ? 0xff : e + 112) << 23) | (f << 13);
  return SCRATCH_F32[0];
}

/** fastValue's answer (a typed array: a module-level number would be a fresh heap number per record). */
const FAST_VALUE = new Float64Array(1);

/**
 * The scalar a Value's fields after its tag, buf[q, e), hold in one of the shapes fastScalar
 * takes, into FAST_VALUE; false for any other shape. Floats are read through viewOf(buf) (a new
 * view when the read's buffer changes deoptimizes nothing: checked with --trace-deopt on every
 * encoding's corpus).
 */
function fastValue(buf: Buffer, q: number, e: number): boolean {
  let at = -1;
  let width = 0; // 4: float32 at `at`; 8: float64 at `at`; 2: half bits in `half`
  let half = 0;
  while (q < e) {
    const k = buf[q];
    if (k === 0x15) {
      at = q + 1;
      width = 4;
      q += 5;
    } else if (k === 0x4a) {
      const l = buf[q + 1];
      if (l >= 0x80) return false;
      q += 2 + l;
    } else if (k === 0x42) {
      const l = buf[q + 1];
      if (l >= 0x80) return false;
      const end = q + 2 + l;
      let r = q + 2;
      if (buf[r] !== 0x08) return false;
      const dtype = buf[r + 1];
      r += 2;
      if (buf[r] === 0x12) {
        if (buf[r + 1] !== 0) return false; // a shape with dimensions: not a scalar's
        r += 2;
      }
      const f = buf[r];
      const n = buf[r + 1];
      if (dtype === 1) {
        // tensor_content or packed float_val of 4 bytes, or one unpacked float_val
        if ((f === 0x22 || f === 0x2a) && n === 4 && r + 6 === end) at = r + 2;
        else if (f === 0x2d && r + 5 === end) at = r + 1;
        else return false;
        width = 4;
      } else if (dtype === 2) {
        if ((f === 0x22 || f === 0x32) && n === 8 && r + 10 === end) at = r + 2;
        else if (f === 0x31 && r + 9 === end) at = r + 1;
        else return false;
        width = 8;
      } else if (dtype === 19) {
        // tensor_content of 2 bytes, or half_val (int32 varints of the bits), packed or not
        let v = r + 1;
        if (f === 0x22 && n === 2 && r + 4 === end) half = buf[r + 2] | (buf[r + 3] << 8);
        else {
          if (f === 0x6a) {
            v = r + 2;
            if (v + n !== end) return false;
          } else if (f !== 0x68) return false;
          half = 0;
          let shift = 0;
          let b = 0x80;
          while (v < end && b >= 0x80 && shift < 21) {
            b = buf[v++];
            half |= (b & 0x7f) << shift;
            shift += 7;
          }
          if (b >= 0x80 || v !== end || half > 0xffff) return false;
        }
        width = 2;
      } else return false;
      q = end;
    } else return false;
  }
  if (q !== e || width === 0) return false;
  if (width === 2) {
    FAST_VALUE[0] = halfValue(half);
    return true;
  }
  const v = viewOf(buf);
  FAST_VALUE[0] = width === 4 ? v.getFloat32(at, true) : v.getFloat64(at, true);
  return true;
}
