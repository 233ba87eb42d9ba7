// The Histograms tab, both of TensorBoard's modes drawn on a canvas: offset (a "ridgeline" over
// steps, newest in front) and overlay (every step on one set of axes, older steps fainter), a
// toggle between them kept across reloads, and a tooltip in both saying which step and bin the
// pointer is on. The counts are rebinned by hist-math.ts (tested under Node).
import './dashboards.css';
import { h, clear } from '../lib/dom.js';
import { tbNumber } from '../lib/tb-values.js';
import { withAlpha } from '../lib/colors.js';
import { axisWidth, formatTick } from '../lib/format.js';
import type { DataClient } from './data.js';
import type { ViewerState } from './state.js';
import { CardPages, shownFingerprint, tagsByRun, type Tab } from './tab.js';
import { tagLabel } from './names.js';
import { binOf, extent, overlayPick, pickEvenly, rebin, type Buckets } from './hist-math.js';

interface HistEntry { wall: number; step: number; buckets: Buckets }
export type HistMode = 'offset' | 'overlay';

const MAX_RIDGES = 50;
const BINS = 40;
const HEIGHT = 230;
const MODE_KEY = 'vizjobs.viewer.histogramMode';
const HIGHLIGHT = '#e8590c';

function loadMode(): HistMode {
  try {
    return localStorage.getItem(MODE_KEY) === 'overlay' ? 'overlay' : 'offset';
  } catch {
    return 'offset';
  }
}

export class HistogramsTab implements Tab {
  private shown = '';
  readonly el = h('div', { class: 'tab-body', id: 'histograms' });
  private readonly cards = h('div', { class: 'hist-cards' });
  private readonly toolbar: HTMLElement;
  private tags = new Map<string, string[]>();
  private readonly cache = new Map<string, HistEntry[]>();
  private mode: HistMode = loadMode();
  private readonly modeButtons = new Map<HistMode, HTMLButtonElement>();
  private readonly pages = new CardPages(() => void this.refresh().catch(() => undefined));

  constructor(private readonly data: DataClient, private readonly state: ViewerState) {
    const seg = h('div', { class: 'segmented hist-mode', role: 'radiogroup', 'aria-label': 'Histogram mode' });
    for (const [m, label, title] of [['offset', 'Offset', 'One ridge per step, newest in front'], ['overlay', 'Overlay', 'Every step on the same axes, older steps fainter']] as const) {
      const b = h('button', { type: 'button', 'data-mode': m, role: 'radio', title }, label);
      b.addEventListener('click', () => this.setMode(m));
      this.modeButtons.set(m, b);
      seg.append(b);
    }
    this.toolbar = h('div', { class: 'media-toolbar hist-toolbar' }, h('span', { class: 'image-setting' }, 'Histogram mode'), seg);
    this.el.append(this.toolbar, this.cards);
    this.syncMode();
  }

  private syncMode(): void {
    for (const [m, b] of this.modeButtons) {
      b.classList.toggle('on', m === this.mode);
      b.setAttribute('aria-checked', String(m === this.mode));
    }
  }

  setMode(mode: HistMode): void {
    if (mode === this.mode) return;
    this.mode = mode;
    try {
      localStorage.setItem(MODE_KEY, mode);
    } catch {
      /* private mode: the choice lasts for this page */
    }
    this.syncMode();
    this.redraw();
  }

  count(): number {
    return this.tags.size;
  }

  async refreshCount(): Promise<void> {
    this.tags = tagsByRun(await this.data.json('plugin/histograms/tags'), this.state.runs);
  }

  async refresh(): Promise<void> {
    await this.refreshCount();
    await this.pages.load(this.tags, this.state, this.cache, async (run, tag) =>
      (await this.data.json<unknown[]>('plugin/histograms/histograms', { run, tag })).map(parseHist));
    const fp = shownFingerprint(this.state, this.pages, this.cache, (e) => e.step);
    if (fp === this.shown) return;
    this.shown = fp;
    this.redraw();
  }

