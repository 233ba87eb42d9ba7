// One scalar chart: a tag's series for every visible run. uPlot draws the axes, grid and cursor and
// owns the drag; the runs' lines are painted by this module in uPlot's draw hook, so showing or
// hiding one of 1,000 runs changes a list and repaints, never rebuilds a chart of 2,000 series.
// Invariants:
// - Work per run is cached on the run's series object: x values per axis, the smoothed values per
//   weight (shared by every chart showing the same series: a pinned copy smooths nothing again),
//   and the pixel reduction per range and width (lib/pixel-reduce.ts: even a 1,000,000-point run
//   hands the canvas a few thousand points, its envelope intact).
// - Zoom (x, y or both, from a box drag) belongs to the person: toggling runs, new data, smoothing
//   keep it; only double-click or the reset button drop it (and a change of x axis, whose units differ).
// - The tooltip and legend name the N runs nearest the cursor, never all of them: their height does
//   not depend on the number of runs.
import uPlot from 'uplot';
import { smoothDebiased } from '../lib/smooth.js';
import { marksToIndices, nearestIndex, pixelMarks, type PixelMarks } from '../lib/pixel-reduce.js';
import { hashName, withAlpha } from '../lib/colors.js';
import { LineRaster, packColor } from '../lib/line-raster.js';
import { axisWidth, formatRelative, formatTick, formatValue, formatWall } from '../lib/format.js';
import { extentIn, padded, quantileRange } from '../lib/y-range.js';
import { h, clear } from '../lib/dom.js';
import type { TooltipSort, ViewerState, XAxis } from './state.js';
import { chartInk, themeEpoch } from '../lib/theme.js';

export interface ScalarSeries {
  wall: Float64Array;
  step: Float64Array;
  value: Float64Array;
}

export interface ChartStats {
  tag: string;
  visibleRuns: string[];
  runs: Record<string, { points: number; drawn: number; lastValue: number | null; lastSmoothed: number | null }>;
  zoomed: boolean;
  zoom: { x?: [number, number]; y?: [number, number] };
  /** What the axes show now. */
  xRange: [number, number];
  yRange: [number, number];
  /** Milliseconds of the last full render (prepare + paint) and of the last repaint alone. */
  renderMs: number;
  refreshMs: number;
  renders: number;
  paints: number;
  /** The grid colour the chart was built with (chartInk: the palette shown then). */
  grid: string;
}

/** How many runs the tooltip and the hover legend name. */
export const NEAREST = 8;
/** Most runs shown whose raw line is drawn faintly under the smoothed one; past it, layered drawing. */
const RAW_UNDER_SMOOTHED_MAX = 100;
/** Canvases the runs' lines are spread over when many runs are shown (plus one for the hover). */
const LAYERS = 8;
const DEFAULT_HEIGHT = 210;
/** The pixels every chart's layers are drawn into, one layer at a time (painting is synchronous). */
const RASTER = new LineRaster();
const COLOR_WORDS = new Map<string, number>();
function colorWord(hex: string): number {
  let c = COLOR_WORDS.get(hex);
  if (c === undefined) {
    c = packColor(hex);
    COLOR_WORDS.set(hex, c);
  }
  return c;
}

/** A canvas of run lines; `sig` (the frame: ranges, size, smoothing) and `runs`/`colors` say what it shows. */
interface Layer {
  canvas: HTMLCanvasElement;
  ctx: CanvasRenderingContext2D;
  sig: string;
  runs: string[];
  colors: string[];
}

interface Prepared {
  run: string;
  color: string;
  src: ScalarSeries;
  xs: Float64Array;
  /** Raw and smoothed values as drawn (non-positive values gone on a log axis). */
  raw: Float64Array;
  smoothed: Float64Array;
  drawn: number;
}

// ---- caches on the series objects (shared by every chart) ----------------------------------------

const xCache = new WeakMap<ScalarSeries, Map<XAxis, Float64Array>>();
const smoothCache = new WeakMap<ScalarSeries, { weight: number; smoothed: Float64Array }>();
const logCache = new WeakMap<Float64Array, Float64Array>();

