// What `vizjobs inspect` reports: TensorBoard's `--inspect` (runs, tags by kind, step ranges and
// counts) plus the problems found, as plain data so the CLI prints it and scripts read JSON.
import type { Logdir, LogdirStats, Problem, SeriesBase, SeriesKind } from './model.js';
import { SERIES_KINDS } from './model.js';

export interface InspectTag {
  tag: string;
  count: number;
  firstStep: number | null;
  lastStep: number | null;
  minStep: number | null;
  maxStep: number | null;
  /** Steps that came after a larger step (TensorBoard's outoforder_steps), at most 20. */
  outOfOrderSteps: number[];
  pluginName: string;
  /** A MindSpore summary's series: MindInsight's name of it (`loss/scalar`; a graph: its file's name). */
  mindinsightName?: string;
}

export interface InspectRun {
  name: string;
  files: string[];
  firstWallTime: number | null;
  hasGraph: boolean;
  runMetadataTags: string[];
  tags: Partial<Record<SeriesKind, InspectTag[]>>;
  problems: Problem[];
}

export interface InspectReport {
  location: string;
  runs: InspectRun[];
  stats: LogdirStats;
  loadMs: number;
}

function series(logdir: Logdir, run: string, tag: string, kind: SeriesKind): SeriesBase | undefined {
  switch (kind) {
    case 'scalars':
      return logdir.scalars(run, tag);
    case 'histograms':
      return logdir.histograms(run, tag);
    case 'images':
      return logdir.images(run, tag);
    case 'audio':
      return logdir.audio(run, tag);
    case 'text':
      return logdir.text(run, tag);
    case 'pr_curves':
      return logdir.prCurves(run, tag);
    default:
      return logdir.tensors(run, tag);
  }
}

const num = (x: number): number | null => (Number.isFinite(x) ? x : null);

export function inspectLogdir(logdir: Logdir, loadMs: number): InspectReport {
  const runs = logdir.runs().map((r): InspectRun => {
    const tags: Partial<Record<SeriesKind, InspectTag[]>> = {};
    for (const t of r.tags) {
      const s = series(logdir, r.name, t.tag, t.kind);
      const outOfOrderSteps: number[] = [];
      if (s) {
        let max = -Infinity;
        for (let i = 0; i < s.length && outOfOrderSteps.length < 20; i++) {
          if (s.steps[i] < max) outOfOrderSteps.push(s.steps[i]);
          else max = s.steps[i];
        }
      }
      (tags[t.kind] ??= []).push({
        tag: t.tag,
        count: t.count,
        firstStep: s && s.length ? s.steps[0] : null,
        lastStep: s && s.length ? s.steps[s.length - 1] : null,
        minStep: num(t.minStep),
        maxStep: num(t.maxStep),
        outOfOrderSteps,
        pluginName: t.metadata.pluginName,
        ...(t.metadata.mindinsightPlugin !== undefined ? { mindinsightName: t.metadata.displayName } : {}),
      });
    }
    return {
      name: r.name,
      files: r.files,
      firstWallTime: num(r.firstWallTime),
      hasGraph: r.hasGraph || r.tags.some((t) => t.metadata.mindinsightPlugin === 'graph'),
      runMetadataTags: r.runMetadataTags,
      tags,
      problems: r.problems,
    };
  });
  return { location: `${logdir.location.storage.description}/${logdir.location.prefix}`, runs, stats: logdir.stats(), loadMs };
}

const RULE = '='.repeat(70);

/** How a MindSpore series is named in MindInsight, after its tag. */
const mindinsight = (t: InspectTag): string => (t.mindinsightName !== undefined ? `   (MindInsight: ${t.mindinsightName})` : '');

/** Human text in the shape of `tensorboard --inspect`. */
export function formatInspect(report: InspectReport): string {
  const out: string[] = [];
  if (report.runs.length === 0) {
    out.push(RULE, `No event files found within ${report.location}`, RULE);
    return out.join('\n') + '\n';
  }
  for (const run of report.runs) {
    out.push(RULE, `Run ${run.name}`, RULE, 'Event files:');
    for (const f of run.files) out.push(`   ${f}`);
    out.push('', `These tags are in ${run.name}:`);
    for (const kind of SERIES_KINDS) {
      const tags = run.tags[kind];
      if (!tags) {
        out.push(`${kind} -`);
        continue;
      }
      out.push(kind);
      for (const t of tags) out.push(`   ${t.tag}${mindinsight(t)}`);
    }
    out.push(`graph ${run.hasGraph ? 'yes' : '-'}`, `run_metadata ${run.runMetadataTags.length ? run.runMetadataTags.join(', ') : '-'}`, RULE, '');
    out.push(`Event statistics for ${run.name}:`);
    for (const kind of SERIES_KINDS) {
      const tags = run.tags[kind];
      if (!tags) continue;
      out.push(kind);
      for (const t of tags) {
        out.push(`   ${t.tag}${mindinsight(t)}`);
        out.push(`      first_step           ${t.firstStep ?? '-'}`);
        out.push(`      last_step            ${t.lastStep ?? '-'}`);
        out.push(`      max_step             ${t.maxStep ?? '-'}`);
        out.push(`      min_step             ${t.minStep ?? '-'}`);
        out.push(`      num_steps            ${t.count}`);
        out.push(`      outoforder_steps     [${t.outOfOrderSteps.join(', ')}]`);
      }
    }
    out.push(`problems ${run.problems.length ? '' : '-'}`.trimEnd());
    for (const p of run.problems) out.push(`   ${p.kind} at ${p.file}:${p.offset}: ${p.message}`);
    out.push(RULE, '');
  }
  const s = report.stats;
  out.push(
    `${s.runs} runs, ${s.files} event files, ${s.records} records, ${s.samples} samples, ${(s.bytesRead / 1e6).toFixed(1)} MB read in ${report.loadMs.toFixed(0)} ms, ${s.problems} problems`,
  );
  return out.join('\n') + '\n';
}
