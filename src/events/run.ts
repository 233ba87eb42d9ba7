// One run's state: its event files (how far each was read), its tags with their series, its
// problems. decodeRecord() is the hot path: it walks Event → Summary → Value with the hand-written
// walker, finds the tag by hashing its bytes (no string per record once a tag is known) and
// appends to typed-array columns, so a scalar record allocates nothing.
// What a record claims (shapes, counts, lengths) is checked against its bytes and the caps of
// limits.ts before it sizes anything; a record that breaks them is a problem of the run, reported
// with the record's offset (`warn` when the value is still kept, a thrown ProtoError when not).
import { LIMITS, shapeProduct } from './limits.js';
import type {
  AudioRef,
  BlobRef,
  ImageRef,
  PrCurveSeries,
  Problem,
  RunHparams,
  SeriesKind,
  TagMetadata,
  TextValue,
} from './model.js';
import { decodeHparamsPluginData } from './hparams.js';
import { ProtoError, halfToNumber, lengthDelimited, pos, readDouble, readFloat, skipField, utf8, varint } from './proto.js';
import { SeriesStore } from './series.js';
import { DT_DOUBLE, DT_FLOAT, DT_HALF, DT_INT32, DT_INT64, decodeTensor, type DecodedTensor } from './tensor.js';

export type SeriesItem = Float64Array | ImageRef[] | AudioRef[] | TextValue | PrItem | BlobRef;
export interface PrItem {
  data: Float64Array;
  thresholds: number;
}

export interface TagState {
  tag: string;
  /** UTF-8 bytes of the tag, to recognise it without decoding. */
  bytes: Uint8Array;
  kind: SeriesKind;
  metadata: TagMetadata;
  store: SeriesStore<SeriesItem>;
  maxSamplesPerStep: number;
  /** The tag that followed this one last time (lookup shortcut). */
  next: TagState | undefined;
  /** LIMITS.seriesSamples was reached and reported: later samples are dropped. */
  capped?: boolean;
}

function sameBytes(b: Uint8Array, buf: Buffer, s: number, e: number): boolean {
  const n = e - s;
  if (b.length !== n) return false;
  for (let i = 0; i < n; i++) if (b[i] !== buf[s + i]) return false;
  return true;
}

export interface FileState {
  key: string;
  etag: string;
  /** Bytes consumed: every complete record before this offset has been handled. */
  offset: number;
  /** Stopped by a length CRC or absurd length: not read again unless the object is replaced. */
  dead: boolean;
  /** file_version ≥ brain.Event:2 seen: SessionLog START purges. */
  purgeOnStart: boolean;
}

const KNOWN_PLUGINS: Record<string, SeriesKind> = {
  scalars: 'scalars',
  histograms: 'histograms',
  images: 'images',
  audio: 'audio',
  text: 'text',
  pr_curves: 'pr_curves',
  hparams: 'hparams',
};

const EMPTY = new Uint8Array(0);
/** Little-endian scratch word for the fast path's float reads (x86 and ARM Node are little-endian). */
const SCRATCH_BYTES = new Uint8Array(8);
const SCRATCH_F32 = new Float32Array(SCRATCH_BYTES.buffer, 0, 1);
const SCRATCH_F64 = new Float64Array(SCRATCH_BYTES.buffer);
const MAX_PROBLEMS = 1000;
/** A tag as named in a problem message (a tag may be as long as a record). */
const short = (tag: string): string => (tag.length > 200 ? `${tag.slice(0, 200)}…` : tag);

// Oneof kinds of Summary.Value.
const V_NONE = 0;
const V_SIMPLE = 2;
const V_IMAGE = 4;
const V_HISTO = 5;
const V_AUDIO = 6;
const V_TENSOR = 8;

export class RunState {
  firstWallTime = NaN;
  files = new Map<string, FileState>();
  problems: Problem[] = [];
  hparams: RunHparams = {};
  graph: BlobRef | undefined;
  runMetadata = new Map<string, BlobRef>();
  /** Tag lookup by hash of the tag bytes; collisions resolved by comparing bytes. */
  private byHash = new Map<number, TagState[]>();
  tags = new Map<string, TagState>();
  private problemKeys = new Set<string>();

  constructor(readonly name: string) {}

  /** Storage key and offset of the record decodeGeneral is decoding (for `warn`). */
  private recKey = '';
  private recOffset = 0;

  /** Reports a problem of the record being decoded whose value is nevertheless kept (or trimmed). */
  warn(kind: 'shape' | 'limit', message: string): void {
    this.addProblem({ file: this.recKey, offset: this.recOffset, kind, message });
  }

