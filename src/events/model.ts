// Public types of the event-log engine: what a log directory becomes (runs → tags → series).
// Every sample is kept. Series are columnar (typed arrays) so a million points cost megabytes,
// not objects; image/audio/graph bytes stay in storage and are referenced, never held.
// This file only grows: the viewer and CLI code against it.
import type { LogLocation } from '../storage/storage.js';

/** What a tag holds, decided by its plugin name (first value's metadata) or its value's encoding. */
export type SeriesKind =
  | 'scalars'
  | 'histograms'
  | 'images'
  | 'audio'
  | 'text'
  | 'pr_curves'
  | 'hparams'
  /** Any other plugin's tensors (custom_scalars, mesh, …): kept as references to the TensorProto. */
  | 'tensors';

export const SERIES_KINDS: readonly SeriesKind[] = [
  'scalars',
  'histograms',
  'images',
  'audio',
  'text',
  'pr_curves',
  'hparams',
  'tensors',
];

/** SummaryMetadata of a tag, as its first value carried it (later values inherit it). */
export interface TagMetadata {
  displayName: string;
  description: string;
  pluginName: string;
  /** plugin_data.content, raw bytes (e.g. an HParamsPluginData or PrCurvePluginData proto). */
  pluginContent: Uint8Array;
  /** SummaryMetadata.data_class: 0 unknown, 1 SCALAR, 2 TENSOR, 3 BLOB_SEQUENCE. */
  dataClass: number;
  /**
   * Set for a tag read from a MindSpore summary: MindInsight's plugin for it (`scalar`, `image`,
   * `histogram`, `tensor`, `loss_landscape`, `graph`); `displayName` is then MindInsight's name
   * of the series (`loss/scalar`; for a graph, the file's name).
   */
  mindinsightPlugin?: string;
}

export interface TagInfo {
  tag: string;
  kind: SeriesKind;
  metadata: TagMetadata;
  /** Samples kept (after purges). */
  count: number;
  /** Smallest and largest step kept; NaN when count is 0. */
  minStep: number;
  maxStep: number;
  /** For images/audio: the most blobs any one sample holds (TensorBoard's `samples`). */
  maxSamplesPerStep: number;
}

/** What a tags answer lists of a tag (the engine's tag views satisfy it without a copy). */
export interface TagEntry {
  readonly tag: string;
  readonly metadata: TagMetadata;
  /** For images/audio: the most blobs any one sample holds (TensorBoard's `samples`). */
  readonly maxSamplesPerStep: number;
}

export type ProblemKind =
  /** The 4-byte CRC of a record's length did not match: the rest of the file cannot be framed. */
  | 'length_crc'
  /** A record's data CRC did not match: that record was skipped, reading went on. */
  | 'data_crc'
  /** A length no writer produces (over the record limit): the rest of the file is not read. */
  | 'corrupt_length'
  /** A record framed fine but its protobuf did not decode: the record was skipped. */
  | 'decode'
  /** Storage refused or failed a read: retried at the next reload. */
  | 'storage'
  /** A tensor's claimed shape does not match the elements it holds: kept as what it holds, or skipped. */
  | 'shape'
  /** A cap of limits.ts was hit (elements, samples, text, blobs, graph, response size): trimmed or skipped. */
  | 'limit';

export interface Problem {
  /** Storage key of the event file. */
  file: string;
  /** Byte offset of the record (or read) where the problem starts. */
  offset: number;
  kind: ProblemKind;
  message: string;
}

/** A byte range in storage: read it with `logdir.readBlob(ref)`. */
export interface BlobRef {
  key: string;
  offset: number;
  length: number;
}

export interface ImageRef extends BlobRef {
  width: number;
  height: number;
}

export interface AudioRef extends BlobRef {
  /** e.g. `audio/wav`. */
  contentType: string;
  /** TF2 label (markdown) or '' */
  label: string;
  sampleRate: number;
}

/** Columns shared by every series: sample i is (steps[i], wallTimes[i], …). Views of length `length`. */
export interface SeriesBase {
  length: number;
  steps: Float64Array;
  wallTimes: Float64Array;
}

