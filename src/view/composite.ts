// Several log directories as one Logdir, the way TensorBoard's --logdir_spec shows them: every run
// of the part named `name` is `name/run` (its root run, '.', is `name` itself), and the runs of all
// parts form one list in TensorBoard's order (first event's wall time, then name). Invariant: a
// name resolves to exactly one part and run; the parts' data is never copied, only looked through.
import type {
  AudioRef,
  BlobRef,
  BlobSeries,
  HistogramSeries,
  ImageRef,
  Logdir,
  LogdirStats,
  PrCurveSeries,
  Problem,
  ProjectorConfigFile,
  ReloadStats,
  RunHparams,
  RunInfo,
  ScalarSeries,
  SeriesKind,
  TagEntry,
  TagInfo,
  TensorSeries,
  TextSeries,
} from '../events/index.js';
import type { LogLocation } from '../storage/storage.js';

export interface NamedLogdir {
  name: string;
  logdir: Logdir;
}

/** A part's run seen under its prefixed name; every other field is the part's, read when asked. */
class PrefixedRun implements RunInfo {
  constructor(
    readonly name: string,
    private readonly inner: RunInfo,
    /** The part's name and storage prefix: a problem's file is named `part/file`, as runs are. */
    private readonly part: { name: string; prefix: string },
  ) {}
  get firstWallTime(): number {
    return this.inner.firstWallTime;
  }
  get tags(): TagInfo[] {
    return this.inner.tags;
  }
  get kinds(): ReadonlySet<SeriesKind> {
    return this.inner.kinds;
  }
  get problems(): Problem[] {
    const { name, prefix } = this.part;
    return this.inner.problems.map((p) => (p.file.startsWith(prefix) ? { ...p, file: `${name}/${p.file.slice(prefix.length)}` } : p));
  }
  get problemsOmitted(): number {
    return this.inner.problemsOmitted;
  }
  get hasGraph(): boolean {
    return this.inner.hasGraph;
  }
  get runMetadataTags(): string[] {
    return this.inner.runMetadataTags;
  }
  get files(): string[] {
    return this.inner.files;
  }
}

function prefixed(name: string, run: string): string {
  return run === '.' ? name : `${name}/${run}`;
}

export class CompositeLogdir implements Logdir {
  /** The first part's location: data/problems names files relative to it (others keep their full key). */
  readonly location: LogLocation;

  constructor(private readonly parts: readonly NamedLogdir[]) {
    if (parts.length === 0) throw new Error('CompositeLogdir needs at least one part');
    this.location = parts[0].logdir.location;
  }

  private partOf(p: NamedLogdir): { name: string; prefix: string } {
    return { name: p.name, prefix: p.logdir.location.prefix };
  }

  /** The part and inner run a composite run name denotes (longest matching part name first). */
  private find(run: string): { part: NamedLogdir; inner: string } | undefined {
    let best: { part: NamedLogdir; inner: string } | undefined;
    for (const part of this.parts) {
      let inner: string | undefined;
      if (run === part.name) inner = '.';
      else if (run.startsWith(`${part.name}/`)) inner = run.slice(part.name.length + 1);
      if (inner === undefined || !part.logdir.run(inner)) continue;
      if (!best || part.name.length > best.part.name.length) best = { part, inner };
    }
    return best;
  }

  private on<T>(run: string, f: (logdir: Logdir, inner: string) => T | undefined): T | undefined {
    const hit = this.find(run);
    return hit ? f(hit.part.logdir, hit.inner) : undefined;
  }

  close(): void {
    for (const p of this.parts) p.logdir.close?.();
  }

  async reload(): Promise<ReloadStats> {
    const t0 = performance.now();
    const all = await Promise.all(this.parts.map((p) => p.logdir.reload()));
    return {
      files: all.reduce((a, s) => a + s.files, 0),
      bytesRead: all.reduce((a, s) => a + s.bytesRead, 0),
      records: all.reduce((a, s) => a + s.records, 0),
      durationMs: performance.now() - t0,
    };
  }