  /** Forgets every sample (the run is read again from the start). Files keep their keys. */
  reset(): void {
    this.firstWallTime = NaN;
    this.problems = [];
    this.problemsOmitted = 0;
    this.problemKeys.clear();
    this.hparams = {};
    this.graph = undefined;
    this.runMetadata.clear();
    this.byHash.clear();
    this.tags.clear();
    this.lastTag = undefined;
    for (const f of this.files.values()) {
      f.offset = 0;
      f.dead = false;
      f.purgeOnStart = false;
    }
  }

  /** Problems beyond MAX_PROBLEMS: counted, not kept (a file of garbage must not fill memory). */
  problemsOmitted = 0;

  addProblem(p: Problem): void {
    const k = `${p.file}\0${p.offset}\0${p.kind}\0${p.message}`;
    if (this.problemKeys.has(k)) return;
    if (this.problems.length >= MAX_PROBLEMS) {
      this.problemsOmitted++;
      return;
    }
    this.problemKeys.add(k);
    this.problems.push(p);
  }

  /** The tag decoded last: writers cycle through tags in a fixed order, so its successor is likely next. */
  private lastTag: TagState | undefined;

  private findTag(buf: Buffer, s: number, e: number): TagState | undefined {
    const guess = this.lastTag?.next;
    if (guess !== undefined && sameBytes(guess.bytes, buf, s, e)) return (this.lastTag = guess);
    const found = this.hashLookup(buf, s, e);
    if (found !== undefined) {
      if (this.lastTag !== undefined) this.lastTag.next = found;
      this.lastTag = found;
    }
    return found;
  }

  private hashLookup(buf: Buffer, s: number, e: number): TagState | undefined {
    let h = 0x811c9dc5;
    for (let i = s; i < e; i++) h = Math.imul(h ^ buf[i], 0x01000193);
    const list = this.byHash.get(h);
    if (list === undefined) return undefined;
    const n = e - s;
    outer: for (const t of list) {
      const b = t.bytes;
      if (b.length !== n) continue;
      for (let i = 0; i < n; i++) if (b[i] !== buf[s + i]) continue outer;
      return t;
    }
    return undefined;
  }

  private newTag(buf: Buffer, s: number, e: number, ms: number, me: number, valueKind: number): TagState {
    const metadata = ms >= 0 ? decodeMetadata(buf, ms, me) : { displayName: '', description: '', pluginName: '', pluginContent: EMPTY, dataClass: 0 };
    let kind: SeriesKind;
    if (metadata.pluginName) kind = KNOWN_PLUGINS[metadata.pluginName] ?? 'tensors';
    else
      kind =
        valueKind === V_SIMPLE ? 'scalars' : valueKind === V_HISTO ? 'histograms' : valueKind === V_IMAGE ? 'images' : valueKind === V_AUDIO ? 'audio' : 'tensors';
    if (!metadata.pluginName && kind !== 'tensors') metadata.pluginName = kind;
    const bytes = Uint8Array.prototype.slice.call(buf, s, e);
    const tag = utf8(buf, s, e);
    const state: TagState = { tag, bytes, kind, metadata, store: new SeriesStore<SeriesItem>(kind === 'scalars'), maxSamplesPerStep: 0, next: undefined };
    let h = 0x811c9dc5;
    for (let i = s; i < e; i++) h = Math.imul(h ^ buf[i], 0x01000193);
    if (this.lastTag !== undefined) this.lastTag.next = state;
    this.lastTag = state;
    const list = this.byHash.get(h);
    if (list) list.push(state);
    else this.byHash.set(h, [state]);
    this.tags.set(tag, state);
    return state;
  }

  /**
   * Decodes one event record at buf[s, e). `base` is the file offset of buf[0], so blob refs are
   * absolute. Throws ProtoError when the record is malformed (the caller reports and skips it).
   */
  decodeRecord(buf: Buffer, s: number, e: number, base: number, file: FileState): void {
    if (!this.fastScalar(buf, s, e)) this.decodeGeneral(buf, s, e, base, file);
  }