function xsOf(src: ScalarSeries, axis: XAxis): Float64Array {
  let m = xCache.get(src);
  if (!m) xCache.set(src, (m = new Map()));
  let xs = m.get(axis);
  if (!xs) m.set(axis, (xs = xValues(src, axis)));
  return xs;
}

function smoothedOf(src: ScalarSeries, weight: number): Float64Array {
  const c = smoothCache.get(src);
  if (c && c.weight === weight) return c.smoothed;
  // The same series re-smoothed reuses its array: a 1M-point redraw then allocates nothing big.
  const smoothed = smoothDebiased(src.value, weight, c?.smoothed);
  smoothCache.set(src, { weight, smoothed });
  logCache.delete(smoothed);
  return smoothed;
}

function positiveOf(v: Float64Array): Float64Array {
  let p = logCache.get(v);
  if (!p) logCache.set(v, (p = positiveOnly(v)));
  return p;
}

export class ScalarChart {
  private u: uPlot | undefined;
  private readonly series = new Map<string, ScalarSeries>();
  /** Pixel marks per run, reused while the series, range and width stay. */
  private readonly markCache = new Map<string, { raw: Float64Array; smoothed: Float64Array; key: string; idx: Uint32Array }>();
  private prepared: Prepared[] = [];
  private zoomX: [number, number] | undefined;
  private zoomY: [number, number] | undefined;
  private xRange: [number, number] = [0, 1];
  private yRange: [number, number] = [0, 1];
  private structure = '';
  /** The ranges and size the axes were last laid out for. */
  private lastRanges = '';
  private readonly resize: ResizeObserver;
  private width = 0;
  private height = DEFAULT_HEIGHT;
  private renderMs = 0;
  private refreshMs = 0;
  private pendingRender = 0;
  private paintStart = 0;
  private renders = 0;
  private paints = 0;
  private hovering: string[] = [];
  private legendOpen = false;

  constructor(
    private readonly host: HTMLElement,
    readonly tag: string,
    private readonly state: ViewerState,
    private readonly tooltip: HTMLElement,
    /** Where the chart names its runs (collapsed: a few, or the ones under the cursor). */
    private readonly legend?: HTMLElement,
  ) {
    this.resize = new ResizeObserver(() => {
      const w = this.host.clientWidth;
      if (w > 0 && Math.abs(w - this.width) > 2) {
        this.width = w;
        if (this.u) {
          this.u.setSize({ width: w, height: this.height });
          this.repaint();
        }
      }
    });
    this.resize.observe(host);
  }

  setSeries(run: string, s: ScalarSeries): void {
    this.series.set(run, s);
  }

  getSeries(run: string): ScalarSeries | undefined {
    return this.series.get(run);
  }

  /** A fullscreen card is taller; back to the default with undefined. */
  setHeight(px: number | undefined): void {
    this.height = Math.max(120, Math.floor(px ?? DEFAULT_HEIGHT));
    this.width = this.host.clientWidth || this.width;
    if (this.u) {
      this.u.setSize({ width: this.width, height: this.height });
      this.repaint();
    }
  }

  /** Recomputes what is shown from the settings, selection and series, then paints. */
  render(): void {
    const t0 = performance.now();
    const { smoothing, xAxis, logScale } = this.state.settings;
    const visible = this.state.visibleRuns().filter((r) => this.series.has(r));
    this.prepared = visible.map((run) => {
      const src = this.series.get(run) as ScalarSeries;
      const xs = xsOf(src, xAxis);
      let smoothed = smoothing > 0 ? smoothedOf(src, smoothing) : src.value;
      let raw = src.value;
      if (logScale) {
        raw = positiveOf(raw);
        smoothed = positiveOf(smoothed);
      }
      return { run, color: this.state.colors.get(run), src, xs, raw, smoothed, drawn: 0 };
    });
    const structure = `${xAxis}|${logScale}|${themeEpoch}`;
    // The ResizeObserver keeps the width: reading clientWidth here forced a layout per card (each
    // card's legend was just rewritten), 6 layouts per input.
    this.width = this.width || this.host.clientWidth || 400;
    if (structure !== this.structure) {
      // Another x axis has other units: a zoom in steps means nothing in seconds.
      if (this.structure && this.structure.split('|')[0] !== xAxis) this.zoomX = undefined;
      if (this.structure && this.structure.split('|')[1] !== String(logScale)) this.zoomY = undefined;
      this.structure = structure;
      this.build(xAxis, logScale);
    }
    this.pendingRender = t0;
    this.renders++;
    this.repaint();
    this.renderLegend();
  }

