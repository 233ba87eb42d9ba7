// Distributions (TensorBoard's 9 basis-point bands over steps, drawn by uPlot), and the Histograms
// tab re-exported from histogram-tab.ts, where its offset and overlay modes are drawn.
import uPlot from 'uplot';
import { h, clear } from '../lib/dom.js';
import { tbNumber } from '../lib/tb-values.js';
import { withAlpha } from '../lib/colors.js';
import { axisWidth, formatTick } from '../lib/format.js';
import type { DataClient } from './data.js';
import type { ViewerState } from './state.js';
import { CardPages, shownFingerprint, tagsByRun, type Tab } from './tab.js';
import { tagLabel } from './names.js';
import { chartInk } from '../lib/theme.js';

// The Histograms tab lives in histogram-tab.ts (offset and overlay); this file keeps Distributions.
export { HistogramsTab } from './histogram-tab.js';

type DistRow = [number, number, Array<[number, number]>];

export class DistributionsTab implements Tab {
  private shown = '';
  readonly el = h('div', { class: 'tab-body', id: 'distributions' });
  private tags = new Map<string, string[]>();
  private readonly cache = new Map<string, DistRow[]>();
  private plots: uPlot[] = [];
  private readonly pages = new CardPages(() => void this.refresh().catch(() => undefined));

  constructor(private readonly data: DataClient, private readonly state: ViewerState) {}

  count(): number {
    return this.tags.size;
  }

  async refreshCount(): Promise<void> {
    // Distributions are derived from histograms; TensorBoard lists the same tags for both.
    let tags: Record<string, Record<string, unknown>>;
    try {
      tags = await this.data.json('plugin/distributions/tags');
    } catch {
      tags = await this.data.json('plugin/histograms/tags');
    }
    this.tags = tagsByRun(tags, this.state.runs);
  }

  async refresh(): Promise<void> {
    await this.refreshCount();
    await this.pages.load(this.tags, this.state, this.cache, async (run, tag) =>
      (await this.data.json<unknown[]>('plugin/distributions/distributions', { run, tag })).map((row): DistRow => {
        const r = row as [unknown, unknown, Array<[unknown, unknown]>];
        return [tbNumber(r[0]), tbNumber(r[1]), (r[2] ?? []).map((p) => [tbNumber(p[0]), tbNumber(p[1])] as [number, number])];
      }));
    const fp = shownFingerprint(this.state, this.pages, this.cache, (e) => e[1]);
    if (fp === this.shown) return;
    this.shown = fp;
    this.redraw();
  }

  redraw(): void {
    for (const p of this.plots) p.destroy();
    this.plots = [];
    clear(this.el);
    const all = this.pages.all(this.tags, this.state);
    const grid = h('div', { class: 'grid' });
    this.el.append(this.pages.pager(all.length), grid, this.pages.pager(all.length));
    for (const { tag, run } of this.pages.current(all)) {
      const rows = this.cache.get(`${run}\u0000${tag}`);
      if (!rows || rows.length === 0) continue;
      const host = h('div', { class: 'plot' });
      grid.append(h('div', { class: 'card', 'data-tag': tag, 'data-run': run },
        h('div', { class: 'card-head' }, h('span', { class: 'swatch', style: `background:${this.state.colors.get(run)}` }),
          h('span', { class: 'card-title' }, tagLabel(tag)), h('span', { class: 'spacer' }), h('span', { class: 'muted small' }, run)),
        host));
      const color = this.state.colors.get(run);
      requestAnimationFrame(() => this.plots.push(distPlot(host, rows, color)));
    }
    if (grid.childElementCount === 0) this.el.replaceChildren(h('div', { class: 'empty' }, 'No distributions for the selected runs and tags.'));
  }
}

function distPlot(host: HTMLElement, rows: DistRow[], color: string): uPlot {
  const x = rows.map((r) => r[1]);
  const cols: number[][] = Array.from({ length: 9 }, (_, k) => rows.map((r) => r[2][k]?.[1] ?? NaN));
  const series: uPlot.Series[] = [{}];
  for (let k = 0; k < 9; k++) {
    series.push(k === 4
      ? { label: 'median', stroke: color, width: 1.5, points: { show: false } }
      : { label: `bp${k}`, stroke: withAlpha(color, 0.25), width: k === 0 || k === 8 ? 0.5 : 0, points: { show: false } });
  }
  const bands: uPlot.Band[] = [[9, 1], [8, 2], [7, 3], [6, 4]].map(([hiS, loS], i) => ({ series: [hiS, loS] as [number, number], fill: withAlpha(color, 0.1 + i * 0.07) }));
  const ink = chartInk();
  const axis = { stroke: ink.axis, grid: { stroke: ink.grid, width: 1 }, ticks: { stroke: ink.tick, width: 1, size: 4 }, font: '11px system-ui, sans-serif' };
  return new uPlot({
    width: host.clientWidth || 400,
    height: 210,
    legend: { show: false },
    cursor: { points: { show: false } },
    scales: { x: { time: false } },
    axes: [{ ...axis, size: 30 }, { ...axis, size: (_u, v) => axisWidth(v), values: (_u, v) => v.map((n) => formatTick(n)) }],
    series,
    bands,
  }, [x, ...cols], host);
}
