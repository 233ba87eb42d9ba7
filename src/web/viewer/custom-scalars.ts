// The Custom Scalars tab: the layout written by add_custom_scalars (TensorBoard's
// custom_scalars/layout), one collapsible section per category, one card per chart. A multiline
// chart draws every scalar tag its regexes match, per shown run; a margin chart draws its value
// tag as a line over the lower–upper band. Invariants: only shown runs (state.visibleRuns) are
// fetched or drawn; smoothing and the x axis follow the sidebar like the Scalars tab (the band is
// drawn raw: smoothing bounds would no longer bound anything).
import { h, clear } from '../lib/dom.js';
import { nameColor } from '../lib/colors.js';
import { smoothDebiased } from '../lib/smooth.js';
import type { DataClient } from './data.js';
import type { Change, ViewerState, XAxis } from './state.js';
import type { Tab } from './tab.js';
import { toSeries } from './scalars.js';
import type { ScalarSeries } from './scalar-chart.js';
import { BandChart, type Line } from './band-chart.js';

interface ChartSpec {
  title: string;
  multiline?: { tag?: string[] };
  margin?: { series?: Array<{ value: string; lower: string; upper: string }> };
}
interface Layout {
  category?: Array<{ title: string; chart?: ChartSpec[]; closed?: boolean }>;
}
interface ScalarsAnswer {
  regex_valid: boolean;
  tag_to_events: Record<string, unknown[]>;
}

/** Runs per scalars_multirun request (a request body of ~20 bytes a run). */
const RUNS_PER_REQUEST = 500;

function xsOf(s: ScalarSeries, axis: XAxis): Float64Array {
  if (axis === 'step') return s.step;
  if (axis === 'wall') return s.wall;
  const t0 = s.wall.length ? s.wall[0] : 0;
  return s.wall.map((w) => (w - t0) / 3600);
}

export class CustomScalarsTab implements Tab {
  readonly el = h('div', { class: 'tab-body', id: 'custom-scalars' });
  readonly settings = ['smoothing', 'xaxis'] as const;
  private layout: Layout = {};
  /** `run\0regex` → the answer for it. */
  private readonly answers = new Map<string, Map<string, ScalarSeries>>();
  private readonly charts: BandChart[] = [];
  private fingerprint = '';

  constructor(private readonly data: DataClient, private readonly state: ViewerState) {}

  count(): number {
    return (this.layout.category ?? []).reduce((n, c) => n + (c.chart?.length ?? 0), 0);
  }

  private regexes(): string[] {
    const out = new Set<string>();
    for (const c of this.layout.category ?? []) for (const ch of c.chart ?? []) {
      for (const t of ch.multiline?.tag ?? []) out.add(t);
      for (const s of ch.margin?.series ?? []) for (const t of [s.value, s.lower, s.upper]) out.add(t);
    }
    return [...out];
  }

  async refreshCount(): Promise<void> {
    this.layout = await this.data.json<Layout>('plugin/custom_scalars/layout');
  }

  async refresh(): Promise<void> {
    await this.refreshCount();
    const runs = this.state.visibleRuns();
    // One request per pattern and RUNS_PER_REQUEST shown runs (the server's scalars_multirun
    // extension), not one per run and pattern: a sweep of 1,000 runs shown was 1,000 per chart.
    const chunks: string[][] = [];
    for (let i = 0; i < runs.length; i += RUNS_PER_REQUEST) chunks.push(runs.slice(i, i + RUNS_PER_REQUEST));
    await Promise.all(this.regexes().flatMap((re) => chunks.map(async (chunk) => {
      const body = new URLSearchParams({ tag: re });
      for (const r of chunk) body.append('runs', r);
      const answer = await this.data.postForm<Record<string, ScalarsAnswer>>('plugin/custom_scalars/scalars_multirun', body);
      for (const run of chunk) {
        const m = new Map<string, ScalarSeries>();
        for (const [tag, rows] of Object.entries(answer[run]?.tag_to_events ?? {})) m.set(tag, toSeries(rows));
        this.answers.set(`${run}\0${re}`, m);
      }
    })));
    const fp = JSON.stringify(this.layout) + runs.join(',') + [...this.answers].map(([k, m]) => `${k}:${[...m].map(([t, s]) => `${t}=${s.step.length}`).join()}`).join('|');
    if (fp !== this.fingerprint) {
      this.fingerprint = fp;
      this.redraw();
    }
  }