  resetZoom(): void {
    this.zoomX = undefined;
    this.zoomY = undefined;
    this.repaint();
  }

  /** Zoom to a box in data units (either axis may be left as is). */
  zoomTo(x: [number, number] | undefined, y: [number, number] | undefined): void {
    if (x && x[1] > x[0]) this.zoomX = x;
    if (y && y[1] > y[0]) this.zoomY = y;
    this.repaint();
  }

  private grid = '';

  stats(): ChartStats {
    const runs: ChartStats['runs'] = {};
    for (const p of this.prepared) {
      const n = p.src.value.length;
      runs[p.run] = {
        points: n,
        drawn: p.drawn,
        lastValue: n ? finiteOrNull(p.src.value[n - 1]) : null,
        lastSmoothed: n ? finiteOrNull(p.smoothed[n - 1]) : null,
      };
    }
    return {
      tag: this.tag, visibleRuns: this.prepared.map((p) => p.run), runs,
      zoomed: this.zoomX !== undefined || this.zoomY !== undefined,
      zoom: { x: this.zoomX, y: this.zoomY }, xRange: this.xRange, yRange: this.yRange,
      renderMs: this.renderMs, refreshMs: this.refreshMs, renders: this.renders, paints: this.paints, grid: this.grid,
    };
  }

  destroy(): void {
    this.resize.disconnect();
    this.u?.destroy();
    this.u = undefined;
  }

  // ---- ranges ------------------------------------------------------------------------------------

  private extent(): [number, number] {
    let lo = Infinity;
    let hi = -Infinity;
    for (const p of this.prepared) {
      if (p.xs.length === 0) continue;
      lo = Math.min(lo, p.xs[0]);
      hi = Math.max(hi, p.xs[p.xs.length - 1]);
    }
    if (!(lo <= hi)) return [0, 1];
    // One x value (e.g. an hparams metric): a band around it.
    return lo === hi ? [lo - 1, hi + 1] : [lo, hi];
  }

  private computeRanges(): void {
    const log = this.state.settings.logScale;
    this.xRange = this.zoomX ?? this.extent();
    if (this.zoomY) {
      this.yRange = this.zoomY;
      return;
    }
    const [x0, x1] = this.xRange;
    const smoothOn = this.state.settings.smoothing > 0;
    let r: [number, number] | undefined;
    if (this.state.settings.ignoreOutliers) {
      r = quantileRange(this.prepared.map((p) => ({ xs: p.xs, ys: [p.raw] })), x0, x1, log);
    } else {
      let lo = Infinity;
      let hi = -Infinity;
      for (const p of this.prepared) {
        const e = extentIn({ xs: p.xs, ys: smoothOn ? [p.raw, p.smoothed] : [p.raw] }, x0, x1, log);
        if (e) { lo = Math.min(lo, e[0]); hi = Math.max(hi, e[1]); }
      }
      if (lo <= hi) r = [lo, hi];
    }
    this.yRange = padded(r ?? (log ? [1, 10] : [0, 1]), log);
  }

  /** New ranges and a new paint from what is prepared (zoom, resize, render). */
  private repaint(): void {
    if (!this.u) return;
    this.computeRanges();
    this.paintStart = performance.now();
    const u = this.u;
    const ranges = `${this.xRange}|${this.yRange}|${this.width}|${this.height}`;
    if (ranges === this.lastRanges) {
      // Same axes (e.g. a run toggled inside the zoom): repaint the lines, keep the axes' ticks.
      u.redraw(false, false);
      return;
    }
    this.lastRanges = ranges;
    u.batch(() => {
      u.setScale('x', { min: this.xRange[0], max: this.xRange[1] });
      u.setScale('y', { min: this.yRange[0], max: this.yRange[1] });
    });
    u.redraw(false, true);
  }

