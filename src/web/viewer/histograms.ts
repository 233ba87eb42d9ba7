// Histograms (an offset "ridgeline" view over steps, newest in front, drawn on a canvas) and
// Distributions (TensorBoard's 9 basis-point bands over steps, drawn by uPlot).
import uPlot from 'uplot';
import { h, clear } from '../lib/dom.js';
import { tbNumber } from '../lib/tb-values.js';
import { withAlpha } from '../lib/colors.js';
import { axisWidth, formatTick } from '../lib/format.js';
import type { DataClient } from './data.js';
import type { ViewerState } from './state.js';
import { loadShownSeries, shownFingerprint, tagsByRun, type Tab } from './tab.js';
import { tagLabel } from './names.js';
import { chartInk } from '../lib/theme.js';

type Buckets = Array<[number, number, number]>;
interface HistEntry { wall: number; step: number; buckets: Buckets }

const MAX_RIDGES = 50;

export class HistogramsTab implements Tab {
  private shown = '';
  readonly el = h('div', { class: 'tab-body', id: 'histograms' });
  private tags = new Map<string, string[]>();
  private readonly cache = new Map<string, HistEntry[]>();

  constructor(private readonly data: DataClient, private readonly state: ViewerState) {}

  count(): number {
    return this.tags.size;
  }

  async refresh(): Promise<void> {
    this.tags = tagsByRun(await this.data.json('plugin/histograms/tags'), this.state.runs);
    await loadShownSeries(this.tags, this.state, this.cache, async (run, tag) =>
      (await this.data.json<unknown[]>('plugin/histograms/histograms', { run, tag })).map(parseHist));
    const fp = shownFingerprint(this.state, this.cache, (e) => e.step);
    if (fp === this.shown) return;
    this.shown = fp;
    this.redraw();
  }


  redraw(): void {
    clear(this.el);
    const visible = new Set(this.state.visibleRuns());
    const grid = h('div', { class: 'grid' });
    for (const [tag, runs] of this.tags) {
      if (!this.state.tagMatches(tag)) continue;
      for (const run of runs) {
        if (!visible.has(run)) continue;
        const entries = this.cache.get(`${run}\u0000${tag}`);
        if (!entries) continue;
        const canvas = h('canvas', { class: 'ridge' });
        const card = h('div', { class: 'card', 'data-tag': tag, 'data-run': run },
          h('div', { class: 'card-head' }, h('span', { class: 'swatch', style: `background:${this.state.colors.get(run)}` }),
            h('span', { class: 'card-title' }, tagLabel(tag)), h('span', { class: 'spacer' }), h('span', { class: 'muted small' }, `${run} · ${entries.length} steps`)),
          canvas);
        grid.append(card);
        const label = h('div', { class: 'ridge-label muted small' });
        card.append(label);
        requestAnimationFrame(() => hoverRidges(canvas, label, entries, this.state.colors.get(run)));
      }
    }
    this.el.append(grid.childElementCount ? grid : h('div', { class: 'empty' }, 'No histograms for the selected runs and tags.'));
  }
}

function parseHist(row: unknown): HistEntry {
  const r = row as [unknown, unknown, unknown[]];
  const buckets = (r[2] ?? []).map((b) => {
    const t = b as [unknown, unknown, unknown];
    return [tbNumber(t[0]), tbNumber(t[1]), tbNumber(t[2])] as [number, number, number];
  });
  return { wall: tbNumber(r[0]), step: tbNumber(r[1]), buckets };
}

/** Evenly spaced entries, always keeping the newest. */
function pickEntries(entries: HistEntry[], max: number): HistEntry[] {
  if (entries.length <= max) return entries;
  const out: HistEntry[] = [];
  for (let i = 0; i < max; i++) out.push(entries[Math.round((i * (entries.length - 1)) / (max - 1))]);
  return out;
}

/**
 * Spreads a histogram's counts over `bins` equal-width bins of [lo, hi], each bucket's count
 * shared in proportion to its overlap. Writers use exponentially spaced buckets (tiny ones near
 * zero), so drawing raw bucket densities gives needles; TensorBoard rebins the same way.
 */
