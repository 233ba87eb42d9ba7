// What readers see (TensorBoard's data server: the commit readers take, apart from the loader's
// run state). Invariant: query code reaches run state only through these read-only views — it
// cannot change what the loader builds, and the loader's bookkeeping (read offsets, tag lookup,
// partial records) is not part of them. A view is the run state itself seen through a narrower
// type, not a copy: a series' columns are shared with the loader (joined into contiguous Float64
// columns on first read, until new samples arrive), so a reload copies nothing for its readers.
import type { LogLocation } from '../storage/storage.js';
import type {
  AudioRef,
  BlobRef,
  BlobSeries,
  HistogramSeries,
  ImageRef,
  PrCurveSeries,
  Problem,
  RunHparams,
  RunInfo,
  ScalarSeries,
  SeriesKind,
  TagEntry,
  TagInfo,
  TagMetadata,
  TensorSeries,
  TextSeries,
  TextValue,
} from './model.js';
import type { PrItem, SeriesItem } from './values.js';

/** A tag's samples, read-only. */
export interface SeriesView {
  readonly length: number;
  /** ±Infinity while empty. */
  readonly minStep: number;
  readonly maxStep: number;
  readonly steps: Float64Array;
  readonly wallTimes: Float64Array;
  /** Scalar series only. */
  readonly values: Float64Array;
  /** Every other kind: one item per sample. */
  readonly items: readonly SeriesItem[];
}

export interface TagView {
  readonly tag: string;
  readonly kind: SeriesKind;
  readonly metadata: TagMetadata;
  readonly store: SeriesView;
  readonly maxSamplesPerStep: number;
}

export interface RunView {
  readonly name: string;
  readonly firstWallTime: number;
  readonly problems: readonly Problem[];
  readonly problemsOmitted: number;
  readonly hparams: Readonly<RunHparams>;
  readonly graph: BlobRef | undefined;
  readonly runMetadata: ReadonlyMap<string, BlobRef>;
  readonly tags: ReadonlyMap<string, TagView>;
  /** Event files by storage key. */
  readonly files: ReadonlyMap<string, unknown>;
}

/** The query half of a Logdir, over the runs' views. */
export abstract class LogdirReader {
  constructor(
    readonly location: LogLocation,
    private readonly views: ReadonlyMap<string, RunView>,
  ) {}

  private ordered(): RunView[] {
    const key = (r: RunView): number => (Number.isNaN(r.firstWallTime) ? Infinity : r.firstWallTime);
    return [...this.views.values()].sort((a, b) => key(a) - key(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  runNames(): string[] {
    return this.ordered().map((r) => r.name);
  }

  runs(): RunInfo[] {
    return this.ordered().map((r) => this.info(r));
  }

  run(name: string): RunInfo | undefined {
    const r = this.views.get(name);
    return r ? this.info(r) : undefined;
  }

  /**
   * A run's description. Its tag and file lists are built on first access only: a sweep of
   * 10,000 runs asks for every run's name on each `data/runs`, and building 100,000 tag entries
   * it never reads there held the event loop for ~0.4 s and made most of the garbage.
   */
  private info(r: RunView): RunInfo {
    let tags: TagInfo[] | undefined;
    let files: string[] | undefined;
    let kinds: Set<SeriesKind> | undefined;
    return {
      name: r.name,
      firstWallTime: r.firstWallTime,
      get tags(): TagInfo[] {
        return (tags ??= [...r.tags.values()]
          .map((t) => ({
            tag: t.tag,
            kind: t.kind,
            metadata: t.metadata,
            count: t.store.length,
            minStep: t.store.length ? t.store.minStep : NaN,
            maxStep: t.store.length ? t.store.maxStep : NaN,
            maxSamplesPerStep: t.maxSamplesPerStep,
          }))
          .sort(byTagName));
      },
      get kinds(): ReadonlySet<SeriesKind> {
        return (kinds ??= new Set([...r.tags.values()].map((t) => t.kind)));
      },
      problems: [...r.problems],
      problemsOmitted: r.problemsOmitted,
      hasGraph: r.graph !== undefined,
      runMetadataTags: [...r.runMetadata.keys()].sort(),
      get files(): string[] {
        return (files ??= [...r.files.keys()].sort());
      },
    };
  }

  *tagsByRun(kind: SeriesKind): Generator<[string, readonly TagEntry[]]> {
    for (const r of this.ordered()) {
      let tags: TagView[] | undefined;
      for (const t of r.tags.values()) if (t.kind === kind) (tags ??= []).push(t);
      if (tags !== undefined) yield [r.name, tags.sort(byTagName)];
    }
  }

  private tag(run: string, tag: string, kind: SeriesKind): TagView | undefined {
    const t = this.views.get(run)?.tags.get(tag);
    return t && t.kind === kind ? t : undefined;
  }

  private base(t: TagView): { length: number; steps: Float64Array; wallTimes: Float64Array } {
    const s = t.store;
    return { length: s.length, steps: s.steps.subarray(0, s.length), wallTimes: s.wallTimes.subarray(0, s.length) };
  }

  scalars(run: string, tag: string): ScalarSeries | undefined {
    const t = this.tag(run, tag, 'scalars');
    return t && { ...this.base(t), values: t.store.values.subarray(0, t.store.length) };
  }

  histograms(run: string, tag: string): HistogramSeries | undefined {
    const t = this.tag(run, tag, 'histograms');
    return t && { ...this.base(t), buckets: t.store.items.slice() as Float64Array[] };
  }

  images(run: string, tag: string): BlobSeries<ImageRef> | undefined {
    const t = this.tag(run, tag, 'images');
    return t && { ...this.base(t), blobs: t.store.items.slice() as ImageRef[][] };
  }

  audio(run: string, tag: string): BlobSeries<AudioRef> | undefined {
    const t = this.tag(run, tag, 'audio');
    return t && { ...this.base(t), blobs: t.store.items.slice() as AudioRef[][] };
  }

  text(run: string, tag: string): TextSeries | undefined {
    const t = this.tag(run, tag, 'text');
    return t && { ...this.base(t), values: t.store.items.slice() as TextValue[] };
  }

  prCurves(run: string, tag: string): PrCurveSeries | undefined {
    const t = this.tag(run, tag, 'pr_curves');
    if (!t) return undefined;
    const items = t.store.items as PrItem[];
    return { ...this.base(t), data: items.map((i) => i.data), thresholds: items.map((i) => i.thresholds) };
  }

  tensors(run: string, tag: string): TensorSeries | undefined {
    const t = this.views.get(run)?.tags.get(tag);
    if (!t || (t.kind !== 'tensors' && t.kind !== 'hparams')) return undefined;
    return { ...this.base(t), tensors: t.store.items.slice() as BlobRef[] };
  }

  hparams(run: string): RunHparams {
    return { ...(this.views.get(run)?.hparams ?? {}) };
  }

  graph(run: string): BlobRef | undefined {
    return this.views.get(run)?.graph;
  }

  runMetadata(run: string, tag: string): BlobRef | undefined {
    return this.views.get(run)?.runMetadata.get(tag);
  }

  readBlob(ref: BlobRef): Promise<Buffer> {
    return this.location.storage.read(ref.key, ref.offset, ref.length);
  }

}

function byTagName(a: { tag: string }, b: { tag: string }): number {
  return a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0;
}