  /** decodeRecord for a record fastScalar did not take: the general walker. */
  decodeGeneral(buf: Buffer, s: number, e: number, base: number, file: FileState): void {
    this.recKey = file.key;
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
          else this.graph = { key: file.key, offset: base + pos, length: ge - pos };
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
          if (status === 1 && file.purgeOnStart) this.purge(step);
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
          if (ref) this.runMetadata.set(tag, ref);
          p = te;
          break;
        }
        default:
          p = skipField(buf, p, e, key & 7);
      }
    }
    if (Number.isNaN(this.firstWallTime)) this.firstWallTime = wall;
    if (summaryS < 0) return;
    p = summaryS;
    while (p < summaryE) {
      const key = varint(buf, p, summaryE);
      p = pos;
      if (key === 10) {
        const ve = lengthDelimited(buf, p, summaryE);
        this.decodeValue(buf, pos, ve, base, file, step, wall);
        p = ve;
      } else p = skipField(buf, p, summaryE, key & 7);
    }
  }

  /**
   * The shape nearly every record of a scalar log has, matched byte by byte with no calls:
   * Event{1: wall, 2: step, 5: Summary{1: Value{1: tag, 2: simple_value | 8: Tensor{1: DT_FLOAT,
   * 2: {}, 4: 4 bytes}}}} with one-byte lengths, for a tag already known as scalars.
   * Returns false (having changed nothing) for anything else; the general walker takes it.
   * Never throws, so the framing loop calls it first, outside the decoder's try/catch.
   */
  fastScalar(buf: Buffer, s: number, e: number): boolean {
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
    const k = buf[te];
    // Where the value's 4 float bytes are: simple_value, or a DT_FLOAT tensor's tensor_content.
    let at: number;
    if (k === 0x15 && te + 5 === e) at = te + 1;
    else if (k === 0x42 && te + 12 === e && buf[te + 1] === 10 && buf[te + 2] === 8 && buf[te + 3] === 1 && buf[te + 4] === 0x12 && buf[te + 5] === 0 && buf[te + 6] === 0x22 && buf[te + 7] === 4) at = te + 8;
    else return false;
    // Floats are read by copying their bytes into a scratch word: no per-buffer DataView to
    // create and swap (its first swap deoptimized this function), nothing allocated.
    const sb = SCRATCH_BYTES;
    sb[0] = buf[at];
    sb[1] = buf[at + 1];
    sb[2] = buf[at + 2];
    sb[3] = buf[at + 3];
    const value = SCRATCH_F32[0];
    const t = this.findTag(buf, ts, te);
    // Over the series cap the general path drops the sample and reports it.
    if (t === undefined || t.kind !== 'scalars' || t.store.length >= LIMITS.seriesSamples) return false;
    for (let i = 0; i < 8; i++) sb[i] = buf[s + 1 + i];
    const wall = SCRATCH_F64[0];
    if (Number.isNaN(this.firstWallTime)) this.firstWallTime = wall;
    t.store.pushScalar(step, wall, value);
    return true;
  }

  private decodeValue(buf: Buffer, s: number, e: number, base: number, file: FileState, step: number, wall: number): void {
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
      const key = varint(buf, p, e);
      p = pos;
      switch (key) {
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
          kind = key >>> 3;
          p = ve;
          break;
        default:
          p = skipField(buf, p, e, key & 7);
      }
    }
    if (ts < 0) return;
    if (kind === V_NONE) {
      // PyTorch's hparams summaries carry only metadata: an empty tensor, as TensorBoard reads it.
      if (ms < 0) return;
      kind = V_TENSOR;
      vs = ve = s;
    }
    const t = this.findTag(buf, ts, te) ?? this.newTag(buf, ts, te, ms, me, kind);
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
        const buckets = kind === V_HISTO ? histoBuckets(buf, vs, ve) : kind === V_TENSOR ? this.tensor(buf, vs, ve).numbers.map(Math.fround) : undefined;
        if (!buckets) throw new ProtoError(`histogram tag ${short(t.tag)} holds no histogram`);
        store.pushItem(step, wall, buckets);
        return;
      }
      case 'images': {
        const refs = kind === V_IMAGE ? [imageRef(buf, vs, ve, base, file.key)] : kind === V_TENSOR ? tensorImageRefs(this.tensor(buf, vs, ve), buf, base, file.key) : undefined;
        if (!refs) throw new ProtoError(`image tag ${short(t.tag)} holds no image`);
        this.boundBlobs(refs, t.tag);
        if (refs.length > t.maxSamplesPerStep) t.maxSamplesPerStep = refs.length;
        store.pushItem(step, wall, refs);
        return;
      }
      case 'audio': {
        const refs = kind === V_AUDIO ? [audioRef(buf, vs, ve, base, file.key)] : kind === V_TENSOR ? tensorAudioRefs(this.tensor(buf, vs, ve), buf, base, file.key) : undefined;
        if (!refs) throw new ProtoError(`audio tag ${short(t.tag)} holds no audio`);
        this.boundBlobs(refs, t.tag);
        if (refs.length > t.maxSamplesPerStep) t.maxSamplesPerStep = refs.length;
        store.pushItem(step, wall, refs);
        return;
      }
      case 'text': {
        if (kind !== V_TENSOR) throw new ProtoError(`text tag ${short(t.tag)} holds no tensor`);
        store.pushItem(step, wall, this.textValue(buf, this.tensor(buf, vs, ve), t.tag));
        return;
      }
      case 'pr_curves': {
        if (kind !== V_TENSOR) throw new ProtoError(`pr_curve tag ${short(t.tag)} holds no tensor`);
        const tensor = this.tensor(buf, vs, ve);
        // Rows TP, FP, TN, FN, precision, recall: the thresholds are what the content holds, whatever the shape says.
        const len = tensor.numbers.length;
        if (len % 6 !== 0) throw new ProtoError(`pr_curve tag ${short(t.tag)}: ${len} numbers are not 6 rows`, 'shape');
        if (tensor.shape.length === 2 && tensor.shape[0] !== 6) this.warn('shape', `pr_curve tag ${short(t.tag)}: shape [${tensor.shape.slice(0, 8).join(', ')}] is not [6, n]`);
        store.pushItem(step, wall, { data: tensor.numbers, thresholds: len / 6 });
        return;
      }
      case 'hparams': {
        const c = t.metadata.pluginContent;
        // The payload is in the metadata, which only this value may carry: decode ours, else the tag's.
        if (ms >= 0) {
          const pe = pluginContentRange(buf, ms, me);
          if (pe) decodeHparamsPluginData(buf, pe[0], pe[1], this.hparams);
        } else if (c.length) decodeHparamsPluginData(Buffer.from(c.buffer, c.byteOffset, c.length), 0, c.length, this.hparams);
        store.pushItem(step, wall, { key: file.key, offset: base + vs, length: ve - vs });
        return;
      }
      default:
        if (kind !== V_TENSOR) throw new ProtoError(`tag ${short(t.tag)} holds no tensor`);
        store.pushItem(step, wall, { key: file.key, offset: base + vs, length: ve - vs });
    }
  }

  /** decodeTensor, with a shape its content contradicts reported and replaced by [elements present]. */
  private tensor(buf: Buffer, s: number, e: number): DecodedTensor {
    const t = decodeTensor(buf, s, e);
    if (t.shapeError !== undefined) {
      this.warn('shape', t.shapeError);
      t.shape = [t.stringRanges.length / 2 || t.numbers.length];
    }
    return t;
  }

  /** A text tensor's strings within the text caps: the first cells (whole rows of a table), each cut to the byte budget. */
  private textValue(buf: Buffer, t: DecodedTensor, tag: string): TextValue {
    let r = t.stringRanges;
    let shape = t.shape;
    // The shape was checked against the tensor's elements, which may be numbers: a table needs strings.
    if (shape.length !== 0 && shapeProduct(shape) !== r.length / 2) {
      if (t.shapeError === undefined) this.warn('shape', `text tag ${short(tag)}: shape [${shape.slice(0, 8).join(', ')}] but ${r.length / 2} strings`);
      shape = [r.length / 2];
    }
    const cap = LIMITS.textCells;
    if (r.length / 2 > cap) {
      const cols = shape.length === 2 && shape[1] >= 1 && shape[1] <= cap ? shape[1] : 1;
      const rows = Math.floor(cap / cols);
      shape = shape.length === 2 && cols > 1 ? [rows, cols] : [rows * cols];
      r = r.slice(0, rows * cols * 2);
      this.warn('limit', `text tag ${short(tag)}: ${t.stringRanges.length / 2} cells, over the cap of ${cap}: the first ${rows * cols} kept`);
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
    if (cut) this.warn('limit', `text tag ${short(tag)}: value over the cap of ${LIMITS.textValueBytes} bytes: cut`);
    return { shape, strings };
  }

  /** Images/audio of one value within the caps: the first LIMITS.blobsPerValue, none over LIMITS.blobBytes. */
  private boundBlobs(refs: BlobRef[], tag: string): void {
    if (refs.length > LIMITS.blobsPerValue) {
      this.warn('limit', `tag ${short(tag)}: ${refs.length} blobs in one value, over the cap of ${LIMITS.blobsPerValue}: the first kept`);
      refs.length = LIMITS.blobsPerValue;
    }
    for (let i = 0; i < refs.length; i++) {
      if (refs[i].length > LIMITS.blobBytes) {
        this.warn('limit', `tag ${short(tag)}: a blob of ${refs[i].length} bytes is over the cap of ${LIMITS.blobBytes}: not served`);
        refs[i].length = 0;
      }
    }
  }

  /** SessionLog START at `step`: every sample with step ≥ `step` read so far goes. */
  purge(step: number): void {
    for (const t of this.tags.values()) t.store.purgeFrom(step);
  }
}