  // ---- uPlot: axes, cursor, drag ---------------------------------------------------------------

  private build(xAxis: XAxis, logScale: boolean): void {
    this.u?.destroy();
    this.layers = [];
    clear(this.host);
    const ink = chartInk();
    this.grid = ink.grid;
    const axisStyle = { stroke: ink.axis, grid: { stroke: ink.grid, width: 1 }, ticks: { stroke: ink.tick, width: 1, size: 4 }, font: '11px system-ui, sans-serif' };
    const opts: uPlot.Options = {
      width: this.width,
      height: this.height,
      legend: { show: false },
      padding: [8, 10, 0, 0],
      cursor: {
        // A box in any direction; a nearly flat drag zooms x only, a nearly vertical one y only.
        drag: { x: true, y: true, uni: 12, setScale: false },
        points: { show: false },
        bind: { dblclick: () => null },
      },
      scales: {
        x: { time: xAxis === 'wall', auto: false, range: () => this.xRange },
        y: logScale ? { distr: 3, auto: false, range: () => this.yRange } : { auto: false, range: () => this.yRange },
      },
      axes: [
        { ...axisStyle, size: xAxis === 'wall' ? 44 : 30, values: xAxis === 'relative' ? (_u, vals) => vals.map((v) => formatRelative(v)) : xAxis === 'step' ? (_u, vals) => vals.map((v) => formatTick(v)) : undefined },
        { ...axisStyle, ticks: { show: false }, size: (_u, vals) => axisWidth(vals), values: (_u, vals) => vals.map((v) => formatTick(v)) },
      ],
      // One invisible series: uPlot needs one to lay out; the runs are painted in the draw hook.
      series: [{}, { stroke: 'transparent', points: { show: false } }],
      hooks: {
        draw: [(u) => this.paint(u)],
        setSelect: [(u) => this.onSelect(u)],
        setCursor: [(u) => this.hover(u)],
      },
    };
    this.computeRanges();
    this.lastRanges = '';
    this.u = new uPlot(opts, [[this.xRange[0], this.xRange[1]], [null, null]], this.host);
    this.u.over.addEventListener('dblclick', () => this.resetZoom());
    this.u.over.addEventListener('mouseleave', () => this.endHover());
  }

  private onSelect(u: uPlot): void {
    const s = u.select;
    if (s.width < 3 && s.height < 3) return;
    const fullW = u.over.clientWidth;
    const fullH = u.over.clientHeight;
    const x: [number, number] | undefined = s.width >= fullW - 1 ? undefined : [u.posToVal(s.left, 'x'), u.posToVal(s.left + s.width, 'x')];
    const y: [number, number] | undefined = s.height >= fullH - 1 ? undefined : [u.posToVal(s.top + s.height, 'y'), u.posToVal(s.top, 'y')];
    u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
    this.zoomTo(x, y);
  }

  // ---- painting ------------------------------------------------------------------------------------

  /** Canvases over uPlot's for the runs' lines when many runs are shown (see paint), top one for the hover. */
  private layers: Layer[] = [];

  /** The layer canvases, sized like uPlot's (device pixels), created on first use after a build. */
  private layerCanvases(u: uPlot): Layer[] {
    const main = u.ctx.canvas;
    if (this.layers.length === 0 || !this.layers[0].canvas.isConnected) {
      this.layers = [];
      let prev: Element = main;
      for (let i = 0; i <= LAYERS; i++) {
        const canvas = document.createElement('canvas');
        canvas.className = 'run-layer';
        // In order after uPlot's canvas (and under its cursor layer): the last one, the hover's, on top.
        prev.after(canvas);
        prev = canvas;
        const ctx = canvas.getContext('2d');
        if (!ctx) break;
        this.layers.push({ canvas, ctx, sig: '', runs: [], colors: [] });
      }
    }
    for (const l of this.layers) {
      if (l.canvas.width !== main.width || l.canvas.height !== main.height) {
        l.canvas.width = main.width;
        l.canvas.height = main.height;
        l.canvas.style.width = main.style.width;
        l.canvas.style.height = main.style.height;
        l.sig = '';
      }
    }
    return this.layers;
  }

