// PR curves as TensorBoard draws them: per tag a card plotting precision against recall for each
// visible run, every threshold one vertex in threshold order (pr-points.ts), a run legend saying
// which step each run shows, and on hover TensorBoard's tooltip (threshold, precision, recall, TP,
// FP, TN, FN) for each run's vertex nearest the pointer. Each run has one step slider for all its
// cards (TensorBoard's steps selector), at its newest step until moved.
import './dashboards.css';
import { h, clear } from '../lib/dom.js';
import { formatValue, formatWall } from '../lib/format.js';
import type { DataClient } from './data.js';
import type { ViewerState } from './state.js';
import { fingerprint, tagsByRun, type Tab } from './tab.js';
import { tagLabel } from './names.js';
import { canonicalTags, entryAtStep, nearestVertex, parsePrEntry, prVertices, type PrEntry, type PrVertex } from './pr-points.js';

/** TensorBoard's default domain on both axes. */
const LO = -0.05;
const HI = 1.05;
const HEIGHT = 280;
const PAD = { left: 44, right: 14, top: 10, bottom: 34 };
/** Pointer farther than this (px) from every vertex: no tooltip. */
const HOVER_PX = 60;

interface Line { run: string; color: string; entry: PrEntry; vertices: PrVertex[] }

/** What the page exposes for tests: each card's drawn lines, and where a vertex is on screen. */
export interface PrCardStats { tag: string; runs: Array<{ run: string; step: number; vertices: number; indices: number[] }> }

class PrChart {
  readonly canvas = h('canvas', { class: 'pr-canvas' });
  readonly tip = h('div', { class: 'tip pr-tip', hidden: true });
  readonly el = h('div', { class: 'plot-wrap pr-plot' }, this.canvas, this.tip);
  lines: Line[] = [];
  private hover: Array<{ line: Line; vertex: PrVertex; dist: number }> = [];
  private width = 400;

  constructor() {
    this.canvas.addEventListener('mousemove', (ev) => {
      const r = this.canvas.getBoundingClientRect();
      this.pointAt(ev.clientX - r.left, ev.clientY - r.top);
    });
    this.canvas.addEventListener('mouseleave', () => {
      this.hover = [];
      this.tip.hidden = true;
      this.draw();
    });
  }

  set(lines: Line[]): void {
    this.lines = lines;
    this.hover = [];
    this.tip.hidden = true;
    this.draw();
  }

  x(v: number): number {
    return PAD.left + ((v - LO) / (HI - LO)) * (this.width - PAD.left - PAD.right);
  }

  y(v: number): number {
    return PAD.top + (1 - (v - LO) / (HI - LO)) * (HEIGHT - PAD.top - PAD.bottom);
  }

  /** Hover at canvas coordinates: each run's nearest vertex, nearest run first. */
  pointAt(px: number, py: number): void {
    const hits: Array<{ line: Line; vertex: PrVertex; dist: number }> = [];
    for (const line of this.lines) {
      const n = nearestVertex(line.vertices, px, py, (v) => this.x(v), (v) => this.y(v));
      if (n) hits.push({ line, ...n });
    }
    hits.sort((a, b) => a.dist - b.dist);
    this.hover = hits.length && hits[0].dist <= HOVER_PX ? hits : [];
    this.draw();
    this.renderTip(px, py);
  }