export function rebin(buckets: Buckets, lo: number, hi: number, bins: number): Float64Array {
  const out = new Float64Array(bins);
  const width = (hi - lo) / bins;
  if (!(width > 0)) return out;
  for (const [l, r, c] of buckets) {
    if (!Number.isFinite(l) || !Number.isFinite(r) || !(c > 0)) continue;
    if (r <= l) {
      out[Math.min(bins - 1, Math.max(0, Math.floor((l - lo) / width)))] += c;
      continue;
    }
    const first = Math.max(0, Math.floor((l - lo) / width));
    const last = Math.min(bins - 1, Math.floor((r - lo) / width));
    for (let b = first; b <= last; b++) {
      const b0 = lo + b * width;
      const overlap = Math.min(r, b0 + width) - Math.max(l, b0);
      if (overlap > 0) out[b] += (c * overlap) / (r - l);
    }
  }
  return out;
}

const BINS = 40;

/** Draws the ridges and, under the pointer, picks out one step and says what it holds. */
function hoverRidges(canvas: HTMLCanvasElement, label: HTMLElement, all: HistEntry[], color: string): void {
  const layout = drawRidges(canvas, all, color, -1);
  if (!layout) return;
  label.textContent = 'Hover a ridge to read its step.';
  let shown = -1;
  canvas.addEventListener('mousemove', (ev) => {
    const rect = canvas.getBoundingClientRect();
    const y = ev.clientY - rect.top;
    const x = ev.clientX - rect.left;
    const i = Math.min(layout.entries.length - 1, Math.max(0, Math.round((y - layout.firstBase) / (layout.gap || 1))));
    const v = layout.lo + ((x - layout.left) / layout.plotW) * (layout.hi - layout.lo);
    const e = layout.entries[i];
    const k = Math.min(BINS - 1, Math.max(0, Math.floor(((v - layout.lo) / (layout.hi - layout.lo)) * BINS)));
    label.textContent = `step ${e.step} · near ${formatTick(v)}: ${formatTick(layout.binned[i][k])} of ${formatTick(total(e))} values`;
    if (i !== shown) {
      shown = i;
      drawRidges(canvas, all, color, i);
    }
  });
  canvas.addEventListener('mouseleave', () => {
    shown = -1;
    drawRidges(canvas, all, color, -1);
  });
}

function total(e: HistEntry): number {
  let n = 0;
  for (const b of e.buckets) if (b[2] > 0) n += b[2];
  return n;
}

interface RidgeLayout {
  entries: HistEntry[];
  binned: Float64Array[];
  lo: number;
  hi: number;
  left: number;
  plotW: number;
  firstBase: number;
  gap: number;
}

function drawRidges(canvas: HTMLCanvasElement, all: HistEntry[], color: string, highlight: number): RidgeLayout | undefined {
  const cssW = canvas.clientWidth || 400;
  const cssH = 230;
  const dpr = window.devicePixelRatio || 1;
  canvas.width = cssW * dpr;
  canvas.height = cssH * dpr;
  canvas.style.height = `${cssH}px`;
  const ctx = canvas.getContext('2d');
  if (!ctx) return undefined;
  ctx.scale(dpr, dpr);
  const entries = pickEntries(all, MAX_RIDGES);
  let lo = Infinity;
  let hi = -Infinity;
  for (const e of entries) {
    for (const [l, r, c] of e.buckets) {
      if (!Number.isFinite(l) || !Number.isFinite(r) || !(c > 0)) continue;
      lo = Math.min(lo, l);
      hi = Math.max(hi, r);
    }
  }
  if (!(hi > lo)) {
    ctx.fillStyle = '#667085';
    ctx.font = '12px system-ui';
    ctx.fillText('empty histograms', 10, 20);
    return undefined;
  }
  const binned = entries.map((e) => rebin(e.buckets, lo, hi, BINS));
  let peak = 0;
  for (const b of binned) for (const v of b) peak = Math.max(peak, v);
  const left = 8;
  const right = 52;
  const top = 8;
  const bottom = 22;
  const plotW = cssW - left - right;
  const plotH = cssH - top - bottom;
  const n = entries.length;
  const ridgeH = plotH * 0.35;
  const gap = n > 1 ? (plotH - ridgeH) / (n - 1) : 0;
  const xOf = (v: number): number => left + ((v - lo) / (hi - lo)) * plotW;
  const binW = (hi - lo) / BINS;
  ctx.lineWidth = 1;
  ctx.lineJoin = 'round';
  for (let i = 0; i < n; i++) {
    const base = top + ridgeH + i * gap;
    const age = n > 1 ? i / (n - 1) : 1;
    const b = binned[i];
    ctx.beginPath();
    ctx.moveTo(xOf(lo), base);
    for (let k = 0; k < BINS; k++) ctx.lineTo(xOf(lo + (k + 0.5) * binW), base - (peak > 0 ? (b[k] / peak) * ridgeH : 0));
    ctx.lineTo(xOf(hi), base);
    ctx.closePath();
    ctx.fillStyle = i === highlight ? withAlpha('#f59f00', 0.35) : withAlpha(color, 0.05 + 0.25 * age);
    ctx.fill();
    ctx.strokeStyle = i === highlight ? '#e8590c' : withAlpha(color, 0.3 + 0.7 * age);
    ctx.lineWidth = i === highlight ? 1.8 : 1;
    ctx.stroke();
    if (i === 0 || i === n - 1 || (n > 6 && i % Math.ceil(n / 5) === 0 && n - 1 - i > n / 10)) {
      ctx.fillStyle = '#667085';
      ctx.font = '10px system-ui';
      ctx.fillText(String(entries[i].step), cssW - right + 6, base + 3);
    }
  }
  ctx.fillStyle = '#667085';
  ctx.font = '10px system-ui';
  for (let k = 0; k <= 4; k++) {
    const v = lo + ((hi - lo) * k) / 4;
    const label = formatTick(v);
    const w = ctx.measureText(label).width;
    ctx.fillText(label, Math.min(Math.max(xOf(v) - w / 2, 0), cssW - right - w), cssH - 6);
  }
  return { entries, binned, lo, hi, left, plotW, firstBase: top + ridgeH, gap };
}

