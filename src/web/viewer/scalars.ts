// The Scalars tab: pinned cards on top (TensorBoard's time-series dashboard), then every scalar tag
// as a card, grouped by the tag's prefix before the first '/', filtered by the tag regex.
// Invariants:
// - A tag's series are fetched once per tag for every card showing it, with scalars_multirun
//   (requests sized by points, not runs), only for cards near the view; the poll refreshes only those.
// - A change repaints only the cards it concerns (per-card dirty tracking): a run toggled repaints
//   the cards whose tag that run has; a card out of view is marked and painted when it scrolls in.
import { h, clear, saveBlob } from '../lib/dom.js';
import { tbNumber } from '../lib/tb-values.js';
import { toast } from '../lib/ui.js';
import type { DataClient } from './data.js';
import type { Change, ViewerState } from './state.js';
import { ScalarChart, type ChartStats, type ScalarSeries } from './scalar-chart.js';
import { tagLabel } from './names.js';

type TagsResponse = Record<string, Record<string, { displayName?: string; description?: string }>>;

/** scalars_multirun requests: the first of a tag asks for FIRST_CHUNK runs; then ~POINTS_PER_REQUEST
 * points each (well under the server's 64 MiB answer cap, parsed in a few ms), at most MAX_CHUNK runs. */
const FIRST_CHUNK = 25;
const POINTS_PER_REQUEST = 100_000;
const MAX_CHUNK = 500;
/** Settings every chart draws with: a change repaints every card. */
const ALL_CARDS: Change[] = ['smoothing', 'xAxis', 'logScale', 'ignoreOutliers', 'colors'];
/** Changes that may change which runs a card draws. */
const RUN_SET: Change[] = ['selection', 'runFilter', 'runs'];

interface Card {
  key: string;
  tag: string;
  pinned: boolean;
  el: HTMLElement;
  chart: ScalarChart;
  /** On screen: painted now when something changes. */
  inView: boolean;
  /** Within 300 px of the screen: its data is fetched and refreshed by the poll. */
  near: boolean;
  /** Something it draws changed while it was out of view. */
  dirty: boolean;
  /** The runs it drew last (its tag's runs that are visible), to tell whether a selection change concerns it. */
  drawnRuns: string[];
}

export class ScalarsTab {
  readonly el = h('div', { class: 'tab-body', id: 'scalars' });
  private tagRuns = new Map<string, string[]>();
  private readonly cards = new Map<string, Card>();
  private readonly byElement = new Map<Element, Card>();
  /** tag → run → series, shared by the tag's cards. */
  private readonly store = new Map<string, Map<string, ScalarSeries>>();
  /** tag → runs fetched since the sampling mode last changed. */
  private readonly fetched = new Map<string, Set<string>>();
  private readonly loading = new Map<string, Promise<void>>();
  private shownMemo: { visible: string[]; tagRuns: Map<string, string[]>; byTag: Map<string, string[]> } = { visible: [], tagRuns: new Map(), byTag: new Map() };
  private readonly tagRunSets = new Map<string, { runs: string[]; set: Set<string> }>();
  /** tag → the most points one of its runs answered with, to size the next requests. */
  private readonly pointsPerRun = new Map<string, number>();
  private readonly observer: IntersectionObserver;
  private readonly screen: IntersectionObserver;
  private samplesMode: boolean;
  private fullscreen: Card | undefined;