  private paint(u: uPlot): void {
    const { left, top, width, height } = u.bbox;
    const dpr = devicePixelRatio || 1;
    const smoothOn = this.state.settings.smoothing > 0;
    const [x0, x1] = this.xRange;
    const cols = Math.max(50, Math.floor(width / dpr));
    const key = `${x0}|${x1}|${cols}|${this.state.settings.smoothing}`;
    const many = this.prepared.length > 10;
    // Past RAW_UNDER_SMOOTHED_MAX runs the lines go to LAYERS canvases, a run's layer chosen by a
    // hash of its name: a toggle that leaves the axes as they were repaints one layer (an eighth of
    // the lines); the hover highlight has a canvas of its own and repaints no line at all.
    const layered = this.prepared.length > RAW_UNDER_SMOOTHED_MAX;
    const layers = layered ? this.layerCanvases(u) : this.layers;
    let ctx = u.ctx;
    const begin = (c: CanvasRenderingContext2D, clear: boolean): void => {
      ctx = c;
      ctx.save();
      if (clear) ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
      ctx.beginPath();
      ctx.rect(left, top, width, height);
      ctx.clip();
      ctx.lineJoin = 'round';
    };
    const idxOf = (p: Prepared): Uint32Array => {
      // A series of a few points per pixel column or less is drawn whole (the clip trims what a
      // zoom leaves out): no marks to build, one shared index array (most sweeps log ~10 points).
      if (p.xs.length <= cols * 4) return identity(p.xs.length);
      let c = this.markCache.get(p.run);
      if (!c || c.raw !== p.raw || c.smoothed !== p.smoothed || c.key !== key) {
        const marks: PixelMarks[] = [pixelMarks(p.xs, [p.raw], x0, x1, cols)];
        if (smoothOn) marks.push(pixelMarks(p.xs, [p.smoothed], x0, x1, cols));
        c = { raw: p.raw, smoothed: p.smoothed, key, idx: marksToIndices(marks) };
        this.markCache.set(p.run, c);
      }
      return c.idx;
    };
    // The scales' transforms written out (uPlot's valToPos per point was a third of the JS time at
    // 1,000 runs): x is linear (steps, seconds), y linear or log10 (distr 3).
    const [y0, y1] = this.yRange;
    const logY = this.state.settings.logScale;
    const kx = width / (x1 - x0 || 1);
    const ly0 = logY ? Math.log10(y0) : y0;
    const ky = height / ((logY ? Math.log10(y1) : y1) - ly0 || 1);
    const bottom = top + height;
    const xPos = (x: number): number => left + (x - x0) * kx;
    const yPos = logY ? (y: number): number => bottom - (Math.log10(y) - ly0) * ky : (y: number): number => bottom - (y - ly0) * ky;
    const line = (p: Prepared, ys: Float64Array, idx: Uint32Array, stroke: string, w: number): void => {
      ctx.strokeStyle = stroke;
      ctx.lineWidth = w * dpr;
      ctx.beginPath();
      let pen = false;
      for (let j = 0; j < idx.length; j++) {
        const k = idx[j];
        const y = ys[k];
        if (y - y !== 0) { pen = false; continue; }
        const px = xPos(p.xs[k]);
        const py = yPos(y);
        if (pen) ctx.lineTo(px, py);
        else ctx.moveTo(px, py);
        pen = true;
      }
      ctx.stroke();
    };
    const dots = (p: Prepared, ys: Float64Array, idx: Uint32Array): void => {
      ctx.fillStyle = p.color;
      for (let j = 0; j < idx.length; j++) {
        const y = ys[idx[j]];
        if (y - y !== 0) continue;
        ctx.beginPath();
        ctx.arc(xPos(p.xs[idx[j]]), yPos(y), 3 * dpr, 0, Math.PI * 2);
        ctx.fill();
      }
    };
    const indices = this.prepared.map(idxOf);
    const drawRun = (p: Prepared, i: number): void => {
      const ys = smoothOn ? p.smoothed : p.raw;
      line(p, ys, indices[i], p.color, many ? 1 : 1.6);
      // A series of a few points (e.g. an hparams metric) is drawn as dots, or it would not show.
      if (p.src.value.length <= 3 || (!many && p.src.value.length <= 64)) dots(p, ys, indices[i]);
    };
    // The same lines for the layers of many runs, written into pixels (see line-raster.ts).
    const rasterRun = (p: Prepared, i: number): void => {
      const ys = smoothOn ? p.smoothed : p.raw;
      const idx = indices[i];
      RASTER.style(colorWord(p.color), dpr >= 1.5 ? 2 : 1);
      for (let j = 0; j < idx.length; j++) {
        const k = idx[j];
        const y = ys[k];
        if (y - y !== 0) {
          RASTER.lift();
          continue;
        }
        RASTER.lineTo(xPos(p.xs[k]), yPos(y));
      }
      if (p.src.value.length <= 3) for (let j = 0; j < idx.length; j++) RASTER.dot(xPos(p.xs[idx[j]]), yPos(ys[idx[j]]), 3 * dpr);
    };
    this.prepared.forEach((p, i) => { p.drawn = indices[i].length; });
    if (layered) {
      // Many runs are drawn as 1-px lines written into pixels (line-raster.ts: a third of what
      // Skia's anti-aliased hairlines cost) and without the faint raw line under each smoothed
      // one, a grey mush that doubled the work (the tooltip still gives raw values; smoothing 0
      // draws them).
      const frame = `${key}|${this.yRange}|${logY}|${width}x${height}`;
      const members: number[][] = Array.from({ length: LAYERS }, () => []);
      this.prepared.forEach((p, i) => members[hashName(p.run) % LAYERS].push(i));
      members.forEach((list, l) => {
        const layer = layers[l];
        // What the layer holds: the frame, then its runs and their colours in order. Compared in
        // place: joining 1,000 names into one string per repaint cost more than the comparison.
        const same = layer.sig === frame && layer.runs.length === list.length
          && list.every((i, k) => layer.runs[k] === this.prepared[i].run && layer.colors[k] === this.prepared[i].color);
        if (same) return;
        layer.sig = frame;
        layer.runs = list.map((i) => this.prepared[i].run);
        layer.colors = list.map((i) => this.prepared[i].color);
        const { width: cw, height: ch } = layer.canvas;
        if (cw === 0 || ch === 0) return;
        RASTER.begin(cw, ch, left, top, width, height);
        for (const i of list) rasterRun(this.prepared[i], i);
        layer.ctx.putImageData(new ImageData(new Uint8ClampedArray(RASTER.pixels.buffer, 0, cw * ch * 4), cw, ch), 0, 0);
      });
      begin(layers[LAYERS].ctx, true);
    } else {
      for (const l of layers) {
        if (l.sig === '') continue;
        l.ctx.clearRect(0, 0, l.canvas.width, l.canvas.height);
        l.sig = '';
      }
      begin(u.ctx, false);
      if (smoothOn) this.prepared.forEach((p, i) => line(p, p.raw, indices[i], withAlpha(p.color, many ? 0.16 : 0.28), 1));
      this.prepared.forEach(drawRun);
    }
    // The run nearest the cursor drawn again on top, thicker.
    for (const run of this.hovering.slice(0, 1)) {
      const i = this.prepared.findIndex((p) => p.run === run);
      if (i >= 0) line(this.prepared[i], smoothOn ? this.prepared[i].smoothed : this.prepared[i].raw, indices[i], this.prepared[i].color, 2.6);
    }
    ctx.restore();
    const now = performance.now();
    this.paints++;
    this.refreshMs = now - this.paintStart;
    if (this.pendingRender) this.renderMs = now - this.pendingRender;
    this.pendingRender = 0;
  }