export interface ScalarSeries extends SeriesBase {
  /** float32 values widened to double exactly; double tensors kept as double. */
  values: Float64Array;
}

export interface HistogramSeries extends SeriesBase {
  /** Per sample: flat [left, right, count, left, right, count, …] as TensorBoard serves buckets. */
  buckets: Float64Array[];
}

export interface BlobSeries<R extends BlobRef> extends SeriesBase {
  /** Per sample: the blobs of that step (PyTorch writes one; TF2 image tensors may hold several). */
  blobs: R[][];
}

export interface TextValue {
  shape: number[];
  /** Row-major, `shape` product long (1 for rank 0). */
  strings: string[];
}

export interface TextSeries extends SeriesBase {
  values: TextValue[];
}

export interface PrCurveSeries extends SeriesBase {
  /** Per sample: a [6, n] row-major array of TP, FP, TN, FN, precision, recall. */
  data: Float64Array[];
  /** Per sample: n (number of thresholds). */
  thresholds: number[];
}

export interface TensorSeries extends SeriesBase {
  /** Per sample: where the TensorProto's bytes are; decode with `decodeTensorProto`. */
  tensors: BlobRef[];
}

export type HparamValue = string | number | boolean | null;

export interface HparamInfo {
  name: string;
  displayName: string;
  description: string;
  /** 0 unset, 1 STRING, 2 BOOL, 3 FLOAT64. */
  type: number;
  domainDiscrete?: HparamValue[];
  domainInterval?: { minValue: number; maxValue: number };
}

export interface MetricInfo {
  group: string;
  tag: string;
  displayName: string;
  description: string;
  /** 0 unknown, 1 training, 2 validation. */
  datasetType: number;
}

export interface HparamsExperiment {
  name: string;
  description: string;
  user: string;
  timeCreatedSecs: number;
  hparamInfos: HparamInfo[];
  metricInfos: MetricInfo[];
}

export interface SessionStartInfo {
  hparams: Record<string, HparamValue>;
  modelUri: string;
  monitorUrl: string;
  groupName: string;
  startTimeSecs: number;
}

export interface SessionEndInfo {
  /** 0 UNKNOWN, 1 SUCCESS, 2 FAILURE, 3 RUNNING. */
  status: number;
  endTimeSecs: number;
}

/** The run's hparams plugin data (latest of each kind). */
export interface RunHparams {
  experiment?: HparamsExperiment;
  sessionStart?: SessionStartInfo;
  sessionEnd?: SessionEndInfo;
}

export interface RunInfo {
  /** Directory relative to the log root, '.' for the root itself. */
  name: string;
  /** Wall time of the run's first event (NaN before any). */
  firstWallTime: number;
  /** Sorted by tag; built when first read. */
  readonly tags: TagInfo[];
  /** The kinds of the run's tags, without building `tags`; built when first read. */
  readonly kinds: ReadonlySet<SeriesKind>;
  /** The first 1,000 problems of the run, each reported once. */
  problems: Problem[];
  /** Problems found beyond those kept in `problems`. */
  problemsOmitted: number;
  hasGraph: boolean;
  /** Tags of tagged_run_metadata events. */
  runMetadataTags: string[];
  /** Event files of the run, in read (name) order; built when first read. */
  readonly files: string[];
}

export interface ReloadStats {
  /** Event files seen in the listing. */
  files: number;
  /** Bytes read by this reload. */
  bytesRead: number;
  /** Records framed by this reload. */
  records: number;
  durationMs: number;
}

export interface LogdirStats {
  runs: number;
  files: number;
  bytesRead: number;
  records: number;
  /** Samples kept across all series (scalars: points). */
  samples: number;
  /** Estimate of the memory the series hold, bytes. */
  memoryBytes: number;
  problems: number;
  reloads: number;
}