type DistRow = [number, number, Array<[number, number]>];

export class DistributionsTab implements Tab {
  private shown = '';
  readonly el = h('div', { class: 'tab-body', id: 'distributions' });
  private tags = new Map<string, string[]>();
  private readonly cache = new Map<string, DistRow[]>();
  private plots: uPlot[] = [];

  constructor(private readonly data: DataClient, private readonly state: ViewerState) {}

  count(): number {
    return this.tags.size;
  }

  async refresh(): Promise<void> {
    // Distributions are derived from histograms; TensorBoard lists the same tags for both.
    let tags: Record<string, Record<string, unknown>>;
    try {
      tags = await this.data.json('plugin/distributions/tags');
    } catch {
      tags = await this.data.json('plugin/histograms/tags');
    }
    this.tags = tagsByRun(tags, this.state.runs);
    await loadShownSeries(this.tags, this.state, this.cache, async (run, tag) =>
      (await this.data.json<unknown[]>('plugin/distributions/distributions', { run, tag })).map((row): DistRow => {
        const r = row as [unknown, unknown, Array<[unknown, unknown]>];
        return [tbNumber(r[0]), tbNumber(r[1]), (r[2] ?? []).map((p) => [tbNumber(p[0]), tbNumber(p[1])] as [number, number])];
      }));
    const fp = shownFingerprint(this.state, this.cache, (e) => e[1]);
    if (fp === this.shown) return;
    this.shown = fp;
    this.redraw();
  }

  redraw(): void {
    for (const p of this.plots) p.destroy();
    this.plots = [];
    clear(this.el);
    const visible = new Set(this.state.visibleRuns());
    const grid = h('div', { class: 'grid' });
    this.el.append(grid);
    for (const [tag, runs] of this.tags) {
      if (!this.state.tagMatches(tag)) continue;
      for (const run of runs) {
        const rows = this.cache.get(`${run}\u0000${tag}`);
        if (!visible.has(run) || !rows || rows.length === 0) continue;
        const host = h('div', { class: 'plot' });
        grid.append(h('div', { class: 'card', 'data-tag': tag, 'data-run': run },
          h('div', { class: 'card-head' }, h('span', { class: 'swatch', style: `background:${this.state.colors.get(run)}` }),
            h('span', { class: 'card-title' }, tagLabel(tag)), h('span', { class: 'spacer' }), h('span', { class: 'muted small' }, run)),
          host));
        const color = this.state.colors.get(run);
        requestAnimationFrame(() => this.plots.push(distPlot(host, rows, color)));
      }
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