  // ---- hover: tooltip and legend -------------------------------------------------------------------

  /** The runs nearest the cursor (by distance on screen at the cursor's x), at most NEAREST. */
  private nearest(u: uPlot, left: number, top: number): Array<{ p: Prepared; j: number; v: number; dist: number; order: number }> {
    const xv = u.posToVal(left, 'x');
    const smoothOn = this.state.settings.smoothing > 0;
    const rows: Array<{ p: Prepared; j: number; v: number; dist: number; order: number }> = [];
    this.prepared.forEach((p, order) => {
      if (p.xs.length === 0) return;
      const j = nearestIndex(p.xs, xv);
      const v = smoothOn ? p.smoothed[j] : p.raw[j];
      const py = Number.isFinite(v) ? u.valToPos(v, 'y') : Infinity;
      rows.push({ p, j, v, dist: Math.abs(py - top), order });
    });
    rows.sort((a, b) => a.dist - b.dist);
    return rows.slice(0, NEAREST);
  }

  private hover(u: uPlot): void {
    const left = u.cursor.left ?? -1;
    const top = u.cursor.top ?? -1;
    if (left < 0 || top < 0 || this.prepared.length === 0) return this.endHover();
    const near = this.nearest(u, left, top);
    const sort: TooltipSort = this.state.settings.tooltipSort;
    const rows = [...near];
    if (sort === 'default') rows.sort((a, b) => a.order - b.order);
    else if (sort === 'ascending') rows.sort((a, b) => orderKey(a.v) - orderKey(b.v));
    else if (sort === 'descending') rows.sort((a, b) => orderKey(b.v) - orderKey(a.v));
    const xAxis = this.state.settings.xAxis;
    const smoothOn = this.state.settings.smoothing > 0;
    clear(this.tooltip);
    const table = h('table', {},
      h('tr', {}, h('th', {}, ''), h('th', {}, 'Run'), smoothOn ? h('th', {}, 'Smoothed') : null, h('th', {}, 'Value'), h('th', {}, 'Step'), h('th', {}, xAxis === 'wall' ? 'Time' : 'Relative')),
      ...rows.map(({ p, j }) => h('tr', { 'data-run': p.run },
        h('td', {}, h('span', { class: 'swatch', style: `background:${p.color}` })),
        h('td', { class: 'run' }, p.run),
        smoothOn ? h('td', { class: 'num' }, formatValue(p.smoothed[j])) : null,
        h('td', { class: 'num' }, formatValue(p.src.value[j])),
        h('td', { class: 'num' }, String(p.src.step[j])),
        h('td', { class: 'num' }, xAxis === 'wall' ? formatWall(p.src.wall[j]) : formatRelative(p.src.wall[j] - p.src.wall[0])),
      )));
    this.tooltip.append(table);
    if (this.prepared.length > rows.length) {
      this.tooltip.append(h('div', { class: 'tip-more' }, `${rows.length} nearest of ${this.prepared.length.toLocaleString()} runs`));
    }
    this.tooltip.hidden = false;
    const hostW = this.host.clientWidth;
    const tipW = this.tooltip.offsetWidth;
    const x = left + 60 + 16 + tipW > hostW ? left + 60 - tipW - 16 : left + 60 + 16;
    this.tooltip.style.left = `${Math.max(0, x)}px`;
    this.tooltip.style.top = `${Math.max(0, top + 30)}px`;
    const nearestRuns = near.map((r) => r.p.run);
    if (nearestRuns[0] !== this.hovering[0]) {
      this.hovering = nearestRuns;
      this.paintStart = performance.now();
      u.redraw(false, false);
    }
    this.hovering = nearestRuns;
    this.renderLegend(near.map((r) => ({ p: r.p, v: r.v })));
  }