  private renderTip(px: number, py: number): void {
    if (this.hover.length === 0) {
      this.tip.hidden = true;
      return;
    }
    const head = ['Run', 'Threshold', 'Precision', 'Recall', 'TP', 'FP', 'TN', 'FN'];
    const body = this.hover.map(({ line, vertex }) => {
      const e = line.entry;
      const i = vertex.i;
      return h('tr', { 'data-run': line.run, 'data-i': i },
        h('td', { class: 'run' }, h('span', { class: 'swatch', style: `background:${line.color}` }), ' ', line.run),
        ...[e.thresholds[i], e.precision[i], e.recall[i]].map((v) => h('td', { class: 'num' }, formatValue(v))),
        ...[e.tp[i], e.fp[i], e.tn[i], e.fn[i]].map((v) => h('td', { class: 'num' }, formatValue(v))));
    });
    this.tip.replaceChildren(h('table', {}, h('thead', {}, h('tr', {}, ...head.map((t) => h('th', {}, t)))), h('tbody', {}, ...body)));
    this.tip.hidden = false;
    // In the quarter away from the pointer, so the vertex it reads stays in sight.
    const w = this.tip.offsetWidth;
    const th = this.tip.offsetHeight;
    const left = px > this.width / 2 ? px - 16 - w : px + 16;
    const top = py > HEIGHT / 2 ? py - 12 - th : py + 12;
    this.tip.style.left = `${Math.max(0, Math.min(left, this.width - w))}px`;
    this.tip.style.top = `${Math.max(0, top)}px`;
  }

  draw(): void {
    this.width = Math.max(240, this.el.clientWidth || 400);
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(this.width * dpr);
    this.canvas.height = Math.round(HEIGHT * dpr);
    this.canvas.style.width = `${this.width}px`;
    this.canvas.style.height = `${HEIGHT}px`;
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const css = getComputedStyle(this.canvas);
    const muted = css.getPropertyValue('--muted').trim() || '#667085';
    const grid = css.getPropertyValue('--chart-grid').trim() || css.getPropertyValue('--line').trim() || '#e3e6eb';
    const panel = css.getPropertyValue('--panel').trim() || '#ffffff';
    ctx.clearRect(0, 0, this.width, HEIGHT);
    ctx.font = '11px system-ui, sans-serif';
    ctx.lineWidth = 1;
    for (let k = 0; k <= 5; k++) {
      const v = k / 5;
      ctx.strokeStyle = grid;
      ctx.beginPath();
      ctx.moveTo(this.x(LO), Math.round(this.y(v)) + 0.5);
      ctx.lineTo(this.x(HI), Math.round(this.y(v)) + 0.5);
      ctx.moveTo(Math.round(this.x(v)) + 0.5, this.y(LO));
      ctx.lineTo(Math.round(this.x(v)) + 0.5, this.y(HI));
      ctx.stroke();
      ctx.fillStyle = muted;
      const label = v.toFixed(1);
      ctx.textAlign = 'right';
      ctx.textBaseline = 'middle';
      ctx.fillText(label, PAD.left - 6, this.y(v));
      ctx.textAlign = 'center';
      ctx.textBaseline = 'top';
      ctx.fillText(label, this.x(v), this.y(LO) + 5);
    }
    ctx.fillStyle = muted;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    ctx.fillText('Recall', this.x(0.5), HEIGHT - 1);
    ctx.save();
    ctx.translate(11, this.y(0.5));
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = 'middle';
    ctx.fillText('Precision', 0, 0);
    ctx.restore();
    for (const line of this.lines) {
      const vs = line.vertices;
      ctx.strokeStyle = line.color;
      ctx.lineWidth = 1.6;
      ctx.lineJoin = 'round';
      ctx.beginPath();
      vs.forEach((v, k) => (k === 0 ? ctx.moveTo(this.x(v.recall), this.y(v.precision)) : ctx.lineTo(this.x(v.recall), this.y(v.precision))));
      ctx.stroke();
      ctx.fillStyle = line.color;
      for (const v of vs) {
        ctx.beginPath();
        ctx.arc(this.x(v.recall), this.y(v.precision), 2.1, 0, Math.PI * 2);
        ctx.fill();
      }
    }
    for (const { line, vertex } of this.hover) {
      ctx.beginPath();
      ctx.arc(this.x(vertex.recall), this.y(vertex.precision), 5, 0, Math.PI * 2);
      ctx.fillStyle = line.color;
      ctx.fill();
      ctx.lineWidth = 2;
      ctx.strokeStyle = panel;
      ctx.stroke();
    }
  }
}