  redraw(changes?: ReadonlySet<Change>): void {
    if (changes && !['smoothing', 'xAxis', 'selection', 'runFilter', 'runs', 'colors'].some((c) => changes.has(c as Change))) return;
    for (const c of this.charts) c.destroy();
    this.charts.length = 0;
    clear(this.el);
    const cats = this.layout.category ?? [];
    if (cats.length === 0) {
      this.el.append(h('div', { class: 'empty' }, 'No custom scalars layout in these logs (PyTorch: SummaryWriter.add_custom_scalars).'));
      return;
    }
    for (const cat of cats) {
      const grid = h('div', { class: 'grid' });
      for (const spec of cat.chart ?? []) grid.append(this.card(spec));
      this.el.append(h('details', { class: 'group', open: !cat.closed, 'data-category': cat.title },
        h('summary', { class: 'group-head' }, h('span', { class: 'group-name' }, cat.title), h('span', { class: 'count' }, String(cat.chart?.length ?? 0))), grid));
    }
  }

  private series(run: string, re: string): Map<string, ScalarSeries> {
    return this.answers.get(`${run}\0${re}`) ?? new Map();
  }

  private card(spec: ChartSpec): HTMLElement {
    const { smoothing, xAxis } = this.state.settings;
    const runs = this.state.visibleRuns();
    const lines: Line[] = [];
    const kind = spec.margin ? 'margin' : 'multiline';
    if (spec.margin) {
      for (const run of runs) for (const s of spec.margin.series ?? []) {
        const v = this.series(run, s.value).get(s.value) ?? [...this.series(run, s.value).values()][0];
        const lo = this.series(run, s.lower).get(s.lower) ?? [...this.series(run, s.lower).values()][0];
        const up = this.series(run, s.upper).get(s.upper) ?? [...this.series(run, s.upper).values()][0];
        if (!v) continue;
        // The band is drawn where all three tags have a value at the same step.
        const at = (x: ScalarSeries | undefined): Map<number, number> => new Map(x ? Array.from(x.step, (st, i) => [st, x.value[i]]) : []);
        const lm = at(lo);
        const um = at(up);
        const keep = Array.from(v.step, (_, i) => i).filter((i) => lm.has(v.step[i]) && um.has(v.step[i]));
        const xs = xsOf(v, xAxis);
        lines.push({
          label: `${s.value} (${run})`, color: this.state.colors.get(run),
          xs: keep.map((i) => xs[i]), ys: keep.map((i) => v.value[i]),
          lower: keep.map((i) => lm.get(v.step[i]) as number), upper: keep.map((i) => um.get(v.step[i]) as number),
        });
      }
    } else {
      const regexes = spec.multiline?.tag ?? [];
      for (const run of runs) {
        const seen = new Set<string>();
        for (const re of regexes) for (const [tag, s] of this.series(run, re)) {
          if (seen.has(tag)) continue;
          seen.add(tag);
          lines.push({ label: `${tag} (${run})`, color: '', xs: xsOf(s, xAxis), ys: smoothing > 0 ? smoothDebiased(s.value, smoothing) : s.value });
        }
      }
      // One tag per run: the run's own colour, as on Scalars; several: one colour per series.
      const perRun = new Set(lines.map((l) => l.label.slice(l.label.lastIndexOf(' ('))));
      for (const l of lines) l.color = perRun.size === lines.length ? this.state.colors.get(l.label.slice(l.label.lastIndexOf(' (') + 2, -1)) : nameColor(l.label);
    }
    const plot = h('div', { class: 'plot' });
    const legend = h('div', { class: 'legend cs-legend' }, ...lines.map((l) => h('span', { class: 'cs-series', 'data-series': l.label },
      h('span', { class: 'swatch', style: `background:${l.color}` }), l.label)));
    const el = h('div', { class: `card cs-card cs-${kind}`, 'data-chart': spec.title, 'data-kind': kind, 'data-series-count': String(lines.length) },
      h('div', { class: 'card-head' }, h('span', { class: 'card-title', title: spec.title }, spec.title), h('span', { class: 'spacer' }),
        h('span', { class: 'muted small' }, kind === 'margin' ? 'margin' : (spec.multiline?.tag ?? []).join(', '))),
      h('div', { class: 'plot-wrap' }, plot), lines.length ? legend : h('div', { class: 'muted small' }, 'No shown run has these tags.'));
    const chart = new BandChart(plot);
    this.charts.push(chart);
    requestAnimationFrame(() => chart.set(lines));
    return el;
  }
}
