// One scalar chart: a tag's series for every visible run, drawn by uPlot. Smoothing runs on the
// full series; only then is each run reduced to the chart's pixel columns (min/max/first/last per
// column, lib/pixel-reduce.ts), so even a 1,000,000-point series hands uPlot a few thousand points.
// Zooming re-reduces the zoomed range from the full series, revealing the detail under it.
import uPlot from 'uplot';
import { smoothDebiased } from '../lib/smooth.js';
import { marksToIndices, nearestIndex, pixelMarks, type PixelMarks } from '../lib/pixel-reduce.js';
import { withAlpha } from '../lib/colors.js';
import { axisWidth, formatRelative, formatTick, formatValue, formatWall } from '../lib/format.js';
import { h, clear } from '../lib/dom.js';
import type { ViewerState, XAxis } from './state.js';
import { chartInk } from '../lib/theme.js';

export interface ScalarSeries {
  wall: Float64Array;
  step: Float64Array;
  value: Float64Array;
}

interface Prepared {
  run: string;
  color: string;
  src: ScalarSeries;
  xs: Float64Array;
  raw: Float64Array;
  smoothed: Float64Array;
  drawn: number;
}

export interface ChartStats {
  tag: string;
  visibleRuns: string[];
  runs: Record<string, { points: number; drawn: number; lastValue: number | null; lastSmoothed: number | null }>;
  zoomed: boolean;
  /** Milliseconds of the last full render (smoothing + reduction + canvas draw) and last zoom/resize redraw. */
  renderMs: number;
  refreshMs: number;
  renders: number;
}

const HEIGHT = 210;

export class ScalarChart {
  private u: uPlot | undefined;
  private readonly series = new Map<string, ScalarSeries>();
  /** x values per run, reused while neither the series nor the axis changed. */
  private readonly xCache = new Map<string, { src: ScalarSeries; axis: XAxis; xs: Float64Array }>();
  /** The raw series' pixel marks per run, reused while the series, range and width stay. */
  private readonly rawMarkCache = new Map<string, { raw: Float64Array; xs: Float64Array; key: string; marks: PixelMarks }>();
  /** Smoothed values per run, reused while neither the series nor the weight changed. */
  private readonly smoothCache = new Map<string, { src: ScalarSeries; weight: number; smoothed: Float64Array }>();
  private prepared: Prepared[] = [];
  private zoom: [number, number] | undefined;
  private structure = '';
  private applying = false;
  private readonly resize: ResizeObserver;
  private width = 0;
  private renderMs = 0;
  private refreshMs = 0;
  /** Start of the render or refresh whose canvas draw (uPlot draws in a microtask) is pending. */
  private pendingRender = 0;
  private pendingRefresh = 0;
  private renders = 0;