/** The single number of a rank-0 (or first element of a) scalar tensor, without allocating. */
function tensorScalar(buf: Buffer, s: number, e: number): number {
  let dtype = 0;
  let p = s;
  let cs = -1;
  let value = NaN;
  let found = false;
  while (p < e) {
    const key = varint(buf, p, e);
    p = pos;
    switch (key) {
      case 8:
        dtype = varint(buf, p, e);
        p = pos;
        break;
      case 34: {
        const ce = lengthDelimited(buf, p, e);
        cs = pos;
        p = ce;
        break;
      }
      case 42: // float_val packed
        lengthDelimited(buf, p, e);
        if (!found) value = readFloat(buf, pos, e);
        found = true;
        p = lengthDelimited(buf, p, e);
        break;
      case 45: // float_val single
        if (!found) value = readFloat(buf, p, e);
        found = true;
        p += 4;
        break;
      case 50: // double_val packed
        lengthDelimited(buf, p, e);
        if (!found) value = readDouble(buf, pos, e);
        found = true;
        p = lengthDelimited(buf, p, e);
        break;
      case 49: // double_val single
        if (!found) value = readDouble(buf, p, e);
        found = true;
        p += 8;
        break;
      case 106: {
        // half_val packed
        const he = lengthDelimited(buf, p, e);
        if (!found && pos < he) value = halfToNumber(varint(buf, pos, he));
        found = true;
        p = he;
        break;
      }
      case 104:
        if (!found) value = halfToNumber(varint(buf, p, e));
        else varint(buf, p, e);
        found = true;
        p = pos;
        break;
      default:
        p = skipField(buf, p, e, key & 7);
    }
  }
  if (!found && cs >= 0) {
    if (dtype === DT_FLOAT) return readFloat(buf, cs, e);
    if (dtype === DT_DOUBLE) return readDouble(buf, cs, e);
    if (dtype === DT_HALF) {
      if (cs + 2 > e) throw new ProtoError('half past end');
      return halfToNumber(buf.readUInt16LE(cs));
    }
  }
  if (!found) {
    // Integer scalars (int_val / int64_val / tensor_content of ints): the general decoder.
    const t = decodeTensor(buf, s, e);
    if (t.numbers.length === 0 || (dtype !== DT_INT32 && dtype !== DT_INT64 && dtype !== 0 && dtype !== 10)) {
      throw new ProtoError('scalar tensor without a number');
    }
    return t.numbers[0];
  }
  return value;
}