  private endHover(): void {
    this.tooltip.hidden = true;
    if (this.hovering.length) {
      this.hovering = [];
      this.u?.redraw(false, false);
      this.renderLegend();
    }
  }

  /**
   * One line under the chart: the runs under the cursor while hovering, else the first few runs and
   * how many more; "more" opens a bounded, scrolling list of them all.
   */
  private renderLegend(under?: Array<{ p: Prepared; v: number }>): void {
    if (!this.legend) return;
    clear(this.legend);
    const smoothOn = this.state.settings.smoothing > 0;
    const item = (p: Prepared, v: number): HTMLElement => h('span', { class: 'legend-item', 'data-run': p.run, title: p.run },
      h('span', { class: 'swatch', style: `background:${p.color}` }), h('span', { class: 'legend-run' }, p.run), h('span', { class: 'legend-value' }, formatValue(v)));
    const lastOf = (p: Prepared): number => {
      const n = p.src.value.length;
      return n ? (smoothOn ? p.smoothed[n - 1] : p.src.value[n - 1]) : NaN;
    };
    this.legend.classList.toggle('hovering', Boolean(under));
    if (under) {
      for (const { p, v } of under.slice(0, 4)) this.legend.append(item(p, v));
      return;
    }
    const n = this.prepared.length;
    const shown = this.legendOpen ? Math.min(n, 500) : Math.min(n, 3);
    const line = h('div', { class: this.legendOpen ? 'legend-list open' : 'legend-list' });
    for (let i = 0; i < shown; i++) line.append(item(this.prepared[i], lastOf(this.prepared[i])));
    this.legend.append(line);
    if (n > 3) {
      const more = h('button', { class: 'ghost small legend-toggle' }, this.legendOpen ? 'less' : `+${(n - 3).toLocaleString()} more`);
      more.addEventListener('click', () => { this.legendOpen = !this.legendOpen; this.renderLegend(); });
      this.legend.append(more);
      if (this.legendOpen && n > shown) line.append(h('span', { class: 'muted small' }, `… and ${(n - shown).toLocaleString()} more (filter the runs to see them)`));
    }
  }
}

