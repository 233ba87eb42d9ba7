// The Projector tab: TensorBoard's embedding projector over data/plugin/projector/…. One embedding
// at a time (run × tensor) is fetched as float32 rows with its metadata and sprite, handed to a
// worker that projects it (PCA at once; t-SNE and UMAP step by step, drawn as they go) and finds
// nearest neighbours in the original space; the page colours and labels points by a metadata
// column, highlights search matches and lists the neighbours of a clicked point.
// Invariant: the page's thread never runs a projection; an answer for an older request (another
// embedding, method or dimension) is dropped by its id.
import { clear, h } from '../../lib/dom.js';
import type { DataClient } from '../data.js';
import type { Tab } from '../tab.js';
import { Scatter, type Thumbs } from './scatter.js';
import type { Method, WorkerAnswer, WorkerRequest } from './worker.js';
import type { Metric } from './math.js';

interface EmbeddingRef {
  run: string;
  name: string;
  shape: number[];
  metadataPath?: string;
  sprite?: { imagePath?: string; singleImageDim?: number[] };
}

interface Loaded {
  ref: EmbeddingRef;
  data: Float32Array;
  rows: number;
  cols: number;
  columns: string[];
  /** Metadata rows (one array of column values per point; empty when there is no metadata). */
  meta: string[][];
  thumbs?: Thumbs;
}

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf', '#393b79', '#ad494a'];
const DEFAULT_COLOR = [31, 111, 235];
const NEIGHBORS = 10;