/** HistogramProto → flat [left, right, count]* as TensorBoard serves it (float32 values). */
function histoBuckets(buf: Buffer, s: number, e: number): Float64Array {
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

function imageRef(buf: Buffer, s: number, e: number, base: number, key: string): ImageRef {
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

function audioRef(buf: Buffer, s: number, e: number, base: number, key: string): AudioRef {
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

function tensorImageRefs(t: DecodedTensor, buf: Buffer, base: number, key: string): ImageRef[] {
  const r = t.stringRanges;
  if (r.length < 4) return [];
  const width = Number(utf8(buf, r[0], r[1])) || 0;
  const height = Number(utf8(buf, r[2], r[3])) || 0;
  const out: ImageRef[] = [];
  for (let i = 4; i < r.length; i += 2) out.push({ key, offset: base + r[i], length: r[i + 1] - r[i], width, height });
  return out;
}

function tensorAudioRefs(t: DecodedTensor, buf: Buffer, base: number, key: string): AudioRef[] {
  const r = t.stringRanges;
  // The stride is a dim the content was checked against (this.tensor); 0 would never advance.
  const cols = t.shape.length === 2 && t.shape[1] >= 1 ? t.shape[1] : 1;
  const out: AudioRef[] = [];
  for (let i = 0; i + 1 < r.length; i += 2 * cols) {
    const label = cols >= 2 && i + 3 < r.length ? utf8(buf, r[i + 2], r[i + 3]) : '';
    out.push({ key, offset: base + r[i], length: r[i + 1] - r[i], contentType: 'audio/wav', label, sampleRate: 0 });
  }
  return out;
}

function pluginContentRange(buf: Buffer, s: number, e: number): [number, number] | undefined {
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
  const m: TagMetadata = { displayName: '', description: '', pluginName: '', pluginContent: EMPTY, dataClass: 0 };
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

export type { PrCurveSeries };
