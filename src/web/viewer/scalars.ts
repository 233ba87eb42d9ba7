// The Scalars tab: every scalar tag as a chart, grouped by the tag's prefix before the first '/',
// filtered by the tag regex. A chart fetches its series only once it scrolls into view, and only
// charts in view are refreshed by the poll, so a job with hundreds of tags stays cheap to watch.
import { h, clear, saveBlob } from '../lib/dom.js';
import { tbNumber } from '../lib/tb-values.js';
import { toast } from '../lib/ui.js';
import type { DataClient } from './data.js';
import type { ViewerState } from './state.js';
import { ScalarChart, type ChartStats, type ScalarSeries } from './scalar-chart.js';
import { tagLabel } from './names.js';

type TagsResponse = Record<string, Record<string, { displayName?: string; description?: string }>>;

interface Card {
  tag: string;
  el: HTMLElement;
  chart: ScalarChart;
  inView: boolean;
  /** run → when its series was last fetched */
  loaded: Map<string, number>;
  loading: boolean;
}

export class ScalarsTab {
  readonly el = h('div', { class: 'tab-body', id: 'scalars' });
  private tagRuns = new Map<string, string[]>();
  private readonly cards = new Map<string, Card>();
  private readonly observer: IntersectionObserver;

  constructor(private readonly data: DataClient, private readonly state: ViewerState) {
    this.samplesMode = state.settings.allSamples;
    this.observer = new IntersectionObserver((entries) => {
      for (const e of entries) {
        const card = [...this.cards.values()].find((c) => c.el === e.target);
        if (!card) continue;
        card.inView = e.isIntersecting;
        if (card.inView) void this.loadCard(card, false);
      }
    }, { rootMargin: '300px 0px' });
  }

  tagCount(): number {
    return this.tagRuns.size;
  }

  async refresh(): Promise<void> {
    const tags = await this.data.json<TagsResponse>('plugin/scalars/tags');
    const next = new Map<string, string[]>();
    for (const run of this.state.runs.length ? this.state.runs : Object.keys(tags)) {
      for (const tag of Object.keys(tags[run] ?? {})) {
        const list = next.get(tag) ?? [];
        list.push(run);
        next.set(tag, list);
      }
    }
    const changed = next.size !== this.tagRuns.size || [...next.keys()].some((t) => !this.tagRuns.has(t));
    this.tagRuns = next;
    if (changed || this.cards.size === 0) this.layout();
    await Promise.all([...this.cards.values()].filter((c) => c.inView).map((c) => this.loadCard(c, true)));
  }

  private samplesMode: boolean;

  /** Settings or run selection changed: redraw from what is loaded, fetch what is missing. */
  redraw(): void {
    if (this.samplesMode !== this.state.settings.allSamples) {
      // A different sampling is different data: everything loaded so far is stale.
      this.samplesMode = this.state.settings.allSamples;
      for (const c of this.cards.values()) c.loaded.clear();
    }
    this.layout();
    for (const c of this.cards.values()) {
      c.chart.render();
      if (c.inView) void this.loadCard(c, false);
    }
  }

  stats(): Record<string, ChartStats> {
    const out: Record<string, ChartStats> = {};
    for (const [tag, c] of this.cards) out[tag] = c.chart.stats();
    return out;
  }

  private layout(): void {
    const tags = [...this.tagRuns.keys()].filter((t) => this.state.tagMatches(t)).sort(naturalCompare);
    const groups = new Map<string, string[]>();
    for (const t of tags) {
      const slash = t.indexOf('/');
      const g = slash > 0 ? t.slice(0, slash) : t;
      const list = groups.get(g) ?? [];
      list.push(t);
      groups.set(g, list);
    }
    const wanted = new Set(tags);
    for (const [tag, c] of this.cards) {
      if (!wanted.has(tag)) {
        this.observer.unobserve(c.el);
        c.chart.destroy();
        this.cards.delete(tag);
      }
    }
    clear(this.el);
    if (tags.length === 0) {
      this.el.append(h('div', { class: 'empty' }, this.tagRuns.size ? 'No scalar tag matches the tag filter.' : 'No scalars in these logs yet.'));
      return;
    }
    for (const [g, list] of groups) {
      const grid = h('div', { class: 'grid' });
      const head = h('summary', { class: 'group-head' }, h('span', { class: 'group-name' }, g), h('span', { class: 'count' }, String(list.length)));
      const det = h('details', { class: 'group', open: true, 'data-group': g }, head, grid);
      for (const tag of list) grid.append(this.card(tag).el);
      this.el.append(det);
    }
  }