  runs(): RunInfo[] {
    const out: RunInfo[] = [];
    for (const p of this.parts) for (const r of p.logdir.runs()) out.push(new PrefixedRun(prefixed(p.name, r.name), r, this.partOf(p)));
    // TensorBoard's order: runs without events yet (NaN) last, like the engine's own list.
    const key = (t: number): number => (Number.isNaN(t) ? Infinity : t);
    return out.sort((a, b) => key(a.firstWallTime) - key(b.firstWallTime) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  runNames(): string[] {
    return this.runs().map((r) => r.name);
  }

  run(name: string): RunInfo | undefined {
    const hit = this.find(name);
    const inner = hit?.part.logdir.run(hit.inner);
    return hit && inner ? new PrefixedRun(name, inner, this.partOf(hit.part)) : undefined;
  }

  *tagsByRun(kind: SeriesKind): Generator<[string, readonly TagEntry[]]> {
    const byRun = new Map<string, readonly TagEntry[]>();
    for (const p of this.parts) for (const [run, tags] of p.logdir.tagsByRun(kind)) byRun.set(prefixed(p.name, run), tags);
    for (const name of this.runNames()) {
      const tags = byRun.get(name);
      if (tags !== undefined) yield [name, tags];
    }
  }

  scalars(run: string, tag: string): ScalarSeries | undefined {
    return this.on(run, (l, r) => l.scalars(r, tag));
  }
  histograms(run: string, tag: string): HistogramSeries | undefined {
    return this.on(run, (l, r) => l.histograms(r, tag));
  }
  images(run: string, tag: string): BlobSeries<ImageRef> | undefined {
    return this.on(run, (l, r) => l.images(r, tag));
  }
  audio(run: string, tag: string): BlobSeries<AudioRef> | undefined {
    return this.on(run, (l, r) => l.audio(r, tag));
  }
  text(run: string, tag: string): TextSeries | undefined {
    return this.on(run, (l, r) => l.text(r, tag));
  }
  prCurves(run: string, tag: string): PrCurveSeries | undefined {
    return this.on(run, (l, r) => l.prCurves(r, tag));
  }
  tensors(run: string, tag: string): TensorSeries | undefined {
    return this.on(run, (l, r) => l.tensors(r, tag));
  }
  hparams(run: string): RunHparams {
    const hit = this.find(run);
    // An unknown run has no hparams; ask the first part so the answer has the engine's empty shape.
    return hit ? hit.part.logdir.hparams(hit.inner) : this.parts[0].logdir.hparams(run);
  }
  graph(run: string): BlobRef | undefined {
    return this.on(run, (l, r) => l.graph(r));
  }
  runMetadata(run: string, tag: string): BlobRef | undefined {
    return this.on(run, (l, r) => l.runMetadata(r, tag));
  }

  /**
   * A ref names a storage key, not a part: it is read from the part whose prefix holds the key
   * (src/view/locate.ts roots local parts at '/', so their keys are absolute paths and distinct).
   */
  readBlob(ref: BlobRef): Promise<Buffer> {
    let best = this.parts[0];
    for (const p of this.parts) {
      const pre = p.logdir.location.prefix;
      if (ref.key.startsWith(pre) && pre.length > best.logdir.location.prefix.length) best = p;
    }
    return best.logdir.readBlob(ref);
  }

  stats(): LogdirStats {
    const all = this.parts.map((p) => p.logdir.stats());
    const sum = (k: keyof LogdirStats): number => all.reduce((a, s) => a + s[k], 0);
    return {
      runs: sum('runs'),
      files: sum('files'),
      bytesRead: sum('bytesRead'),
      records: sum('records'),
      samples: sum('samples'),
      memoryBytes: sum('memoryBytes'),
      problems: sum('problems'),
      reloads: Math.max(...all.map((s) => s.reloads)),
    };
  }

  reportProblem(run: string, problem: Problem): void {
    const hit = this.find(run);
    if (hit) hit.part.logdir.reportProblem(hit.inner, problem);
  }

  projectorConfigs(): ProjectorConfigFile[] {
    return this.parts.flatMap((p) => p.logdir.projectorConfigs().map((c) => ({ ...c, run: prefixed(p.name, c.run) })));
  }
}
