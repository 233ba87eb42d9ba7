// SummaryWriter: appends framed events to `events.out.tfevents.<secs>.<host>.<pid>.<n>` in a local
// directory, buffered up to flushBytes. Invariant: the file only ever grows by whole records (a
// reader polling it sees at most one half-written record at its end), and close() fsyncs.
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { EventEncoder } from './encoder.js';
import { ProjectorLog, type EmbeddingInput } from './embedding.js';
import type { CustomScalarsLayout, HparamInput, RawHistogram, SummaryWriterOptions } from './types.js';

let fileCounter = 0;

/** Appends events to a new event file in `dir` (created if missing). */
export class SummaryWriter {
  readonly path: string;
  readonly encoder: EventEncoder;
  private fd: number | undefined;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly now: () => number;
  private readonly flushBytes: number;

  constructor(
    readonly dir: string,
    options: SummaryWriterOptions = {},
  ) {
    this.now = options.now ?? (() => Date.now() / 1000);
    this.flushBytes = options.flushBytes ?? 1 << 20;
    this.encoder = new EventEncoder(options.style ?? 'tf1');
    mkdirSync(dir, { recursive: true });
    const secs = String(Math.floor(this.now())).padStart(10, '0');
    const name = `events.out.tfevents.${secs}.${hostname()}.${process.pid}.${fileCounter++}${options.filenameSuffix ?? ''}`;
    this.path = join(dir, name);
    this.fd = openSync(this.path, 'a');
    const t = this.now();
    this.push(this.encoder.fileVersion(t));
    if (options.purgeStep !== undefined) this.push(this.encoder.sessionStart(options.purgeStep, t));
    this.flush();
  }

  private push(b: Buffer): void {
    if (this.fd === undefined) throw new Error('SummaryWriter is closed');
    this.pending.push(b);
    this.pendingBytes += b.length;
    if (this.pendingBytes >= this.flushBytes) this.flush();
  }

  /** Appends already framed records (from an EventEncoder). */
  writeRecords(...records: Buffer[]): void {
    for (const r of records) this.push(r);
  }

  /** add_scalar(tag, scalar_value, global_step, walltime) */
  addScalar(tag: string, value: number, step = 0, wallTime = this.now()): void {
    this.push(this.encoder.scalar(tag, value, step, wallTime));
  }

  /** add_histogram(tag, values, global_step, bins, walltime) */
  addHistogram(tag: string, values: ArrayLike<number>, step = 0, bins = 30, wallTime = this.now()): void {
    this.push(this.encoder.histogram(tag, values, step, wallTime, bins));
  }

  /** add_histogram_raw(tag, min, max, num, sum, sum_squares, bucket_limits, bucket_counts, …) */
  addHistogramRaw(tag: string, h: RawHistogram, step = 0, wallTime = this.now()): void {
    this.push(this.encoder.histogramRaw(tag, h, step, wallTime));
  }

  /** add_image(tag, img_tensor, global_step, walltime) with PNG bytes. */
  addImage(tag: string, png: Uint8Array, step = 0, wallTime = this.now()): void {
    this.push(this.encoder.image(tag, png, step, wallTime));
  }

  /** add_audio(tag, snd_tensor, global_step, sample_rate, walltime) with WAV bytes. */
  addAudio(tag: string, wav: Uint8Array, step = 0, sampleRate = 44100, wallTime = this.now(), label = ''): void {
    this.push(this.encoder.audio(tag, wav, step, wallTime, sampleRate, label));
  }

  /** add_text(tag, text_string, global_step, walltime) */
  addText(tag: string, text: string | string[][], step = 0, wallTime = this.now()): void {
    this.push(this.encoder.text(tag, text, step, wallTime));
  }

  /** add_pr_curve(tag, labels, predictions, global_step, num_thresholds, walltime) */
  addPrCurve(tag: string, labels: ArrayLike<number | boolean>, predictions: ArrayLike<number>, step = 0, numThresholds = 127, wallTime = this.now()): void {
    this.push(this.encoder.prCurve(tag, labels, predictions, step, wallTime, numThresholds));
  }

  /**
   * add_hparams(hparam_dict, metric_dict, run_name): like PyTorch, writes the hparams summaries and
   * the metrics as scalars into a sub-directory (a run of its own); returns that directory.
   */
  addHparams(hparams: Record<string, HparamInput>, metrics: Record<string, number>, runName = String(this.now())): string {
    const sub = new SummaryWriter(join(this.dir, runName), { now: this.now });
    const t = this.now();
    sub.writeRecords(...sub.encoder.hparams(hparams, Object.keys(metrics), t));
    for (const [tag, v] of Object.entries(metrics)) sub.addScalar(tag, v, 0, t);
    sub.close();
    return sub.dir;
  }

  /**
   * add_embedding(mat, metadata, label_img, global_step, tag, metadata_header): the projector's
   * files beside the event file, as PyTorch lays them out (embedding.ts); returns their folder.
   */
  addEmbedding(e: EmbeddingInput): string {
    this.projector ??= new ProjectorLog(this.dir);
    return this.projector.add(e);
  }
  private projector: ProjectorLog | undefined;

  /** add_custom_scalars(layout): the Custom Scalars dashboard's layout (encoder.ts). */
  addCustomScalars(layout: CustomScalarsLayout, wallTime = this.now()): void {
    this.push(this.encoder.customScalars(layout, wallTime));
  }

  /** A serialized GraphDef. */
  addGraph(graphDef: Uint8Array, wallTime = this.now()): void {
    this.push(this.encoder.graph(graphDef, wallTime));
  }

  addRunMetadata(tag: string, runMetadata: Uint8Array, step = 0, wallTime = this.now()): void {
    this.push(this.encoder.runMetadata(tag, runMetadata, step, wallTime));
  }

  /** A SessionLog START at `step` (what a restarted PyTorch run with purge_step writes). */
  addSessionStart(step: number, wallTime = this.now()): void {
    this.push(this.encoder.sessionStart(step, wallTime));
  }

  flush(): void {
    if (this.fd === undefined || this.pending.length === 0) return;
    const data = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    let off = 0;
    while (off < data.length) off += writeSync(this.fd, data, off, data.length - off);
  }

  close(): void {
    if (this.fd === undefined) return;
    this.flush();
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = undefined;
  }
}