function hexRgb(hex: string): number[] {
  const v = parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/** metadata.tsv as TensorBoard's projector reads it: a first line with a tab is the header. */
export function parseMetadata(text: string, rows: number): { columns: string[]; meta: string[][] } {
  const lines = text.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  const header = lines.length > 0 && lines[0].includes('\t');
  const columns = header ? lines[0].split('\t') : ['label'];
  const meta = lines.slice(header ? 1 : 0, (header ? 1 : 0) + rows).map((l) => (header ? l.split('\t') : [l]));
  return { columns, meta };
}

export interface ProjectorDebug {
  ready: boolean;
  embeddings: string[];
  embedding?: string;
  rows: number;
  cols: number;
  renderer: string;
  method: Method;
  dims: 2 | 3;
  projection?: { method: Method; done: boolean; iteration: number; workerMs: number; sampled: number; variance?: number[] };
  timings: { fetchMs?: number; parseMs?: number; loadedAt?: number; requestedAt?: number; drawnAt?: number; projectionDrawnMs?: number };
  colorBy: string;
  legend: { value: string; color: string; count: number }[];
  matches: number;
  selected: number;
  neighbors: { index: number; label: string; distance: number }[];
  screenOf(i: number): [number, number] | undefined;
  /** Resolves when the current projection is drawn (done for PCA, finished iterating for t-SNE and UMAP). */
  settled(): Promise<void>;
}

export class ProjectorTab implements Tab {
  readonly el = h('div', { class: 'tab-body projector', id: 'projector' });
  private embeddings: EmbeddingRef[] = [];
  private listing = '';
  private loaded: Loaded | undefined;
  private loading: Promise<void> | undefined;
  private key = '';
  private method: Method = 'pca';
  private dims: 2 | 3 = 2;
  private colorBy = -1;
  private labelBy = 0;
  private search = '';
  private metric: Metric = 'cosine';
  private selected = -1;
  private neighbors: { index: number; distance: number }[] = [];
  private thumbsOn = true;
  private matches: number[] = [];
  private worker: Worker | undefined;
  private requestId = 0;
  private projected: WorkerAnswer & { type: 'projection' } | undefined;
  private readonly scatter: Scatter;
  private readonly statusEl = h('div', { class: 'projector-status muted', id: 'projector-status' });
  private readonly sideEl = h('div', { class: 'projector-side', id: 'projector-side' });
  private readonly toolbar = h('div', { class: 'projector-toolbar' });
  private settleWaiters: (() => void)[] = [];
  readonly debug: ProjectorDebug;

  constructor(private readonly data: DataClient) {
    // A test or a machine without WebGL can ask for the 2-D canvas: ?renderer=canvas in the page URL.
    this.scatter = new Scatter(new URLSearchParams(location.search).get('renderer') === 'canvas');
    this.scatter.onPick = (i) => this.select(i);
    const self = this;
    this.debug = {
      ready: false,
      embeddings: [],
      rows: 0,
      cols: 0,
      renderer: this.scatter.renderer,
      method: this.method,
      dims: this.dims,
      timings: {},
      colorBy: '',
      legend: [],
      matches: 0,
      selected: -1,
      neighbors: [],
      screenOf: (i) => {
        const p = self.scatter.screenOf(i);
        if (!p) return undefined;
        const r = self.scatter.el.getBoundingClientRect();
        return [p[0] + r.left, p[1] + r.top];
      },
      settled: () => (self.isSettled() ? Promise.resolve() : new Promise((r) => self.settleWaiters.push(r))),
    };
    (window as unknown as { __vizjobsProjector: ProjectorDebug }).__vizjobsProjector = this.debug;
    this.scatter.onDrawn = (at) => {
      const t = this.debug.timings;
      if (this.projected && t.requestedAt !== undefined && t.drawnAt === undefined && this.projected.id === this.requestId) {
        t.drawnAt = at;
        if (t.loadedAt !== undefined) t.projectionDrawnMs = at - t.loadedAt;
      }
      if (this.isSettled()) for (const w of this.settleWaiters.splice(0)) w();
    };
  }

  private isSettled(): boolean {
    return Boolean(this.projected?.done && this.projected.id === this.requestId && this.debug.timings.drawnAt !== undefined);
  }

  count(): number {
    return this.embeddings.length;
  }

  async refresh(): Promise<void> {
    const runs = await this.data.json<string[]>('plugin/projector/runs');
    const infos = await Promise.all(runs.map(async (run) => ({ run, info: await this.data.json<{ embeddings?: Record<string, unknown>[] }>('plugin/projector/info', { run }) })));
    const listing = JSON.stringify(infos);
    if (listing !== this.listing) {
      this.listing = listing;
      this.embeddings = infos.flatMap(({ run, info }) =>
        (info.embeddings ?? [])
          .filter((e) => typeof e.tensorName === 'string' && typeof e.tensorPath === 'string')
          .map((e) => ({
            run,
            name: e.tensorName as string,
            shape: Array.isArray(e.tensorShape) ? (e.tensorShape as number[]) : [],
            metadataPath: typeof e.metadataPath === 'string' ? e.metadataPath : undefined,
            sprite: typeof e.sprite === 'object' && e.sprite !== null ? (e.sprite as EmbeddingRef['sprite']) : undefined,
          })),
      );
      this.debug.embeddings = this.embeddings.map((e) => `${e.run} — ${e.name}`);
      if (!this.embeddings.some((e) => keyOf(e) === this.key)) this.key = this.embeddings[0] ? keyOf(this.embeddings[0]) : '';
      this.render();
    }
    if (this.el.isConnected) await this.ensureLoaded();
  }

  redraw(): void {
    if (this.el.isConnected) void this.ensureLoaded();
    this.scatter.request();
  }

  private ensureLoaded(): Promise<void> {
    const ref = this.embeddings.find((e) => keyOf(e) === this.key);
    if (!ref || (this.loaded && keyOf(this.loaded.ref) === this.key)) return Promise.resolve();
    this.loading ??= this.load(ref).finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async load(ref: EmbeddingRef): Promise<void> {
    this.statusEl.textContent = `Loading ${ref.name}…`;
    const t = (this.debug.timings = {} as ProjectorDebug['timings']);
    const t0 = performance.now();
    const [buf, metaText] = await Promise.all([
      this.data.raw('plugin/projector/tensor', { run: ref.run, name: ref.name }).then((r) => r.arrayBuffer()),
      ref.metadataPath ? this.data.raw('plugin/projector/metadata', { run: ref.run, name: ref.name }).then((r) => r.text()) : Promise.resolve(''),
    ]);
    const t1 = performance.now();
    t.fetchMs = t1 - t0;
    const all = new Float32Array(buf);
    const cols = ref.shape[1] && ref.shape[1] > 0 ? ref.shape[1] : 1;
    const rows = Math.floor(all.length / cols);
    const { columns, meta } = metaText ? parseMetadata(metaText, rows) : { columns: [], meta: [] };
    t.parseMs = performance.now() - t1;
    let thumbs: Thumbs | undefined;
    const dim = ref.sprite?.singleImageDim;
    if (ref.sprite?.imagePath && dim && dim.length === 2 && dim[0] > 0 && dim[1] > 0) {
      const image = new Image();
      image.src = this.data.url('plugin/projector/sprite_image', { run: ref.run, name: ref.name });
      thumbs = { image, width: dim[0], height: dim[1], perRow: 1 };
      const th = thumbs;
      image.addEventListener('load', () => {
        th.perRow = Math.max(1, Math.floor(image.naturalWidth / dim[0]));
        this.applyThumbs();
      });
    }
    this.loaded = { ref, data: all, rows, cols, columns, meta, thumbs };
    this.selected = -1;
    this.neighbors = [];
    this.colorBy = columns.length > 1 ? 1 : columns.length === 1 ? 0 : -1;
    this.labelBy = 0;
    Object.assign(this.debug, { embedding: keyOf(ref), rows, cols, selected: -1, neighbors: [] });
    this.startWorker();
    t.loadedAt = performance.now();
    (this.worker as Worker).postMessage({ type: 'load', data: all, rows, cols } satisfies WorkerRequest);
    this.render();
    this.project(true, true);
    this.debug.ready = true;
  }

  private startWorker(): void {
    if (this.worker) return;
    this.worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (ev: MessageEvent<WorkerAnswer>) => this.answer(ev.data);
  }

  /** `fromLoad`: the first projection of a freshly loaded embedding, timed from the data's arrival. */
  private project(resetCamera: boolean, fromLoad = false): void {
    if (!this.loaded || !this.worker) return;
    const id = ++this.requestId;
    this.projected = undefined;
    this.resetCamera = resetCamera;
    Object.assign(this.debug, { method: this.method, dims: this.dims, projection: undefined });
    const t = this.debug.timings;
    t.requestedAt = performance.now();
    t.drawnAt = undefined;
    t.projectionDrawnMs = undefined;
    if (!fromLoad) t.loadedAt = t.requestedAt;
    this.statusEl.textContent = `Computing ${label(this.method)}…`;
    this.worker.postMessage({ type: 'project', id, method: this.method, dims: this.dims } satisfies WorkerRequest);
  }
  private resetCamera = true;

  private answer(m: WorkerAnswer): void {
    if (m.type === 'error') {
      if (m.id === this.requestId) this.statusEl.textContent = `Projection failed: ${m.message}`;
      return;
    }
    if (m.type === 'neighbors') {
      if (m.index !== this.selected) return;
      this.neighbors = m.neighbors;
      this.debug.neighbors = m.neighbors.map((n) => ({ ...n, label: this.pointLabel(n.index) }));
      this.restyle();
      this.renderSide();
      return;
    }
    if (m.id !== this.requestId || !this.loaded) return;
    this.projected = m;
    this.debug.projection = { method: m.method, done: m.done, iteration: m.iteration, workerMs: m.ms, sampled: m.sampled, variance: m.variance };
    this.scatter.setPositions(m.positions, this.dims, this.resetCamera);
    this.resetCamera = false;
    this.restyle();
    const l = this.loaded;
    const parts = [`${label(m.method)} · ${m.sampled.toLocaleString()}${m.sampled < l.rows ? ` of ${l.rows.toLocaleString()}` : ''} points × ${l.cols} dims`];
    if (m.variance) parts.push(`variance explained ${m.variance.map((v) => `${(v * 100).toFixed(1)}%`).join(' / ')}`);
    if (m.method !== 'pca') parts.push(m.done ? `${m.iteration} iterations` : `iteration ${m.iteration}…`);
    parts.push(`${m.ms.toFixed(0)} ms in the worker`);
    this.statusEl.textContent = parts.join(' · ');
  }

  private pointLabel(i: number): string {
    const row = this.loaded?.meta[i];
    return row ? row[this.labelBy] ?? '' : `#${i}`;
  }

  private select(i: number): void {
    if (!this.loaded) return;
    this.selected = i;
    this.debug.selected = i;
    this.neighbors = [];
    this.debug.neighbors = [];
    this.worker?.postMessage({ type: 'neighbors', id: this.requestId, index: i, k: NEIGHBORS, metric: this.metric } satisfies WorkerRequest);
    this.restyle();
    this.renderSide();
  }

  /** Colours, sizes and labels from the current colour-by, search, selection and neighbours. */
  private restyle(): void {
    const l = this.loaded;
    if (!l) return;
    const n = l.rows;
    const colors = new Uint8Array(n * 4);
    const sizes = new Float32Array(n).fill(1);
    const legend: ProjectorDebug['legend'] = [];
    let colorOf: (i: number) => number[] = () => DEFAULT_COLOR;
    if (this.colorBy >= 0 && l.meta.length) {
      const values = l.meta.map((r) => r[this.colorBy] ?? '');
      const counts = new Map<string, number>();
      for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
      const nums = values.map(Number);
      const numeric = counts.size > PALETTE.length && nums.every((x) => Number.isFinite(x));
      if (numeric) {
        let lo = Infinity;
        let hi = -Infinity;
        for (const x of nums) {
          lo = Math.min(lo, x);
          hi = Math.max(hi, x);
        }
        const span = hi - lo || 1;
        colorOf = (i) => {
          const f = (nums[i] - lo) / span;
          return [Math.round(40 + 200 * f), Math.round(90 + 40 * (1 - Math.abs(f - 0.5) * 2)), Math.round(230 - 190 * f)];
        };
        legend.push({ value: `${lo} … ${hi}`, color: 'gradient', count: n });
      } else {
        const top = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0], undefined, { numeric: true }));
        const index = new Map(top.slice(0, PALETTE.length).map(([v], k) => [v, k]));
        colorOf = (i) => {
          const k = index.get(values[i]);
          return k === undefined ? [170, 170, 170] : hexRgb(PALETTE[k]);
        };
        for (const [v, c] of top.slice(0, PALETTE.length)) legend.push({ value: v, color: PALETTE[index.get(v) as number], count: c });
        if (top.length > PALETTE.length) legend.push({ value: `${top.length - PALETTE.length} more values`, color: '#aaaaaa', count: top.slice(PALETTE.length).reduce((a, [, c]) => a + c, 0) });
      }
    }
    const q = this.search.trim().toLowerCase();
    this.matches = [];
    if (q) for (let i = 0; i < n; i++) if (l.meta[i]?.some((v) => v.toLowerCase().includes(q)) || (!l.meta.length && String(i).includes(q))) this.matches.push(i);
    const matched = new Set(this.matches);
    const near = new Set(this.neighbors.map((x) => x.index));
    const dimmed = q !== '' || this.selected >= 0;
    for (let i = 0; i < n; i++) {
      const [r, g, b] = colorOf(i);
      const on = !dimmed || matched.has(i) || near.has(i) || i === this.selected;
      colors.set([r, g, b, on ? 255 : 90], i * 4);
      if (matched.has(i) || near.has(i)) sizes[i] = 1.6;
      if (i === this.selected) {
        sizes[i] = 2.4;
        colors.set([20, 20, 20, 255], i * 4);
      }
    }
    this.scatter.setStyle(colors, sizes);
    const labels: { index: number; text: string; strong: boolean }[] = [];
    if (l.meta.length) {
      for (const i of this.matches.slice(0, 60)) labels.push({ index: i, text: this.pointLabel(i), strong: false });
      for (const x of this.neighbors) labels.push({ index: x.index, text: this.pointLabel(x.index), strong: false });
      if (this.selected >= 0) labels.push({ index: this.selected, text: this.pointLabel(this.selected), strong: true });
    }
    this.scatter.setLabels(labels);
    this.applyThumbs();
    Object.assign(this.debug, { colorBy: this.colorBy >= 0 ? l.columns[this.colorBy] ?? '' : '', legend, matches: this.matches.length });
    this.renderLegendAndMatches();
  }

  private applyThumbs(): void {
    this.scatter.setThumbs(this.loaded?.thumbs, this.thumbsOn);
  }

  // ---- DOM ------------------------------------------------------------------------------------

  private readonly legendEl = h('div', { class: 'projector-legend', id: 'projector-legend' });
  private readonly matchEl = h('span', { class: 'muted small', id: 'projector-matches' });

  private render(): void {
    clear(this.el);
    if (this.embeddings.length === 0) {
      this.el.append(h('div', { class: 'empty' }, 'No embeddings. PyTorch’s SummaryWriter.add_embedding writes projector_config.pbtxt and tensors.tsv beside the event file; they show here.'));
      return;
    }
    clear(this.toolbar);
    const pick = h('select', { id: 'projector-embedding' }, ...this.embeddings.map((e) => h('option', { value: keyOf(e), selected: keyOf(e) === this.key }, `${e.run} — ${e.name}${e.shape.length ? ` (${e.shape.join(' × ')})` : ''}`)));
    pick.addEventListener('change', () => {
      this.key = pick.value;
      void this.ensureLoaded();
    });
    const seg = <T extends string | number>(id: string, options: [T, string][], current: T, set: (v: T) => void): HTMLElement =>
      h('div', { class: 'segmented', id }, ...options.map(([v, text]) => {
        const b = h('button', { class: v === current ? 'on' : '', 'data-value': String(v) }, text);
        b.addEventListener('click', () => {
          set(v);
          for (const o of b.parentElement?.querySelectorAll('button') ?? []) o.classList.toggle('on', o === b);
        });
        return b;
      }));
    const method = seg<Method>('projector-method', [['pca', 'PCA'], ['tsne', 't-SNE'], ['umap', 'UMAP']], this.method, (m) => {
      this.method = m;
      this.project(true);
    });
    const dims = seg<2 | 3>('projector-dims', [[2, '2-D'], [3, '3-D']], this.dims, (d) => {
      this.dims = d;
      this.project(true);
    });
    const columns = this.loaded?.columns ?? [];
    const colorSel = h('select', { id: 'projector-color' }, h('option', { value: '-1' }, 'none'), ...columns.map((c, i) => h('option', { value: String(i), selected: i === this.colorBy }, c)));
    colorSel.addEventListener('change', () => {
      this.colorBy = Number(colorSel.value);
      this.restyle();
    });
    const labelSel = h('select', { id: 'projector-label' }, ...columns.map((c, i) => h('option', { value: String(i), selected: i === this.labelBy }, c)));
    labelSel.addEventListener('change', () => {
      this.labelBy = Number(labelSel.value);
      this.restyle();
      this.renderSide();
    });
    const search = h('input', { type: 'search', id: 'projector-search', placeholder: 'Search metadata…', value: this.search });
    search.addEventListener('input', () => {
      this.search = search.value;
      this.restyle();
    });
    const thumbs = h('input', { type: 'checkbox', id: 'projector-thumbs', checked: this.thumbsOn });
    thumbs.addEventListener('change', () => {
      this.thumbsOn = thumbs.checked;
      this.applyThumbs();
    });
    this.toolbar.append(
      pick, method, dims,
      columns.length ? h('label', { class: 'projector-field' }, 'Colour by ', colorSel) : '',
      columns.length ? h('label', { class: 'projector-field' }, 'Label by ', labelSel) : '',
      h('span', { class: 'projector-field' }, search, this.matchEl),
      this.loaded?.thumbs ? h('label', { class: 'projector-field' }, thumbs, ' Sprites') : '',
    );
    this.el.append(this.toolbar, h('div', { class: 'projector-body' }, h('div', { class: 'projector-main' }, this.scatter.el, this.statusEl), this.sideEl));
    this.renderSide();
    this.renderLegendAndMatches();
    this.scatter.request();
  }

  private renderLegendAndMatches(): void {
    clear(this.legendEl);
    for (const e of this.debug.legend) {
      const sw = h('span', { class: 'swatch', style: e.color === 'gradient' ? 'background:linear-gradient(90deg,#285ae6,#f05a28)' : `background:${e.color}` });
      this.legendEl.append(h('div', { class: 'legend-row' }, sw, h('span', { class: 'legend-value' }, e.value || '(empty)'), h('span', { class: 'muted small' }, String(e.count))));
    }
    this.matchEl.textContent = this.search.trim() ? `${this.matches.length} match${this.matches.length === 1 ? '' : 'es'}` : '';
  }

  private renderSide(): void {
    clear(this.sideEl);
    const l = this.loaded;
    if (!l) return;
    if (this.selected >= 0) {
      const i = this.selected;
      const thumb = l.thumbs ? this.thumbCanvas(i, 64) : '';
      const metric = h('select', { id: 'projector-metric' }, h('option', { value: 'cosine', selected: this.metric === 'cosine' }, 'cosine'), h('option', { value: 'euclidean', selected: this.metric === 'euclidean' }, 'euclidean'));
      metric.addEventListener('change', () => {
        this.metric = metric.value as Metric;
        this.select(i);
      });
      const rows = l.columns.map((c, k) => h('tr', {}, h('th', {}, c), h('td', {}, l.meta[i]?.[k] ?? '')));
      const list = h('ol', { class: 'neighbor-list', id: 'projector-neighbors' }, ...this.neighbors.map((x) => {
        const li = h('li', { 'data-index': x.index }, l.thumbs ? this.thumbCanvas(x.index, 20) : '', h('span', { class: 'neighbor-label' }, this.pointLabel(x.index) || `#${x.index}`), h('span', { class: 'muted mono small' }, x.distance.toFixed(3)));
        li.addEventListener('click', () => this.select(x.index));
        return li;
      }));
      const close = h('button', { class: 'ghost small', id: 'projector-clear' }, 'clear');
      close.addEventListener('click', () => {
        this.selected = -1;
        this.debug.selected = -1;
        this.neighbors = [];
        this.debug.neighbors = [];
        this.restyle();
        this.renderSide();
      });
      this.sideEl.append(
        h('div', { class: 'side-title' }, `Point #${i}`, h('span', { class: 'spacer' }), close),
        thumb,
        rows.length ? h('table', { class: 'point-meta' }, ...rows) : '',
        h('div', { class: 'side-title' }, 'Nearest neighbours ', h('span', { class: 'spacer' }), metric),
        this.neighbors.length ? list : h('div', { class: 'muted small' }, 'computing…'),
      );
    } else {
      this.sideEl.append(h('div', { class: 'hint' }, this.dims === 3 ? 'Drag to rotate, wheel to zoom. Click a point for its nearest neighbours.' : 'Drag to pan, wheel to zoom. Click a point for its nearest neighbours.'));
    }
    if (this.colorBy >= 0) this.sideEl.append(h('div', { class: 'side-title' }, `Colour: ${l.columns[this.colorBy] ?? ''}`), this.legendEl);
  }

  private thumbCanvas(i: number, size: number): HTMLCanvasElement {
    const c = h('canvas', { class: 'thumb', width: size, height: size });
    const t = this.loaded?.thumbs;
    const paint = (): void => {
      if (!t || !t.image.complete || t.image.naturalWidth === 0) return;
      const ctx = c.getContext('2d') as CanvasRenderingContext2D;
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(t.image, (i % t.perRow) * t.width, Math.floor(i / t.perRow) * t.height, t.width, t.height, 0, 0, size, size);
    };
    if (t?.image.complete) paint();
    else t?.image.addEventListener('load', paint, { once: true });
    return c;
  }
}

function keyOf(e: EmbeddingRef): string {
  return JSON.stringify([e.run, e.name]);
}

function label(m: Method): string {
  return m === 'pca' ? 'PCA' : m === 'tsne' ? 't-SNE' : 'UMAP';
}
