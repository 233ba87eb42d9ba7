// The Graphs tab: a run's GraphDef (TensorBoard's `graphs/graph` pbtxt) drawn with its name
// scopes as groups that open on double-click, search by name, a details panel, pan and zoom.
// Parsing, grouping and layout run in a worker (graphs/layout.worker.ts); this thread only draws.
// A graph is fetched when the tab is shown, not by the background refresh that counts tabs.
import { h, clear } from '../lib/dom.js';
import type { DataClient } from './data.js';
import type { Tab } from './tab.js';
import { GraphCanvas } from './graphs/canvas.js';
import type { LayoutResult } from './graphs/layout.js';
import type { GraphSummary, ItemDetails, NodeLink } from './graphs/model.js';
import type { WorkerAnswer, WorkerRequest } from './graphs/protocol.js';

type Info = Record<string, { run: string; run_graph: boolean }>;

/** Timings of the graph on screen (performance.now() values), read by the e2e test and the benchmark. */
export interface GraphStats {
  run: string;
  nodes: number;
  shown: number;
  expanded: number[];
  selected: number;
  matches: number;
  error?: string;
  fetchMs: number;
  parseMs: number;
  layoutMs: number;
  drawnAt: number;
  layoutSeq: number;
  /** Zoom factor of the view (1 = 100 %). */
  zoom: number;
}

const MAX_MATCHES = 50;

export class GraphsTab implements Tab {
  readonly el = h('div', { class: 'tab-body graphs', id: 'graphs' });
  private runs: string[] = [];
  private run = '';
  private loadedRun = '';
  private summary?: GraphSummary;
  private expanded = new Set<number>();
  private selected = -1;
  private worker?: Worker;
  private seq = 0;
  private layoutSeq = 0;
  private readonly waiting = new Map<number, (a: WorkerAnswer) => void>();
  private readonly canvas: GraphCanvas;
  private readonly runSelect = h('select', { id: 'graph-run', 'aria-label': 'Run' });
  private readonly search = h('input', { type: 'search', id: 'graph-search', placeholder: 'Search nodes…', autocomplete: 'off' });
  private readonly results = h('div', { class: 'graph-results', id: 'graph-results', hidden: true });
  private readonly status = h('span', { class: 'muted small graph-status', id: 'graph-status' });
  private readonly details = h('aside', { class: 'graph-details', id: 'graph-details' });
  private readonly overlay = h('div', { class: 'graph-overlay' });
  private readonly statsOut: GraphStats = { run: '', nodes: 0, shown: 0, expanded: [], selected: -1, matches: 0, fetchMs: 0, parseMs: 0, layoutMs: 0, drawnAt: 0, layoutSeq: 0, zoom: 1 };

