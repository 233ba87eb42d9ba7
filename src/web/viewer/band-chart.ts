// A small canvas chart for the Custom Scalars tab: lines (a multiline chart's run × tag series)
// and shaded lower–upper bands under a value line (a margin chart), on shared axes. It draws what
// it is given and nothing else: which series are shown (run selection, smoothing, x axis) is the
// caller's decision. Invariant: the canvas is sized to its box × devicePixelRatio on every draw,
// so it stays sharp and follows the theme (colours read from CSS at draw time).
import { chartInk } from '../lib/theme.js';
import { withAlpha } from '../lib/colors.js';
import { formatTick, formatValue } from '../lib/format.js';

export interface Line {
  label: string;
  color: string;
  xs: ArrayLike<number>;
  ys: ArrayLike<number>;
  /** Present on a margin series: the band drawn under the line (same xs). */
  lower?: ArrayLike<number>;
  upper?: ArrayLike<number>;
}

const PAD = { left: 52, right: 12, top: 10, bottom: 24 };

function extent(lines: Line[], pick: (l: Line) => Array<ArrayLike<number>>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const l of lines) for (const a of pick(l)) for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
  }
  if (!Number.isFinite(lo)) return [0, 1];
  if (lo === hi) return [lo - 1, hi + 1];
  return [lo, hi];
}

function ticks(lo: number, hi: number, n: number): number[] {
  const step0 = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? step0;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9 && out.length < 50; v += step) out.push(v);
  return out;
}

export class BandChart {
  readonly canvas = document.createElement('canvas');
  private lines: Line[] = [];
  private readonly resize: ResizeObserver;

  constructor(private readonly host: HTMLElement, private readonly height = 210) {
    this.canvas.className = 'band-canvas';
    this.canvas.style.width = '100%';
    this.canvas.style.height = `${height}px`;
    host.append(this.canvas);
    this.resize = new ResizeObserver(() => this.draw());
    this.resize.observe(host);
  }

  set(lines: Line[]): void {
    this.lines = lines;
    this.draw();
  }

  destroy(): void {
    this.resize.disconnect();
  }

  draw(): void {
    const w = this.host.clientWidth || 400;
    const h = this.height;
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(w * dpr);
    this.canvas.height = Math.round(h * dpr);
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const ink = chartInk();
    const [x0, x1] = extent(this.lines, (l) => [l.xs]);
    const [y0, y1] = extent(this.lines, (l) => [l.ys, ...(l.lower ? [l.lower] : []), ...(l.upper ? [l.upper] : [])]);
    const pw = w - PAD.left - PAD.right;
    const ph = h - PAD.top - PAD.bottom;
    const px = (x: number): number => PAD.left + ((x - x0) / (x1 - x0 || 1)) * pw;
    const py = (y: number): number => PAD.top + (1 - (y - y0) / (y1 - y0 || 1)) * ph;
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillStyle = ink.axis;
    ctx.strokeStyle = ink.grid;
    ctx.lineWidth = 1;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const t of ticks(y0, y1, 4)) {
      const y = Math.round(py(t)) + 0.5;
      ctx.beginPath(); ctx.moveTo(PAD.left, y); ctx.lineTo(w - PAD.right, y); ctx.stroke();
      ctx.fillText(formatTick(t), PAD.left - 6, y);
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (const t of ticks(x0, x1, Math.max(2, Math.floor(pw / 90)))) {
      const x = Math.round(px(t)) + 0.5;
      ctx.beginPath(); ctx.moveTo(x, PAD.top); ctx.lineTo(x, PAD.top + ph); ctx.stroke();
      ctx.fillText(formatTick(t), x, PAD.top + ph + 6);
    }
    ctx.save();
    ctx.beginPath();
    ctx.rect(PAD.left, PAD.top, pw, ph);
    ctx.clip();
    for (const l of this.lines) {
      if (!l.lower || !l.upper) continue;
      const lower = l.lower;
      const upper = l.upper;
      ctx.beginPath();
      for (let i = 0; i < l.xs.length; i++) (i ? ctx.lineTo : ctx.moveTo).call(ctx, px(l.xs[i]), py(upper[i]));
      for (let i = l.xs.length - 1; i >= 0; i--) ctx.lineTo(px(l.xs[i]), py(lower[i]));
      ctx.closePath();
      ctx.fillStyle = withAlpha(l.color, 0.22);
      ctx.fill();
    }
    ctx.lineWidth = 1.75;
    for (const l of this.lines) {
      ctx.strokeStyle = l.color;
      ctx.beginPath();
      let pen = false;
      for (let i = 0; i < l.xs.length; i++) {
        const y = l.ys[i];
        if (!Number.isFinite(y)) { pen = false; continue; }
        if (pen) ctx.lineTo(px(l.xs[i]), py(y));
        else { ctx.moveTo(px(l.xs[i]), py(y)); pen = true; }
      }
      ctx.stroke();
    }
    ctx.restore();
    // How many bands were painted, for tests and for anyone inspecting the chart.
    this.canvas.dataset.bands = String(this.lines.filter((l) => l.lower && l.upper && l.xs.length > 1).length);
    this.canvas.title = this.lines.map((l) => `${l.label}: ${l.ys.length ? formatValue(l.ys[l.ys.length - 1]) : '—'}`).join('\n');
  }
}
