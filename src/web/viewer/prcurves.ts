// PR curves: precision against recall per tag, one line per visible run, at the step the slider
// picks (each run shows its last curve at or before that step).
import uPlot from 'uplot';
import { h, clear } from '../lib/dom.js';
import { tbNumber } from '../lib/tb-values.js';
import type { DataClient } from './data.js';
import type { ViewerState } from './state.js';
import { fingerprint, tagsByRun, type Tab } from './tab.js';

interface Curve { step: number; precision: number[]; recall: number[] }

export class PrCurvesTab implements Tab {
  private shown = '';
  readonly el = h('div', { class: 'tab-body', id: 'pr_curves' });
  private tags = new Map<string, string[]>();
  private readonly cache = new Map<string, Map<string, Curve[]>>();
  private readonly pickedStep = new Map<string, number>();
  private plots: uPlot[] = [];

  constructor(private readonly data: DataClient, private readonly state: ViewerState) {}

  count(): number {
    return this.tags.size;
  }

  async refresh(): Promise<void> {
    this.tags = tagsByRun(await this.data.json('plugin/pr_curves/tags'), this.state.runs);
    const visible = new Set(this.state.visibleRuns());
    await Promise.all([...this.tags].map(async ([tag, runs]) => {
      const want = runs.filter((r) => visible.has(r));
      if (want.length === 0 || !this.state.tagMatches(tag)) return;
      const res = await this.data.json<Record<string, Array<Record<string, unknown>>>>('plugin/pr_curves/pr_curves', { tag, run: want });
      const byRun = new Map<string, Curve[]>();
      for (const [run, entries] of Object.entries(res)) {
        byRun.set(run, entries.map((e) => ({
          step: tbNumber(e.step),
          precision: ((e.precision as unknown[]) ?? []).map(tbNumber),
          recall: ((e.recall as unknown[]) ?? []).map(tbNumber),
        })));
      }
      this.cache.set(tag, byRun);
    }));
    const fp = `${this.state.visibleRuns().join(',')}/${this.state.settings.tagFilter}#${fingerprint([...this.cache].flatMap(([tag, m]) => [...m].map(([run, c]) => [`${tag}\u0000${run}`, c] as [string, Curve[]])), (e) => (e as Curve).step)}`;
    if (fp === this.shown) return;
    this.shown = fp;
    this.redraw();
  }

  redraw(): void {
    for (const p of this.plots) p.destroy();
    this.plots = [];
    clear(this.el);
    const visible = this.state.visibleRuns();
    const grid = h('div', { class: 'grid' });
    for (const [tag] of this.tags) {
      const byRun = this.cache.get(tag);
      if (!byRun || !this.state.tagMatches(tag)) continue;
      const runs = visible.filter((r) => byRun.has(r));
      if (runs.length === 0) continue;
      const steps = [...new Set(runs.flatMap((r) => (byRun.get(r) ?? []).map((c) => c.step)))].sort((a, b) => a - b);
      const host = h('div', { class: 'plot' });
      const label = h('span', { class: 'mono' });
      const slider = h('input', { type: 'range', min: 0, max: Math.max(0, steps.length - 1), step: 1, class: 'step-slider' });
      const at = steps.indexOf(this.pickedStep.get(tag) ?? steps[steps.length - 1]);
      slider.value = String(at < 0 ? steps.length - 1 : at);
      let plot: uPlot | undefined;
      const draw = (): void => {
        const step = steps[Number(slider.value)];
        this.pickedStep.set(tag, step);
        label.textContent = `step ${step}`;
        plot?.destroy();
        plot = prPlot(host, runs.map((r) => {
          const curves = (byRun.get(r) ?? []).filter((c) => c.step <= step);
          return { color: this.state.colors.get(r), curve: curves[curves.length - 1] };
        }));
        this.plots.push(plot);
      };
      slider.addEventListener('input', draw);
      grid.append(h('div', { class: 'card', 'data-tag': tag },
        h('div', { class: 'card-head' }, h('span', { class: 'card-title' }, tag), h('span', { class: 'spacer' }), h('span', { class: 'muted small' }, 'precision ↑ · recall →')),
        host, h('div', { class: 'slider-row' }, slider, label)));
      requestAnimationFrame(draw);
    }
    this.el.append(grid.childElementCount ? grid : h('div', { class: 'empty' }, 'No PR curves for the selected runs and tags.'));
  }
}

function prPlot(host: HTMLElement, lines: Array<{ color: string; curve: Curve | undefined }>): uPlot {
  // uPlot wants one ascending x column: join every run's recall values, null where a run has none.
  const pts = lines.map((l) => {
    const c = l.curve;
    if (!c) return [] as Array<[number, number]>;
    return c.recall.map((r, i) => [r, c.precision[i]] as [number, number]).filter(([r, p]) => Number.isFinite(r) && Number.isFinite(p)).sort((a, b) => a[0] - b[0]);
  });
  const xs = [...new Set(pts.flatMap((p) => p.map(([r]) => r)))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const cols = pts.map((p) => {
    const col: Array<number | null> = new Array(xs.length).fill(null);
    for (const [r, pr] of p) col[index.get(r) as number] = pr;
    return col;
  });
  const axis = { stroke: '#667085', grid: { stroke: '#eef0f3', width: 1 }, ticks: { stroke: '#e3e6eb', width: 1, size: 4 }, font: '11px system-ui, sans-serif' };
  return new uPlot({
    width: host.clientWidth || 400,
    height: 230,
    legend: { show: false },
    cursor: { points: { show: false } },
    scales: { x: { time: false, range: [0, 1] }, y: { range: [0, 1.02] } },
    axes: [{ ...axis, size: 30 }, { ...axis, size: 40 }],
    series: [{}, ...lines.map((l) => ({ stroke: l.color, width: 1.6, spanGaps: true, points: { show: true, size: 5, fill: l.color } }))],
  }, [xs, ...cols] as uPlot.AlignedData, host);
}