  constructor(private readonly data: DataClient, private readonly state: ViewerState) {
    this.samplesMode = state.settings.allSamples;
    // Data is fetched for cards near the viewport (300 px ahead); painting waits until a card is
    // actually on screen, so a change repaints only what a person can see.
    this.observer = new IntersectionObserver((entries) => {
      for (const e of entries) {
        const card = this.byElement.get(e.target);
        if (!card) continue;
        card.near = e.isIntersecting;
        if (card.near) void this.loadTag(card.tag, false);
      }
    }, { rootMargin: '300px 0px' });
    this.screen = new IntersectionObserver((entries) => {
      for (const e of entries) {
        const card = this.byElement.get(e.target);
        if (!card) continue;
        card.inView = e.isIntersecting;
        if (card.inView && card.dirty) this.paint(card);
      }
    });
    document.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape' && this.fullscreen) this.setFullscreen(this.fullscreen, false);
    });
  }

  tagCount(): number {
    return this.tagRuns.size;
  }

  async refresh(): Promise<void> {
    const { body: tags, partial } = await this.data.jsonPartial<TagsResponse>('plugin/scalars/tags');
    const next = new Map<string, string[]>();
    // From a first load still running, a run not in the answer is not read yet: it is asked for
    // every tag seen so far (a sweep's runs share their tags), and the server reads the runs asked
    // for first, so the charts in view fill without waiting for the whole load. A run without the
    // tag is absent from the series answer; the tags are asked again when the load ends.
    const seen = partial ? [...new Set(Object.values(tags).flatMap((t) => Object.keys(t)))] : [];
    for (const run of this.state.runs.length ? this.state.runs : Object.keys(tags)) {
      const own = tags[run];
      for (const tag of own ? Object.keys(own) : seen) {
        const list = next.get(tag);
        if (list) list.push(run);
        else next.set(tag, [run]);
      }
    }
    const changed = next.size !== this.tagRuns.size || [...next].some(([t, runs]) => this.tagRuns.get(t)?.length !== runs.length);
    this.tagRuns = next;
    if (changed || this.cards.size === 0) {
      this.layout();
      for (const c of this.cards.values()) this.markIfRunsChanged(c);
    }
    await Promise.all([...new Set([...this.cards.values()].filter((c) => c.near).map((c) => c.tag))].map((t) => this.loadTag(t, true)));
  }

  /** Settings or run selection changed: repaint the cards concerned, fetch what is missing. */
  redraw(changes?: ReadonlySet<Change>): void {
    const all = !changes || ALL_CARDS.some((c) => changes.has(c));
    if (this.samplesMode !== this.state.settings.allSamples) {
      // A different sampling is different data: everything fetched so far is stale.
      this.samplesMode = this.state.settings.allSamples;
      this.fetched.clear();
      this.pointsPerRun.clear();
    }
    if (!changes || changes.has('tagFilter') || changes.has('pinned') || changes.has('runs')) this.layout();
    const runSet = !changes || RUN_SET.some((c) => changes.has(c));
    for (const c of this.cards.values()) {
      if (all) this.mark(c);
      else if (runSet) this.markIfRunsChanged(c);
    }
    for (const tag of new Set([...this.cards.values()].filter((c) => c.near).map((c) => c.tag))) void this.loadTag(tag, false);
  }

  stats(): Record<string, ChartStats> {
    const out: Record<string, ChartStats> = {};
    const attached = [...this.cards.values()].filter((c) => c.el.isConnected);
    for (const c of attached) if (c.pinned) out[`pin:${c.tag}`] = c.chart.stats();
    for (const c of attached) if (!c.pinned) out[c.tag] = c.chart.stats();
    return out;
  }

  /** The card keys in page order (pinned first), for tests and the bench. */
  cardOrder(): string[] {
    return [...this.el.querySelectorAll<HTMLElement>('.card')].map((e) => `${e.dataset.pinned === '1' ? 'pin:' : ''}${e.dataset.tag ?? ''}`);
  }

  private mark(c: Card): void {
    if (c.inView) this.paint(c);
    else c.dirty = true;
  }

  /** The tag's runs that are visible, in the page's run order; memoized per visible set. */
  private shownRuns(tag: string): string[] {
    const visible = this.state.visibleRuns();
    if (this.shownMemo.visible !== visible || this.shownMemo.tagRuns !== this.tagRuns) this.shownMemo = { visible, tagRuns: this.tagRuns, byTag: new Map() };
    let out = this.shownMemo.byTag.get(tag);
    if (out) return out;
    const runs = this.tagRuns.get(tag) ?? [];
    if (visible.length < runs.length) {
      // 1,000 visible of a tag's 10,000 runs: walk the smaller list (both are in the page's run order).
      let set = this.tagRunSets.get(tag);
      if (!set || set.runs !== runs) this.tagRunSets.set(tag, (set = { runs, set: new Set(runs) }));
      const has = set.set;
      out = visible.filter((r) => has.has(r));
    } else {
      const vis = this.state.visibleSet();
      out = runs.filter((r) => vis.has(r));
    }
    this.shownMemo.byTag.set(tag, out);
    return out;
  }

  private markIfRunsChanged(c: Card): void {
    const runs = this.shownRuns(c.tag);
    if (runs.length === c.drawnRuns.length && runs.every((r, i) => r === c.drawnRuns[i])) return;
    this.mark(c);
  }

  private paint(c: Card): void {
    c.dirty = false;
    c.drawnRuns = this.shownRuns(c.tag);
    c.chart.render();
  }

  private layout(): void {
    const tags = [...this.tagRuns.keys()].filter((t) => this.state.tagMatches(t)).sort(naturalCompare);
    const pinned = this.state.settings.pinned.filter((t) => this.tagRuns.has(t));
    const wanted = new Set([...tags, ...pinned.map((t) => `pin:${t}`)]);
    for (const [key, c] of this.cards) {
      if (wanted.has(key)) continue;
      this.observer.unobserve(c.el);
      this.screen.unobserve(c.el);
      c.inView = false;
      c.near = false;
      if (c === this.fullscreen) this.setFullscreen(c, false);
      // A card the tag filter hides is kept (chart, caches, drawing) so clearing the filter brings
      // it back without any work; only a tag gone from the logs or an unpinned copy is dropped.
      if (!c.pinned && this.tagRuns.has(c.tag)) continue;
      this.byElement.delete(c.el);
      c.chart.destroy();
      this.cards.delete(key);
    }
    clear(this.el);
    if (pinned.length) {
      const grid = h('div', { class: 'grid' });
      for (const t of pinned) grid.append(this.attach(this.card(t, true)));
      this.el.append(h('details', { class: 'group pinned-group', open: true, id: 'pinned' },
        h('summary', { class: 'group-head' }, h('span', { class: 'group-name' }, 'Pinned'), h('span', { class: 'count' }, String(pinned.length))), grid));
    }
    if (tags.length === 0) {
      this.el.append(h('div', { class: 'empty' }, this.tagRuns.size ? 'No scalar tag matches the tag filter.' : 'No scalars in these logs yet.'));
      return;
    }
    const groups = new Map<string, string[]>();
    for (const t of tags) {
      const slash = t.indexOf('/');
      const g = slash > 0 ? t.slice(0, slash) : t;
      const list = groups.get(g);
      if (list) list.push(t);
      else groups.set(g, [t]);
    }
    for (const [g, list] of groups) {
      const grid = h('div', { class: 'grid' });
      for (const tag of list) grid.append(this.attach(this.card(tag, false)));
      this.el.append(h('details', { class: 'group', open: true, 'data-group': g },
        h('summary', { class: 'group-head' }, h('span', { class: 'group-name' }, g), h('span', { class: 'count' }, String(list.length))), grid));
    }
  }

  private attach(c: Card): HTMLElement {
    this.observer.observe(c.el);
    this.screen.observe(c.el);
    return c.el;
  }

  private card(tag: string, pinned: boolean): Card {
    const key = pinned ? `pin:${tag}` : tag;
    const existing = this.cards.get(key);
    if (existing) return existing;
    const plot = h('div', { class: 'plot' });
    const tooltip = h('div', { class: 'tip', hidden: true });
    const legend = h('div', { class: 'legend' });
    const chart = new ScalarChart(plot, tag, this.state, tooltip, legend);
    const isPinned = this.state.settings.pinned.includes(tag);
    const pin = h('button', { class: `ghost pin${isPinned ? ' on' : ''}`, title: isPinned ? 'Unpin' : 'Pin to the top', 'aria-pressed': String(isPinned) }, icon(PIN));
    pin.addEventListener('click', () => {
      const now = this.state.settings.pinned;
      this.state.update({ pinned: now.includes(tag) ? now.filter((t) => t !== tag) : [...now, tag] });
    });
    const reset = h('button', { class: 'ghost reset-zoom', title: 'Reset zoom (or double-click the chart)' }, '⤺');
    reset.addEventListener('click', () => chart.resetZoom());
    const full = h('button', { class: 'ghost fullscreen-btn', title: 'Fullscreen (Esc to leave)' }, icon(FULLSCREEN));
    const wide = h('button', { class: 'ghost', title: 'Wider' }, '⤢');
    const menu = h('div', { class: 'menu' });
    const dl = h('details', { class: 'download' }, h('summary', { class: 'ghost-btn', title: 'Download data' }, '⤓'), menu);
    dl.addEventListener('toggle', () => {
      if (!dl.open) return;
      clear(menu);
      const runs = this.shownRuns(tag);
      for (const run of runs.slice(0, 200)) {
        const csv = h('button', { class: 'ghost', 'data-run': run, 'data-format': 'csv' }, 'CSV');
        const json = h('button', { class: 'ghost', 'data-run': run, 'data-format': 'json' }, 'JSON');
        csv.addEventListener('click', () => void this.download(run, tag, 'csv').finally(() => { dl.open = false; }));
        json.addEventListener('click', () => void this.download(run, tag, 'json').finally(() => { dl.open = false; }));
        menu.append(h('div', { class: 'menu-row' }, h('span', { class: 'swatch', style: `background:${this.state.colors.get(run)}` }), h('span', { class: 'run' }, run), csv, json));
      }
      if (runs.length > 200) menu.append(h('div', { class: 'muted small menu-row' }, `${runs.length - 200} more runs: filter the runs to reach them`));
      if (runs.length === 0) menu.append(h('div', { class: 'muted small menu-row' }, 'No run shown.'));
    });
    const el = h('div', { class: `card${pinned ? ' pinned' : ''}`, 'data-tag': tag, 'data-pinned': pinned ? '1' : '0' },
      h('div', { class: 'card-head' }, h('span', { class: 'card-title', title: tag }, tagLabel(tag)), h('span', { class: 'spacer' }), pin, reset, full, wide, dl),
      h('div', { class: 'plot-wrap' }, plot, tooltip), legend);
    const card: Card = { key, tag, pinned, el, chart, inView: false, near: false, dirty: true, drawnRuns: [] };
    wide.addEventListener('click', () => el.classList.toggle('wide'));
    full.addEventListener('click', () => this.setFullscreen(card, !el.classList.contains('fullscreen')));
    for (const [run, s] of this.store.get(tag) ?? []) chart.setSeries(run, s);
    this.cards.set(key, card);
    this.byElement.set(el, card);
    return card;
  }

  private setFullscreen(card: Card, on: boolean): void {
    if (on && this.fullscreen && this.fullscreen !== card) this.setFullscreen(this.fullscreen, false);
    card.el.classList.toggle('fullscreen', on);
    document.body.classList.toggle('has-fullscreen', on);
    this.fullscreen = on ? card : undefined;
    card.chart.setHeight(on ? window.innerHeight - 150 : undefined);
  }

  /** Fetches a tag's shown runs (all of them when `again`, else the missing ones) for all its cards. */
  private loadTag(tag: string, again: boolean): Promise<void> {
    const busy = this.loading.get(tag);
    if (busy) return busy;
    const runs = this.shownRuns(tag);
    const fetched = this.fetched.get(tag) ?? new Set<string>();
    this.fetched.set(tag, fetched);
    const todo = again ? runs : runs.filter((r) => !fetched.has(r));
    const cards = [...this.cards.values()].filter((c) => c.tag === tag);
    if (todo.length === 0) {
      for (const c of cards) if (c.dirty && c.inView) this.paint(c);
      return Promise.resolve();
    }
    const store = this.store.get(tag) ?? new Map<string, ScalarSeries>();
    this.store.set(tag, store);
    const p = (async () => {
      let changed = false;
      try {
        const fetchChunk = async (chunk: string[]): Promise<void> => {
          const body = new URLSearchParams({ tag });
          for (const r of chunk) body.append('runs', r);
          if (this.state.settings.allSamples) body.set('samples', 'all');
          const answer = await this.data.postForm<Record<string, unknown[]>>('plugin/scalars/scalars_multirun', body);
          for (const run of chunk) {
            fetched.add(run);
            const rows = answer[run];
            if (!Array.isArray(rows)) continue;
            const next = toSeries(rows);
            this.pointsPerRun.set(tag, Math.max(this.pointsPerRun.get(tag) ?? 0, rows.length));
            // A poll that brought the same series changes nothing: keep the charts and their caches.
            if (sameSeries(store.get(run), next)) continue;
            store.set(run, next);
            for (const c of this.cards.values()) if (c.tag === tag) c.chart.setSeries(run, next);
            changed = true;
          }
        };
        // Requests sized by what a run of this tag weighs: the first asks for a few runs, the rest
        // carry about POINTS_PER_REQUEST points each (10 runs of 10,000 points, or 500 of 10).
        let i = 0;
        if (!this.pointsPerRun.has(tag)) {
          await fetchChunk(todo.slice(0, FIRST_CHUNK));
          i = FIRST_CHUNK;
        }
        const per = this.pointsPerRun.get(tag) ?? 100;
        const size = Math.min(MAX_CHUNK, Math.max(1, Math.floor(POINTS_PER_REQUEST / Math.max(1, per))));
        const chunks: string[][] = [];
        for (; i < todo.length; i += size) chunks.push(todo.slice(i, i + size));
        await Promise.all(chunks.map(fetchChunk));
        for (const c of this.cards.values()) {
          if (c.tag !== tag) continue;
          c.el.classList.remove('failed');
          // New data is drawn in every card it was fetched for (near the view, not only on screen):
          // scrolling then shows finished charts.
          if ((changed || c.dirty) && (c.inView || c.near)) this.paint(c);
          else if (changed) c.dirty = true;
        }
        this.loading.delete(tag);
        // Runs switched on while this fetch ran are fetched now rather than at the next poll.
        if (cards.some((c) => c.near) && this.shownRuns(tag).some((r) => !fetched.has(r))) void this.loadTag(tag, false);
      } catch (e) {
        this.loading.delete(tag);
        for (const c of cards) {
          c.el.classList.add('failed');
          c.el.title = e instanceof Error ? e.message : String(e);
        }
      }
    })();
    this.loading.set(tag, p);
    return p;
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

// Icons as SVG paths (16×16): the emoji and symbol fonts they would otherwise need are not everywhere.
const PIN = 'M9.5 1.5 14.5 6.5 12.8 7.2 10.2 9.8 10 13 3 6 6.2 5.8 8.8 3.2ZM5.5 10.5 1.5 14.5';
const FULLSCREEN = 'M1.5 5.5V1.5H5.5M10.5 1.5H14.5V5.5M14.5 10.5V14.5H10.5M5.5 14.5H1.5V10.5';

function icon(d: string): SVGSVGElement {
  const NS = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('class', 'icon');
  const path = document.createElementNS(NS, 'path');
  path.setAttribute('d', d);
  svg.append(path);
  return svg;
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