  redraw(): void {
    clear(this.cards);
    const all = this.pages.all(this.tags, this.state);
    const grid = h('div', { class: 'grid' });
    for (const { tag, run } of this.pages.current(all)) {
      const entries = this.cache.get(`${run}\u0000${tag}`);
      if (!entries) continue;
      const canvas = h('canvas', { class: 'ridge', 'data-mode': this.mode });
      const tip = h('div', { class: 'tip hist-tip', hidden: true });
      const label = h('div', { class: 'ridge-label muted small' });
      grid.append(h('div', { class: 'card', 'data-tag': tag, 'data-run': run },
        h('div', { class: 'card-head' }, h('span', { class: 'swatch', style: `background:${this.state.colors.get(run)}` }),
          h('span', { class: 'card-title' }, tagLabel(tag)), h('span', { class: 'spacer' }), h('span', { class: 'muted small' }, `${run} · ${entries.length} steps`)),
        h('div', { class: 'plot-wrap' }, canvas, tip), label));
      const mode = this.mode;
      requestAnimationFrame(() => hoverHistograms(canvas, label, tip, entries, this.state.colors.get(run), mode));
    }
    this.toolbar.hidden = grid.childElementCount === 0;
    if (grid.childElementCount) this.cards.append(this.pages.pager(all.length), grid, this.pages.pager(all.length));
    else this.cards.append(h('div', { class: 'empty' }, 'No histograms for the selected runs and tags.'));
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

function total(e: HistEntry): number {
  let n = 0;
  for (const b of e.buckets) if (b[2] > 0) n += b[2];
  return n;
}

/** What a drawing holds, for the pointer: the steps drawn, their bins, and where the plot is. */
interface Layout {
  entries: HistEntry[];
  binned: Float64Array[];
  lo: number;
  hi: number;
  left: number;
  plotW: number;
  /** Offset: the baseline of the first ridge and the gap between ridges. */
  firstBase: number;
  gap: number;
  /** Overlay: the baseline and the height of the largest count. */
  base: number;
  peak: number;
  plotH: number;
}

/** Draws the histograms and, under the pointer, picks out one step and says what it holds. */
function hoverHistograms(canvas: HTMLCanvasElement, label: HTMLElement, tip: HTMLElement, all: HistEntry[], color: string, mode: HistMode): void {
  const draw = mode === 'overlay' ? drawOverlay : drawRidges;
  const layout = draw(canvas, all, color, -1);
  if (!layout) return;
  canvas.dataset.steps = String(layout.entries.length);
  label.textContent = mode === 'overlay' ? `${layout.entries.length} steps overlaid, older fainter · hover a line to read its step.` : 'Hover a ridge to read its step.';
  let shown = -1;
  canvas.addEventListener('mousemove', (ev) => {
    const rect = canvas.getBoundingClientRect();
    const y = ev.clientY - rect.top;
    const x = ev.clientX - rect.left;
    const v = layout.lo + ((x - layout.left) / layout.plotW) * (layout.hi - layout.lo);
    const k = binOf(v, layout.lo, layout.hi, BINS);
    const i = mode === 'overlay'
      ? overlayPick(layout.binned, k, ((layout.base - y) / layout.plotH) * layout.peak)
      : Math.min(layout.entries.length - 1, Math.max(0, Math.round((y - layout.firstBase) / (layout.gap || 1))));
    const e = layout.entries[i];
    const width = (layout.hi - layout.lo) / BINS;
    label.textContent = `step ${e.step} · near ${formatTick(v)}: ${formatTick(layout.binned[i][k])} of ${formatTick(total(e))} values`;
    tip.replaceChildren(h('table', {},
      h('tr', {}, h('th', {}, 'Step'), h('td', { class: 'num hist-tip-step' }, String(e.step))),
      h('tr', {}, h('th', {}, 'Bin'), h('td', { class: 'num' }, `${formatTick(layout.lo + k * width)} … ${formatTick(layout.lo + (k + 1) * width)}`)),
      h('tr', {}, h('th', {}, 'Count'), h('td', { class: 'num' }, formatTick(layout.binned[i][k]))),
      h('tr', {}, h('th', {}, 'Total'), h('td', { class: 'num' }, formatTick(total(e))))));
    tip.hidden = false;
    // In the quarter away from the pointer, so the curve it reads stays in sight.
    const w = tip.offsetWidth;
    const th = tip.offsetHeight;
    tip.style.left = `${Math.max(0, Math.min(x > rect.width / 2 ? x - 14 - w : x + 14, rect.width - w))}px`;
    tip.style.top = `${Math.max(0, y > HEIGHT / 2 ? y - 10 - th : y + 10)}px`;
    if (i !== shown) {
      shown = i;
      draw(canvas, all, color, i);
    }
  });
  canvas.addEventListener('mouseleave', () => {
    shown = -1;
    tip.hidden = true;
    draw(canvas, all, color, -1);
  });
}

/** Sizes the canvas for the device and returns its context in CSS pixels. */
function prepare(canvas: HTMLCanvasElement): { ctx: CanvasRenderingContext2D; w: number; muted: string } | undefined {
  const w = canvas.clientWidth || 400;
  const dpr = window.devicePixelRatio || 1;
  canvas.width = w * dpr;
  canvas.height = HEIGHT * dpr;
  canvas.style.height = `${HEIGHT}px`;
  const ctx = canvas.getContext('2d');
  if (!ctx) return undefined;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const muted = getComputedStyle(canvas).getPropertyValue('--muted').trim() || '#667085';
  return { ctx, w, muted };
}

function binnedSteps(all: HistEntry[]): { entries: HistEntry[]; binned: Float64Array[]; lo: number; hi: number; peak: number } | undefined {
  const entries = pickEvenly(all, MAX_RIDGES);
  const ext = extent(entries.map((e) => e.buckets));
  if (!ext) return undefined;
  const [lo, hi] = ext;
  const binned = entries.map((e) => rebin(e.buckets, lo, hi, BINS));
  let peak = 0;
  for (const b of binned) for (const v of b) peak = Math.max(peak, v);
  return { entries, binned, lo, hi, peak };
}

function xLabels(ctx: CanvasRenderingContext2D, lo: number, hi: number, xOf: (v: number) => number, right: number, w: number, muted: string): void {
  ctx.fillStyle = muted;
  ctx.font = '10px system-ui';
  for (let k = 0; k <= 4; k++) {
    const v = lo + ((hi - lo) * k) / 4;
    const label = formatTick(v);
    const lw = ctx.measureText(label).width;
    ctx.fillText(label, Math.min(Math.max(xOf(v) - lw / 2, 0), w - right - lw), HEIGHT - 6);
  }
}

function empty(ctx: CanvasRenderingContext2D, muted: string): undefined {
  ctx.fillStyle = muted;
  ctx.font = '12px system-ui';
  ctx.fillText('empty histograms', 10, 20);
  return undefined;
}

/**
 * What both modes draw on: the canvas sized, every step binned on one value axis, the plot's
 * margins (`top` differs by mode) and its x scale; undefined when nothing is to be drawn (an
 * empty set says so on the canvas).
 */
function plotFrame(canvas: HTMLCanvasElement, all: HistEntry[], top: number) {
  const p = prepare(canvas);
  if (!p) return undefined;
  const { ctx, w: cssW, muted } = p;
  const b = binnedSteps(all);
  if (!b) return empty(ctx, muted);
  const { lo, hi } = b;
  const left = 8;
  const right = 52;
  const bottom = 22;
  const plotW = cssW - left - right;
  const plotH = HEIGHT - top - bottom;
  const xOf = (v: number): number => left + ((v - lo) / (hi - lo)) * plotW;
  return { ...b, ctx, cssW, muted, left, right, top, plotW, plotH, xOf, binW: (hi - lo) / BINS };
}

function drawRidges(canvas: HTMLCanvasElement, all: HistEntry[], color: string, highlight: number): Layout | undefined {
  const f = plotFrame(canvas, all, 8);
  if (!f) return undefined;
  const { ctx, cssW, muted, entries, binned, lo, hi, peak, left, right, top, plotW, plotH, xOf, binW } = f;
  const n = entries.length;
  const ridgeH = plotH * 0.35;
  const gap = n > 1 ? (plotH - ridgeH) / (n - 1) : 0;
  ctx.lineJoin = 'round';
  for (let i = 0; i < n; i++) {
    const base = top + ridgeH + i * gap;
    const age = n > 1 ? i / (n - 1) : 1;
    const bins = binned[i];
    ctx.beginPath();
    ctx.moveTo(xOf(lo), base);
    for (let k = 0; k < BINS; k++) ctx.lineTo(xOf(lo + (k + 0.5) * binW), base - (peak > 0 ? (bins[k] / peak) * ridgeH : 0));
    ctx.lineTo(xOf(hi), base);
    ctx.closePath();
    ctx.fillStyle = i === highlight ? withAlpha('#f59f00', 0.35) : withAlpha(color, 0.05 + 0.25 * age);
    ctx.fill();
    ctx.strokeStyle = i === highlight ? HIGHLIGHT : withAlpha(color, 0.3 + 0.7 * age);
    ctx.lineWidth = i === highlight ? 1.8 : 1;
    ctx.stroke();
    if (i === 0 || i === n - 1 || (n > 6 && i % Math.ceil(n / 5) === 0 && n - 1 - i > n / 10)) {
      ctx.fillStyle = muted;
      ctx.font = '10px system-ui';
      ctx.fillText(String(entries[i].step), cssW - right + 6, base + 3);
    }
  }
  xLabels(ctx, lo, hi, xOf, right, cssW, muted);
  return { entries, binned, lo, hi, left, plotW, firstBase: top + ridgeH, gap, base: 0, peak, plotH };
}

/**
 * TensorBoard's overlay mode: every step's histogram on one count axis, oldest drawn first and
 * faintest, the newest on top in the run's full colour; the hovered step stands out.
 */
function drawOverlay(canvas: HTMLCanvasElement, all: HistEntry[], color: string, highlight: number): Layout | undefined {
  const f = plotFrame(canvas, all, 10);
  if (!f) return undefined;
  const { ctx, cssW, muted, entries, binned, lo, hi, peak, left, right, top, plotW, plotH, xOf, binW } = f;
  const base = top + plotH;
  const n = entries.length;
  const yOf = (c: number): number => base - (peak > 0 ? (c / peak) * plotH : 0);
  const css = getComputedStyle(canvas);
  const grid = css.getPropertyValue('--chart-grid').trim() || css.getPropertyValue('--line').trim() || '#e3e6eb';
  ctx.font = '10px system-ui';
  for (let t = 0; t <= 3; t++) {
    const c = (peak * t) / 3;
    const y = Math.round(yOf(c)) + 0.5;
    ctx.strokeStyle = grid;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(left, y);
    ctx.lineTo(left + plotW, y);
    ctx.stroke();
    ctx.fillStyle = muted;
    ctx.fillText(formatTick(c), cssW - right + 6, y + 3);
  }
  const path = (i: number): void => {
    ctx.beginPath();
    for (let k = 0; k < BINS; k++) {
      const x = xOf(lo + (k + 0.5) * binW);
      const y = yOf(binned[i][k]);
      if (k === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    }
  };
  ctx.lineJoin = 'round';
  for (let i = 0; i < n; i++) {
    const age = n > 1 ? i / (n - 1) : 1;
    path(i);
    ctx.strokeStyle = withAlpha(color, 0.12 + 0.88 * age * age);
    ctx.lineWidth = i === n - 1 ? 1.8 : 1.1;
    ctx.stroke();
  }
  if (highlight >= 0 && highlight < n) {
    path(highlight);
    ctx.strokeStyle = HIGHLIGHT;
    ctx.lineWidth = 2.2;
    ctx.stroke();
  }
  ctx.fillStyle = muted;
  ctx.fillText(`steps ${entries[0].step}–${entries[n - 1].step}`, left + 4, top + 10);
  xLabels(ctx, lo, hi, xOf, right, cssW, muted);
  return { entries, binned, lo, hi, left, plotW, firstBase: 0, gap: 0, base, peak, plotH };
}