export class PrCurvesTab implements Tab {
  private shown = '';
  readonly el = h('div', { class: 'tab-body', id: 'pr_curves' });
  private tags = new Map<string, string[]>();
  /** tag → run → entries in step order. */
  private readonly cache = new Map<string, Map<string, PrEntry[]>>();
  /** A run's slider position (index into its canonical tag's entries); absent: follow the newest. */
  private readonly stepIndex = new Map<string, number>();
  private readonly charts = new Map<string, PrChart>();
  private readonly legends = new Map<string, HTMLElement>();
  private readonly resize = typeof ResizeObserver === 'function' ? new ResizeObserver(() => { for (const c of this.charts.values()) c.draw(); }) : undefined;

  constructor(private readonly data: DataClient, private readonly state: ViewerState) {
    (window as unknown as { __vizjobsPr: PrCurvesTab }).__vizjobsPr = this;
  }

  count(): number {
    return this.tags.size;
  }

  async refreshCount(): Promise<void> {
    this.tags = tagsByRun(await this.data.json('plugin/pr_curves/tags'), this.state.runs);
  }

  async refresh(): Promise<void> {
    await this.refreshCount();
    const visible = new Set(this.state.visibleRuns());
    await Promise.all([...this.tags].map(async ([tag, runs]) => {
      const want = runs.filter((r) => visible.has(r));
      if (want.length === 0 || !this.state.tagMatches(tag)) return;
      const res = await this.data.json<Record<string, Array<Record<string, unknown>>>>('plugin/pr_curves/pr_curves', { tag, run: want });
      const byRun = new Map<string, PrEntry[]>();
      for (const [run, entries] of Object.entries(res)) byRun.set(run, entries.map(parsePrEntry));
      this.cache.set(tag, byRun);
    }));
    const fp = `${this.state.visibleRuns().join(',')}/${this.state.settings.tagFilter}#${fingerprint([...this.cache].flatMap(([tag, m]) => [...m].map(([run, c]) => [`${tag}\u0000${run}`, c] as [string, PrEntry[]])), (e) => (e as PrEntry).step)}`;
    if (fp === this.shown) return;
    this.shown = fp;
    this.redraw();
  }

  /** Per visible run with PR data: the entries its slider walks (TensorBoard: its smallest tag's). */
  private sliderEntries(): Map<string, PrEntry[]> {
    const visible = new Set(this.state.visibleRuns());
    const loaded = new Map<string, string[]>();
    for (const [tag, byRun] of this.cache) {
      if (!this.tags.has(tag) || !this.state.tagMatches(tag)) continue;
      loaded.set(tag, [...byRun.keys()].filter((r) => visible.has(r) && (byRun.get(r)?.length ?? 0) > 0));
    }
    const out = new Map<string, PrEntry[]>();
    for (const run of this.state.visibleRuns()) {
      const tag = canonicalTags(loaded).get(run);
      const entries = tag === undefined ? undefined : this.cache.get(tag)?.get(run);
      if (entries?.length) out.set(run, entries);
    }
    return out;
  }

  /** The step cap of each run, from its slider. */
  private stepCaps(slider: Map<string, PrEntry[]>): Map<string, number> {
    const caps = new Map<string, number>();
    for (const [run, entries] of slider) {
      const i = this.stepIndex.get(run);
      caps.set(run, entries[i === undefined ? entries.length - 1 : Math.min(i, entries.length - 1)].step);
    }
    return caps;
  }