let identities = new Uint32Array(0);
/** The last few views handed out, by length: most runs of a sweep have the same length. */
const identityViews = new Map<number, Uint32Array>();

/** 0, 1, …, n − 1: views of one shared array (never written to), grown to the longest asked for. */
function identity(n: number): Uint32Array {
  let v = identityViews.get(n);
  if (v) return v;
  if (identities.length < n) {
    identities = new Uint32Array(Math.max(n, identities.length * 2));
    for (let i = 0; i < identities.length; i++) identities[i] = i;
    identityViews.clear();
  }
  if (identityViews.size >= 16) identityViews.clear();
  v = identities.subarray(0, n);
  identityViews.set(n, v);
  return v;
}

function xValues(s: ScalarSeries, axis: XAxis): Float64Array {
  if (axis === 'step') return ensureSorted(s.step);
  if (axis === 'wall') return ensureSorted(s.wall);
  const t0 = s.wall.length ? s.wall[0] : 0;
  const out = new Float64Array(s.wall.length);
  for (let i = 0; i < out.length; i++) out[i] = s.wall[i] - t0;
  return ensureSorted(out);
}

/** pixelReduce and hovering need ascending x; logs almost always are, so only copy when not. */
function ensureSorted(xs: Float64Array): Float64Array {
  for (let i = 1; i < xs.length; i++) {
    if (xs[i] < xs[i - 1]) {
      const out = Float64Array.from(xs);
      // Keep the pairing with values by sorting nothing else: a rare out-of-order point is clamped
      // so lines stay monotone in x rather than scribbling back.
      for (let j = 1; j < out.length; j++) if (out[j] < out[j - 1]) out[j] = out[j - 1];
      return out;
    }
  }
  return xs;
}

/** A log axis has no place for zero or negatives: they become gaps. */
function positiveOnly(v: Float64Array): Float64Array {
  const out = Float64Array.from(v);
  for (let i = 0; i < out.length; i++) if (!(out[i] > 0)) out[i] = NaN;
  return out;
}

function orderKey(v: number): number {
  return Number.isFinite(v) ? v : -Infinity;
}

function finiteOrNull(v: number | undefined): number | null {
  return v !== undefined && Number.isFinite(v) ? v : null;
}