  constructor(
    private readonly host: HTMLElement,
    readonly tag: string,
    private readonly state: ViewerState,
    private readonly tooltip: HTMLElement,
    /** Where the chart names its runs with their colours and last values (optional). */
    private readonly legend?: HTMLElement,
  ) {
    this.resize = new ResizeObserver(() => {
      const w = this.host.clientWidth;
      if (w > 0 && Math.abs(w - this.width) > 2) {
        this.width = w;
        if (this.u) {
          this.u.setSize({ width: w, height: HEIGHT });
          this.refreshData();
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

  /** Recomputes everything from the current settings and series, then draws. */
  render(): void {
    const t0 = performance.now();
    this.renderInner();
    this.renderLegend();
    this.renderMs = performance.now() - t0;
    this.pendingRender = t0;
    this.renders++;
  }

  private renderInner(): void {
    const { smoothing, xAxis, logScale } = this.state.settings;
    const visible = this.state.visibleRuns().filter((r) => this.series.has(r));
    this.prepared = visible.map((run) => {
      const src = this.series.get(run) as ScalarSeries;
      let xc = this.xCache.get(run);
      if (!xc || xc.src !== src || xc.axis !== xAxis) {
        xc = { src, axis: xAxis, xs: xValues(src, xAxis) };
        this.xCache.set(run, xc);
      }
      const xs = xc.xs;
      let cached = this.smoothCache.get(run);
      if (!cached || cached.src !== src || cached.weight !== smoothing) {
        // The same series re-smoothed reuses its array: a 1M-point redraw then allocates nothing big.
        const reuse = cached && cached.src === src ? cached.smoothed : undefined;
        cached = { src, weight: smoothing, smoothed: smoothDebiased(src.value, smoothing, reuse) };
        this.smoothCache.set(run, cached);
      }
      let smoothed = cached.smoothed;
      let raw = src.value;
      if (logScale) {
        raw = positiveOnly(raw);
        smoothed = positiveOnly(smoothed);
      }
      return { run, color: this.state.colors.get(run), src, xs, raw, smoothed, drawn: 0 };
    });
    const smoothOn = smoothing > 0;
    const structure = [xAxis, logScale, smoothOn, ...visible].join('\u0000');
    this.width = this.host.clientWidth || this.width || 400;
    if (!this.u || structure !== this.structure) {
      this.structure = structure;
      this.zoom = undefined;
      this.build(smoothOn, xAxis, logScale);
    } else {
      this.refreshData();
    }
  }

  private renderLegend(): void {
    if (!this.legend) return;
    clear(this.legend);
    const smoothOn = this.state.settings.smoothing > 0;
    for (const p of this.prepared) {
      const n = p.src.value.length;
      const last = n ? (smoothOn ? p.smoothed[n - 1] : p.src.value[n - 1]) : NaN;
      this.legend.append(h('span', { class: 'legend-item', title: `${p.run}: ${n.toLocaleString()} points, last step ${n ? p.src.step[n - 1] : '—'}` },
        h('span', { class: 'swatch', style: `background:${p.color}` }), h('span', { class: 'legend-run' }, p.run), h('span', { class: 'legend-value' }, formatValue(last))));
    }
  }

  resetZoom(): void {
    this.zoom = undefined;
    this.refreshData();
  }

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
    return { tag: this.tag, visibleRuns: this.prepared.map((p) => p.run), runs, zoomed: this.zoom !== undefined, renderMs: this.renderMs, refreshMs: this.refreshMs, renders: this.renders };
  }

  destroy(): void {
    this.resize.disconnect();
    this.u?.destroy();
    this.u = undefined;
  }

  private extent(): [number, number] {
    let lo = Infinity;
    let hi = -Infinity;
    for (const p of this.prepared) {
      if (p.xs.length === 0) continue;
      lo = Math.min(lo, p.xs[0]);
      hi = Math.max(hi, p.xs[p.xs.length - 1]);
    }
    return lo <= hi ? [lo, hi] : [0, 1];
  }

  /** uPlot's aligned table: the union of every run's kept x values, null where a run has none. */
  private assemble(range: [number, number]): uPlot.AlignedData {
    const smoothOn = this.state.settings.smoothing > 0;
    const cols = Math.max(50, Math.floor(this.width));
    const key = `${range[0]}|${range[1]}|${cols}`;
    const kept = this.prepared.map((p) => {
      let raw = this.rawMarkCache.get(p.run);
      if (!raw || raw.raw !== p.raw || raw.xs !== p.xs || raw.key !== key) {
        // A new range (zoom, resize) or new data: reduce the raw series again and keep its marks,
        // so a smoothing change at this range only reduces the re-smoothed series.
        raw = { raw: p.raw, xs: p.xs, key, marks: pixelMarks(p.xs, [p.raw], range[0], range[1], cols) };
        this.rawMarkCache.set(p.run, raw);
      }
      const idx = smoothOn ? marksToIndices([raw.marks, pixelMarks(p.xs, [p.smoothed], range[0], range[1], cols)]) : marksToIndices([raw.marks]);
      p.drawn = idx.length;
      return idx;
    });
    let total = 0;
    for (const k of kept) total += k.length;
    const all = new Float64Array(total);
    let o = 0;
    kept.forEach((idx, i) => {
      const xs = this.prepared[i].xs;
      for (let j = 0; j < idx.length; j++) all[o++] = xs[idx[j]];
    });
    all.sort();
    let m = 0;
    for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) all[m++] = all[i];
    const x = all.slice(0, m);
    const out: Array<Float64Array | Array<number | null>> = [x];
    kept.forEach((idx, i) => {
      const p = this.prepared[i];
      const rawCol: Array<number | null> = new Array(m).fill(null);
      const smoothCol: Array<number | null> | undefined = smoothOn ? new Array(m).fill(null) : undefined;
      let xi = 0;
      for (let j = 0; j < idx.length; j++) {
        const k = idx[j];
        const xv = p.xs[k];
        while (xi < m && x[xi] < xv) xi++;
        rawCol[xi] = finiteOrNull(p.raw[k]);
        if (smoothCol) smoothCol[xi] = finiteOrNull(p.smoothed[k]);
      }
      out.push(rawCol);
      if (smoothCol) out.push(smoothCol);
    });
    return out as uPlot.AlignedData;
  }

  private refreshData(): void {
    if (!this.u) return;
    const t0 = performance.now();
    const range = this.zoom ?? this.extent();
    this.applying = true;
    try {
      this.u.setData(this.assemble(range), this.zoom === undefined);
      if (this.zoom) this.u.setScale('x', { min: this.zoom[0], max: this.zoom[1] });
      else this.centreSinglePoint();
    } finally {
      this.applying = false;
      this.refreshMs = performance.now() - t0;
      this.pendingRefresh = t0;
    }
  }

  private build(smoothOn: boolean, xAxis: XAxis, logScale: boolean): void {
    this.u?.destroy();
    clear(this.host);
    const series: uPlot.Series[] = [{}];
    for (const p of this.prepared) {
      // A series of a few points (e.g. an hparams metric) is drawn as dots, or it would not show.
      const dots = { show: p.src.value.length <= 64, size: 6, fill: p.color, stroke: p.color };
      if (smoothOn) series.push({ label: p.run, stroke: withAlpha(p.color, 0.28), width: 1, spanGaps: true, points: { show: false } });
      series.push({ label: smoothOn ? `${p.run} (smoothed)` : p.run, stroke: p.color, width: 1.6, spanGaps: true, points: dots });
    }
    const ink = chartInk();
    const axisStyle = { stroke: ink.axis, grid: { stroke: ink.grid, width: 1 }, ticks: { stroke: ink.tick, width: 1, size: 4 }, font: '11px system-ui, sans-serif' };
    const opts: uPlot.Options = {
      width: this.width,
      height: HEIGHT,
      legend: { show: false },
      padding: [8, 10, 0, 0],
      cursor: {
        drag: { x: true, y: false, setScale: true },
        points: { show: false },
        bind: { dblclick: () => null },
      },
      scales: {
        x: { time: xAxis === 'wall' },
        y: logScale ? { distr: 3 } : { auto: true },
      },
      axes: [
        { ...axisStyle, size: xAxis === 'wall' ? 44 : 30, values: xAxis === 'relative' ? (_u, vals) => vals.map((v) => formatRelative(v)) : xAxis === 'step' ? (_u, vals) => vals.map((v) => formatTick(v)) : undefined },
        { ...axisStyle, ticks: { show: false }, size: (_u, vals) => axisWidth(vals), values: (_u, vals) => vals.map((v) => formatTick(v)) },
      ],
      series,
      hooks: {
        // Timings run to the end of the canvas draw, which uPlot does after setData returns.
        draw: [() => {
          const now = performance.now();
          if (this.pendingRender) this.renderMs = now - this.pendingRender;
          if (this.pendingRefresh) this.refreshMs = now - this.pendingRefresh;
          this.pendingRender = 0;
          this.pendingRefresh = 0;
        }],
        setScale: [(u, key) => { if (key === 'x') this.onScale(u); }],
        setCursor: [(u) => this.hover(u)],
      },
    };
    this.u = new uPlot(opts, this.assemble(this.extent()), this.host);
    this.applying = true;
    this.centreSinglePoint();
    this.applying = false;
    this.u.over.addEventListener('dblclick', () => this.resetZoom());
    this.u.over.addEventListener('mouseleave', () => { this.tooltip.hidden = true; });
  }

  /** One x value (e.g. an hparams metric): uPlot would pad it to 0–100 or a day; centre it instead. */
  private centreSinglePoint(): void {
    const [lo, hi] = this.extent();
    if (this.u && lo === hi) this.u.setScale('x', { min: lo - 1, max: hi + 1 });
  }

  private onScale(u: uPlot): void {
    if (this.applying) return;
    const { min, max } = u.scales.x;
    if (min === undefined || max === undefined) return;
    const [lo, hi] = this.extent();
    const next: [number, number] | undefined = min <= lo && max >= hi ? undefined : [min, max];
    const same = next === this.zoom || (next && this.zoom && next[0] === this.zoom[0] && next[1] === this.zoom[1]);
    if (same) return;
    this.zoom = next;
    requestAnimationFrame(() => this.refreshData());
  }

  private hover(u: uPlot): void {
    const idx = u.cursor.idx;
    const left = u.cursor.left ?? -1;
    if (idx === null || idx === undefined || left < 0 || this.prepared.length === 0) {
      this.tooltip.hidden = true;
      return;
    }
    const xv = u.posToVal(left, 'x');
    const xAxis = this.state.settings.xAxis;
    const smoothOn = this.state.settings.smoothing > 0;
    clear(this.tooltip);
    const rows = this.prepared.filter((p) => p.xs.length > 0).map((p) => {
      const j = nearestIndex(p.xs, xv);
      return { p, j, dist: Math.abs(p.xs[j] - xv) };
    });
    rows.sort((a, b) => orderKey(b.p.smoothed[b.j]) - orderKey(a.p.smoothed[a.j]));
    const table = h('table', {},
      h('tr', {}, h('th', {}, ''), h('th', {}, 'Run'), smoothOn ? h('th', {}, 'Smoothed') : null, h('th', {}, 'Value'), h('th', {}, 'Step'), h('th', {}, xAxis === 'wall' ? 'Time' : 'Relative')),
      ...rows.map(({ p, j }) => h('tr', {},
        h('td', {}, h('span', { class: 'swatch', style: `background:${p.color}` })),
        h('td', { class: 'run' }, p.run),
        smoothOn ? h('td', { class: 'num' }, formatValue(p.smoothed[j])) : null,
        h('td', { class: 'num' }, formatValue(p.src.value[j])),
        h('td', { class: 'num' }, String(p.src.step[j])),
        h('td', { class: 'num' }, xAxis === 'wall' ? formatWall(p.src.wall[j]) : formatRelative(p.src.wall[j] - p.src.wall[0])),
      )));
    this.tooltip.append(table);
    this.tooltip.hidden = false;
    const hostW = this.host.clientWidth;
    const tipW = this.tooltip.offsetWidth;
    const x = left + 60 + 16 + tipW > hostW ? left + 60 - tipW - 16 : left + 60 + 16;
    this.tooltip.style.left = `${Math.max(0, x)}px`;
    this.tooltip.style.top = `${Math.max(0, (u.cursor.top ?? 0) + 30)}px`;
  }
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