/** Where a reload is: its listing done or not, and how many of the files it reads were read. */
export interface LoadProgress {
  /** A reload is running. */
  loading: boolean;
  /** The running reload's listing is done: every run of the directory is known (not yet loaded). */
  listed: boolean;
  /** Event files the running reload reads (0 before its listing). */
  files: number;
  /** Of those, read so far. */
  filesRead: number;
}

/**
 * Where a Logdir reports the memory its loaded data takes (the estimate stats().memoryBytes gives,
 * run by run as files are read): the viewer's process-wide budget, so that one tenant's huge log
 * directory stops loading instead of exhausting the process every tenant shares.
 */
export interface MemoryAccount {
  /** The loaded data grew by `bytes` (negative: shrank). False: read nothing more for now. */
  grow(bytes: number): boolean;
  /** Why reading stopped, for the problem reported where it did. */
  readonly refusal: string;
}

export interface OpenLogdirOptions {
  /** Verify record CRCs (default true). */
  verifyChecksums?: boolean;
  /** Largest single read, bytes (default 1 MiB; a longer record is read whole). */
  maxReadBytes?: number;
  /** Without one, nothing limits what the Logdir loads. */
  memory?: MemoryAccount;
}

/** A log directory being read. Dropping the object releases everything it holds. */
export interface Logdir {
  readonly location: LogLocation;
  /** Reads what is new since the last reload; a call while one runs joins it. */
  reload(): Promise<ReloadStats>;
  /** Runs in TensorBoard's order: first event's wall time, then name. */
  runs(): RunInfo[];
  /** The names of runs(), without describing each run. */
  runNames(): string[];
  run(name: string): RunInfo | undefined;
  /**
   * Each run holding a tag of `kind`, in runs() order, with those tags sorted by name: what a
   * plugin's tags answer lists, without describing each run (a sweep's is 100,000 tags).
   */
  tagsByRun(kind: SeriesKind): Iterable<[run: string, tags: readonly TagEntry[]]>;
  scalars(run: string, tag: string): ScalarSeries | undefined;
  histograms(run: string, tag: string): HistogramSeries | undefined;
  images(run: string, tag: string): BlobSeries<ImageRef> | undefined;
  audio(run: string, tag: string): BlobSeries<AudioRef> | undefined;
  text(run: string, tag: string): TextSeries | undefined;
  prCurves(run: string, tag: string): PrCurveSeries | undefined;
  tensors(run: string, tag: string): TensorSeries | undefined;
  hparams(run: string): RunHparams;
  /** Reference to the run's latest graph_def (a serialized GraphDef), if any. */
  graph(run: string): BlobRef | undefined;
  /** Reference to the latest RunMetadata of a tagged_run_metadata tag. */
  runMetadata(run: string, tag: string): BlobRef | undefined;
  readBlob(ref: BlobRef): Promise<Buffer>;
  stats(): LogdirStats;
  /** How far the running reload is (a sweep's first load takes a while); absent on composites. */
  progress?(): LoadProgress;
  /**
   * Reads these runs' files next in the running reload; resolves once they are read, or after
   * `maxWaitMs`, at once when no reload runs (at the latest when the reload ends). Absent on
   * composites.
   */
  prioritize?(runs: Iterable<string>, maxWaitMs?: number): Promise<void>;
  /**
   * The logdir is no longer served (its job stopped, deleted or idle): a reload running stops at
   * its next file or read instead of reading the rest of the directory, and no other starts.
   */
  close?(): void;
  /** Adds a problem found while serving the run's data (e.g. an answer over a cap) to its problem list. */
  reportProblem(run: string, problem: Problem): void;
  /**
   * The `projector_config.pbtxt` files the last listing found where TensorBoard's projector looks:
   * a run's directory or its `plugins/projector/` (or the root when there are no runs at all).
   */
  projectorConfigs(): ProjectorConfigFile[];
}

/** A projector config file (see Logdir.projectorConfigs); paths in it resolve against its directory. */
export interface ProjectorConfigFile {
  run: string;
  /** Storage key of the file. */
  key: string;
  etag: string;
  size: number;
  /** The log directory holding it: files it names are served only from under this location. */
  location: LogLocation;
}