  private card(tag: string): Card {
    const existing = this.cards.get(tag);
    if (existing) return existing;
    const plot = h('div', { class: 'plot' });
    const tooltip = h('div', { class: 'tip', hidden: true });
    const legend = h('div', { class: 'legend' });
    const chart = new ScalarChart(plot, tag, this.state, tooltip, legend);
    const reset = h('button', { class: 'ghost', title: 'Reset zoom (or double-click the chart)' }, '⤺');
    reset.addEventListener('click', () => chart.resetZoom());
    const wide = h('button', { class: 'ghost', title: 'Wider' }, '⤢');
    const menu = h('div', { class: 'menu' });
    const dl = h('details', { class: 'download' }, h('summary', { class: 'ghost-btn', title: 'Download data' }, '⤓'), menu);
    dl.addEventListener('toggle', () => {
      if (!dl.open) return;
      clear(menu);
      for (const run of this.tagRuns.get(tag) ?? []) {
        const csv = h('button', { class: 'ghost', 'data-run': run, 'data-format': 'csv' }, 'CSV');
        const json = h('button', { class: 'ghost', 'data-run': run, 'data-format': 'json' }, 'JSON');
        csv.addEventListener('click', () => void this.download(run, tag, 'csv').finally(() => { dl.open = false; }));
        json.addEventListener('click', () => void this.download(run, tag, 'json').finally(() => { dl.open = false; }));
        menu.append(h('div', { class: 'menu-row' }, h('span', { class: 'swatch', style: `background:${this.state.colors.get(run)}` }), h('span', { class: 'run' }, run), csv, json));
      }
    });
    const el = h('div', { class: 'card', 'data-tag': tag },
      h('div', { class: 'card-head' }, h('span', { class: 'card-title', title: tag }, tagLabel(tag)), h('span', { class: 'spacer' }), reset, wide, dl),
      h('div', { class: 'plot-wrap' }, plot, tooltip), legend);
    wide.addEventListener('click', () => {
      el.classList.toggle('wide');
    });
    const card: Card = { tag, el, chart, inView: false, loaded: new Map(), loading: false };
    this.cards.set(tag, card);
    this.observer.observe(el);
    return card;
  }

  /** Fetches the visible runs' series of a card (all of them when `again`, else the missing ones). */
  private async loadCard(card: Card, again: boolean): Promise<void> {
    if (card.loading) return;
    const runs = (this.tagRuns.get(card.tag) ?? []).filter((r) => this.state.visibleRuns().includes(r));
    const todo = again ? runs : runs.filter((r) => !card.loaded.has(r));
    if (todo.length === 0) {
      if (!again) card.chart.render();
      return;
    }
    card.loading = true;
    try {
      let changed = !again;
      await Promise.all(todo.map(async (run) => {
        const rows = await this.data.json<unknown[]>('plugin/scalars/scalars', { run, tag: card.tag, samples: this.state.settings.allSamples ? 'all' : undefined });
        const next = toSeries(rows);
        // A poll that brought the same series changes nothing: keep the chart (and its caches).
        if (!sameSeries(card.chart.getSeries(run), next)) {
          card.chart.setSeries(run, next);
          changed = true;
        }
        card.loaded.set(run, Date.now());
      }));
      if (changed) card.chart.render();
      card.el.classList.remove('failed');
    } catch (e) {
      card.el.classList.add('failed');
      card.el.title = e instanceof Error ? e.message : String(e);
    } finally {
      card.loading = false;
    }
  }

  private async download(run: string, tag: string, format: 'csv' | 'json'): Promise<void> {
    try {
      const r = await this.data.raw('plugin/scalars/scalars', { run, tag, samples: 'all', format: format === 'csv' ? 'csv' : undefined });
      const blob = await r.blob();
      const name = `${run}_${tag}`.replace(/[^A-Za-z0-9_.-]+/g, '_');
      saveBlob(blob, `${name}.${format}`);
    } catch (e) {
      toast(`Download failed: ${e instanceof Error ? e.message : String(e)}`, true);
    }
  }
}

export function toSeries(rows: unknown[]): ScalarSeries {
  const n = rows.length;
  const s: ScalarSeries = { wall: new Float64Array(n), step: new Float64Array(n), value: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const r = rows[i] as [unknown, unknown, unknown];
    s.wall[i] = tbNumber(r[0]);
    s.step[i] = tbNumber(r[1]);
    s.value[i] = tbNumber(r[2]);
  }
  return s;
}

function sameSeries(a: ScalarSeries | undefined, b: ScalarSeries): boolean {
  if (!a || a.value.length !== b.value.length) return false;
  const n = b.value.length;
  if (n === 0) return true;
  // Appends change the length; a reload that rewrote data (e.g. a purge) changes the ends or middle.
  for (const i of [0, n >> 1, n - 1]) {
    if (a.step[i] !== b.step[i] || a.wall[i] !== b.wall[i] || !Object.is(a.value[i], b.value[i])) return false;
  }
  return true;
}

/** "layer10" after "layer9": tags sort the way people number things. */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, undefined, { numeric: true, sensitivity: 'base' });
}