  constructor(private readonly data: DataClient) {
    this.canvas = new GraphCanvas({ select: (item) => void this.select(item), toggle: (item) => void this.toggle(item) });
    const fit = h('button', { class: 'ghost', id: 'graph-fit', title: 'Show the whole graph' }, 'Fit');
    fit.addEventListener('click', () => this.canvas.fit());
    const expandAll = h('button', { class: 'ghost', id: 'graph-expand-all', title: 'Open every name scope' }, 'Expand all');
    expandAll.addEventListener('click', () => void this.expandAll());
    const collapseAll = h('button', { class: 'ghost', id: 'graph-collapse-all' }, 'Collapse all');
    collapseAll.addEventListener('click', () => { this.expanded.clear(); void this.relayout(undefined, true); });
    this.runSelect.addEventListener('change', () => { this.run = this.runSelect.value; void this.load(); });
    let t: number | undefined;
    this.search.addEventListener('input', () => { clearTimeout(t); t = window.setTimeout(() => this.find(), 120); });
    this.search.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') (this.results.querySelector('button') as HTMLButtonElement | null)?.click();
      if (ev.key === 'Escape') { this.search.value = ''; this.find(); }
    });
    this.el.append(
      h('div', { class: 'graph-toolbar' },
        h('label', { class: 'graph-run-label', for: 'graph-run' }, 'Run'), this.runSelect,
        h('div', { class: 'graph-search-box' }, this.search, this.results),
        fit, expandAll, collapseAll, h('span', { class: 'spacer' }), this.status),
      h('div', { class: 'graph-main' }, h('div', { class: 'graph-stage' }, this.canvas.el, this.overlay,
        h('div', { class: 'graph-legend muted small' }, 'Double-click a group to open or close it · drag to pan · wheel to zoom')), this.details),
    );
    this.renderDetails(undefined);
    (window as unknown as { __vizjobsGraphs: GraphsTab }).__vizjobsGraphs = this;
  }

  stats(): GraphStats {
    const c = this.canvas.stats();
    return { ...this.statsOut, shown: c.shown, drawnAt: c.drawnAt, zoom: c.k, expanded: [...this.expanded], selected: this.selected };
  }

  /** Finds an item by full name (tests and the benchmark click through the page with it). */
  itemNamed(name: string): number {
    return this.summary ? this.summary.fullName.indexOf(name) : -1;
  }

  screenPoint(item: number): { x: number; y: number } | undefined {
    return this.canvas.screenPoint(item);
  }

  count(): number {
    return this.runs.length;
  }

  async refresh(): Promise<void> {
    const info = await this.data.json<Info>('plugin/graphs/info');
    const runs = Object.values(info).filter((r) => r.run_graph).map((r) => r.run).sort();
    if (runs.join('\0') !== this.runs.join('\0')) {
      this.runs = runs;
      clear(this.runSelect);
      for (const r of runs) this.runSelect.append(h('option', { value: r }, r));
      if (!runs.includes(this.run)) this.run = runs[0] ?? '';
      this.runSelect.value = this.run;
      this.runSelect.disabled = runs.length < 2;
    }
    this.redraw();
  }

  redraw(): void {
    if (!this.el.isConnected) return;
    if (this.runs.length === 0) {
      this.showMessage('No graph in these logs. PyTorch writes one with SummaryWriter.add_graph, TensorFlow with the graph argument of its writer.');
      return;
    }
    if (this.run !== this.loadedRun) void this.load();
  }

  private showMessage(text: string, busy = false): void {
    this.overlay.replaceChildren(h('div', { class: 'graph-message', id: 'graph-message' }, busy ? h('span', { class: 'spinner' }) : '', ' ', text));
    this.overlay.hidden = false;
  }

  private ask(req: WorkerRequest, transfer: Transferable[] = []): Promise<WorkerAnswer> {
    if (!this.worker) {
      this.worker = new Worker(new URL('./graphs/layout.worker.ts', import.meta.url), { type: 'module' });
      this.worker.onmessage = (ev: MessageEvent<WorkerAnswer>): void => {
        const done = this.waiting.get(ev.data.id);
        this.waiting.delete(ev.data.id);
        done?.(ev.data);
      };
    }
    const worker = this.worker;
    return new Promise((resolve) => {
      this.waiting.set(req.id, resolve);
      worker.postMessage(req, transfer);
    });
  }

  private async load(): Promise<void> {
    const run = this.run;
    if (!run) return;
    this.loadedRun = run;
    this.summary = undefined;
    this.expanded.clear();
    this.selected = -1;
    this.canvas.clear();
    this.renderDetails(undefined);
    this.showMessage(`Loading the graph of ${run}…`, true);
    const t0 = performance.now();
    let text: string;
    try {
      text = await (await this.data.raw('plugin/graphs/graph', { run })).text();
    } catch (e) {
      if (this.run === run) this.showMessage(`The graph could not be loaded: ${e instanceof Error ? e.message : String(e)}`);
      this.loadedRun = '';
      return;
    }
    const t1 = performance.now();
    this.showMessage('Laying out…', true);
    const a = await this.ask({ type: 'load', id: ++this.seq, text });
    if (this.run !== run) return;
    if (a.type !== 'model') {
      this.showMessage(`The graph could not be read: ${a.type === 'error' ? a.message : ''}`);
      return;
    }
    this.summary = a.summary;
    this.statsOut.run = run;
    this.statsOut.nodes = a.summary.nodes;
    this.statsOut.fetchMs = t1 - t0;
    this.statsOut.parseMs = a.ms;
    this.statsOut.error = a.summary.error;
    // TensorBoard opens the graph with its top-level scopes closed; a lone top scope is opened.
    const top = this.childrenOf(0);
    if (top.length === 1 && a.summary.isGroup[top[0]]) this.expanded.add(top[0]);
    await this.relayout(undefined, true);
  }

  private childrenOf(g: number): number[] {
    const s = this.summary;
    if (!s) return [];
    const out: number[] = [];
    for (let i = 1; i < s.parent.length; i++) if (s.parent[i] === g) out.push(i);
    return out;
  }

  private async relayout(keep?: number, fit = false): Promise<void> {
    const s = this.summary;
    if (!s) return;
    const run = this.run;
    const mine = ++this.layoutSeq;
    const a = await this.ask({ type: 'layout', id: ++this.seq, expanded: [...this.expanded] });
    if (this.run !== run || mine !== this.layoutSeq) return; // a newer layout is on its way
    if (a.type !== 'layout') {
      this.showMessage(`The graph could not be laid out: ${a.type === 'error' ? a.message : ''}`);
      return;
    }
    const l: LayoutResult = a.result;
    this.overlay.hidden = true;
    this.canvas.setGraph(s, l, keep === undefined ? undefined : { item: keep });
    if (fit) this.canvas.fit();
    if (this.selected < 0) this.renderDetails(undefined);
    this.statsOut.layoutMs = a.ms;
    this.statsOut.layoutSeq++;
    const dangling = s.danglingInputs ? ` · ${s.danglingInputs.toLocaleString()} inputs name no node` : '';
    this.status.textContent = `${s.nodes.toLocaleString()} nodes · ${s.edges.toLocaleString()} edges · ${l.items.length.toLocaleString()} shown · laid out in ${Math.round(a.ms)} ms${dangling}`;
    if (s.error) this.status.textContent += ` · the text stopped parsing early (${s.error})`;
  }

  private async toggle(item: number): Promise<void> {
    if (this.expanded.has(item)) this.expanded.delete(item);
    else this.expanded.add(item);
    await this.relayout(item);
    if (this.selected === item) await this.select(item);
  }

  private async expandAll(): Promise<void> {
    const s = this.summary;
    if (!s) return;
    for (let i = 1; i < s.parent.length; i++) if (s.isGroup[i]) this.expanded.add(i);
    this.showMessage('Laying out every scope…', true);
    await this.relayout(undefined, true);
  }

  /** Opens the item's scopes, lays out, selects it and brings it into view. */
  async reveal(item: number): Promise<void> {
    const s = this.summary;
    if (!s || item <= 0) return;
    let opened = false;
    for (let p = s.parent[item]; p > 0; p = s.parent[p]) if (!this.expanded.has(p)) { this.expanded.add(p); opened = true; }
    if (opened) await this.relayout();
    // Focus first: once the details show, the view has settled (tests and people act on it then).
    this.canvas.focus(item);
    await this.select(item);
  }

  private async select(item: number): Promise<void> {
    this.selected = item;
    this.canvas.setSelected(item);
    if (item < 0) { this.renderDetails(undefined); return; }
    const a = await this.ask({ type: 'details', id: ++this.seq, item });
    if (this.selected !== item) return;
    this.renderDetails(a.type === 'details' ? a.details : undefined);
  }

  private find(): void {
    const s = this.summary;
    const q = this.search.value.trim().toLowerCase();
    clear(this.results);
    if (!s || !q) {
      this.results.hidden = true;
      this.canvas.setMatches([]);
      this.statsOut.matches = 0;
      return;
    }
    const hits: number[] = [];
    let total = 0;
    for (let i = 1; i < s.fullName.length; i++) {
      if (!s.fullName[i].toLowerCase().includes(q)) continue;
      total++;
      if (hits.length < MAX_MATCHES) hits.push(i);
    }
    this.statsOut.matches = total;
    this.canvas.setMatches(hits);
    for (const i of hits) {
      const b = h('button', { class: 'graph-hit', 'data-item': i, type: 'button' },
        h('span', { class: 'mono' }, s.fullName[i]), h('span', { class: 'muted small' }, s.isGroup[i] ? `group · ${s.opCount[i]} ops` : s.op[i]));
      b.addEventListener('click', () => { this.results.hidden = true; void this.reveal(i); });
      this.results.append(b);
    }
    if (total === 0) this.results.append(h('div', { class: 'muted small graph-none' }, 'No node matches.'));
    else if (total > hits.length) this.results.append(h('div', { class: 'muted small graph-none' }, `${total.toLocaleString()} matches; the first ${hits.length} are listed.`));
    this.results.hidden = false;
  }

  private renderDetails(d: ItemDetails | undefined): void {
    clear(this.details);
    if (!d) {
      this.details.append(h('div', { class: 'muted small' }, this.summary ? 'Click a node or a group to see its details.' : ''));
      return;
    }
    const link = (l: NodeLink): HTMLElement => {
      const label = `${l.control ? '^' : ''}${l.name}`;
      if (l.item < 0) return h('li', { class: 'mono dangling', title: 'No node of this graph has this name' }, label);
      const a = h('a', { href: '#graphs', class: 'mono' }, label);
      a.addEventListener('click', (ev) => { ev.preventDefault(); void this.reveal(l.item); });
      return h('li', {}, a);
    };
    const section = (title: string, body: Node | null): HTMLElement | null => body && h('section', {}, h('h4', {}, title), body);
    const expand = d.group ? h('button', { class: 'small', id: 'graph-toggle' }, this.expanded.has(d.item) ? 'Collapse' : 'Expand') : null;
    expand?.addEventListener('click', () => void this.toggle(d.item));
    this.details.append(
      h('div', { class: 'graph-details-head' }, h('div', { class: 'graph-kind' }, d.group ? 'Name scope' : d.op), h('div', { class: 'mono graph-name', id: 'graph-detail-name' }, d.name), expand),
      d.group
        ? h('dl', {}, h('dt', {}, 'Ops'), h('dd', {}, d.opCount.toLocaleString()))
        : h('dl', { id: 'graph-detail-props' }, h('dt', {}, 'Op'), h('dd', { class: 'mono', id: 'graph-detail-op' }, d.op), d.device ? h('dt', {}, 'Device') : null, d.device ? h('dd', { class: 'mono' }, d.device) : null),
      section('Output shapes', d.shapes.length ? h('ul', { id: 'graph-detail-shapes' }, ...d.shapes.map((x) => h('li', { class: 'mono' }, x))) : null) ?? '',
      section(`Inputs (${d.inputs.length})`, d.inputs.length ? h('ul', { id: 'graph-detail-inputs' }, ...d.inputs.slice(0, 200).map(link)) : null) ?? '',
      section(`Outputs (${d.outputs.length})`, d.outputs.length ? h('ul', { id: 'graph-detail-outputs' }, ...d.outputs.slice(0, 200).map(link)) : null) ?? '',
      section('Attributes', d.attrs.length ? h('table', { id: 'graph-detail-attrs' }, ...d.attrs.map(([k, v]) => h('tr', {}, h('th', { class: 'mono' }, k), h('td', { class: 'mono' }, v)))) : null) ?? '',
      section('Op types', d.opTypes.length ? h('table', {}, ...d.opTypes.slice(0, 30).map(([k, v]) => h('tr', {}, h('th', { class: 'mono' }, k), h('td', { class: 'num' }, v)))) : null) ?? '',
    );
  }
}