  redraw(): void {
    this.resize?.disconnect();
    this.charts.clear();
    this.legends.clear();
    clear(this.el);
    const slider = this.sliderEntries();
    const visible = this.state.visibleRuns();
    const grid = h('div', { class: 'grid pr-grid' });
    for (const [tag] of this.tags) {
      const byRun = this.cache.get(tag);
      if (!byRun || !this.state.tagMatches(tag)) continue;
      const runs = visible.filter((r) => (byRun.get(r)?.length ?? 0) > 0);
      if (runs.length === 0) continue;
      const chart = new PrChart();
      const legend = h('div', { class: 'pr-legend' });
      this.charts.set(tag, chart);
      this.legends.set(tag, legend);
      grid.append(h('div', { class: 'card', 'data-tag': tag },
        h('div', { class: 'card-head' }, h('span', { class: 'card-title' }, tagLabel(tag).replace(/\/pr_curves$/, '')), h('span', { class: 'spacer' }),
          h('span', { class: 'muted small' }, 'precision against recall')),
        chart.el, legend));
      this.resize?.observe(chart.el);
    }
    if (grid.childElementCount === 0) {
      this.el.append(h('div', { class: 'empty' }, 'No PR curves for the selected runs and tags.'));
      return;
    }
    this.el.append(this.stepsPanel(slider), grid);
    requestAnimationFrame(() => this.fill());
  }

  /** TensorBoard's steps selector: one slider per run, over the steps its PR curves were written at. */
  private stepsPanel(slider: Map<string, PrEntry[]>): HTMLElement {
    const rows = h('div', { class: 'pr-steps-rows' });
    for (const [run, entries] of slider) {
      const at = Math.min(this.stepIndex.get(run) ?? entries.length - 1, entries.length - 1);
      const input = h('input', { type: 'range', min: 0, max: entries.length - 1, step: 1, value: at, class: 'step-slider', 'data-run': run, 'aria-label': `PR curve step of ${run}`, disabled: entries.length < 2 });
      const label = h('span', { class: 'mono pr-step-label' }, `step ${entries[at].step}`);
      input.addEventListener('input', () => {
        const i = Number(input.value);
        // At the newest step the slider keeps following new steps as training writes them.
        if (i >= entries.length - 1) this.stepIndex.delete(run);
        else this.stepIndex.set(run, i);
        label.textContent = `step ${entries[Math.min(i, entries.length - 1)].step}`;
        this.fill();
      });
      rows.append(h('span', { class: 'swatch', style: `background:${this.state.colors.get(run)}` }), h('span', { class: 'run-label mono', title: run }, run), input, label);
    }
    return h('div', { class: 'pr-steps card' }, h('div', { class: 'side-title' }, 'Step per run'), rows);
  }

  /** Draws each card at the runs' chosen steps and says in its legend which step each run shows. */
  private fill(): void {
    const caps = this.stepCaps(this.sliderEntries());
    for (const [tag, chart] of this.charts) {
      const byRun = this.cache.get(tag);
      const legend = this.legends.get(tag);
      if (!byRun || !legend) continue;
      const lines: Line[] = [];
      for (const run of this.state.visibleRuns()) {
        const entry = entryAtStep(byRun.get(run) ?? [], caps.get(run));
        if (entry) lines.push({ run, color: this.state.colors.get(run), entry, vertices: prVertices(entry) });
      }
      chart.set(lines);
      legend.replaceChildren(...lines.map((l) => h('div', { class: 'legend-item', 'data-run': l.run },
        h('span', { class: 'swatch', style: `background:${l.color}` }),
        h('span', { class: 'legend-run' }, l.run),
        h('span', {}, 'at ', h('b', { class: 'pr-legend-step' }, `step ${l.entry.step}`)),
        h('span', { class: 'muted small' }, `${formatWall(l.entry.wall)} · ${l.vertices.length} thresholds`))));
    }
  }

  /** For tests: what each card draws. */
  stats(): PrCardStats[] {
    return [...this.charts].map(([tag, c]) => ({ tag, runs: c.lines.map((l) => ({ run: l.run, step: l.entry.step, vertices: l.vertices.length, indices: l.vertices.map((v) => v.i) })) }));
  }

  /** For tests: where the vertex at index `i` of a run's curve is, relative to the card's canvas. */
  screenPoint(tag: string, run: string, i: number): { x: number; y: number } | undefined {
    const c = this.charts.get(tag);
    const v = c?.lines.find((l) => l.run === run)?.vertices.find((x) => x.i === i);
    return c && v ? { x: c.x(v.recall), y: c.y(v.precision) } : undefined;
  }
}
