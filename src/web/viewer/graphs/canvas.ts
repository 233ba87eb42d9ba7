// Draws a laid-out graph on one canvas with pan (drag) and zoom (wheel, about the cursor). Only
// what intersects the view is drawn, and labels only where they are legible, so a frame costs the
// same whether the graph has 100 nodes or 10,000 shown at once. Items come parents first, so
// drawing in order puts children over their open group, and hit-testing in reverse finds the
// innermost item under the pointer.
import type { LayoutResult } from './layout.js';
import type { GraphSummary } from './model.js';

interface View { tx: number; ty: number; k: number }

const FONT = '11px system-ui, -apple-system, "Segoe UI", sans-serif';
const FONT_BOLD = '600 11.5px system-ui, -apple-system, "Segoe UI", sans-serif';
const FONT_SMALL = '10px system-ui, -apple-system, "Segoe UI", sans-serif';

/** A stable pastel per op type, so the same op reads the same everywhere. */
function opColor(op: string): string {
  let hsh = 0;
  for (let i = 0; i < op.length; i++) hsh = (hsh * 31 + op.charCodeAt(i)) | 0;
  return `hsl(${((hsh % 360) + 360) % 360} 55% 45%)`;
}

export class GraphCanvas {
  readonly el: HTMLDivElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private view: View = { tx: 0, ty: 0, k: 1 };
  private summary?: GraphSummary;
  private layout?: LayoutResult;
  /** Per shown item: its index in the layout's arrays (−1 when not shown). */
  private slot = new Int32Array(0);
  private selected = -1;
  private hover = -1;
  private matches = new Set<number>();
  private frame = 0;
  private width = 0;
  private height = 0;
  /** When the last draw finished (performance.now()), for the benchmark and tests. */
  drawnAt = 0;
  drawMs = 0;

  constructor(private readonly on: { select(item: number): void; toggle(item: number): void }) {
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'graph-canvas';
    this.canvas.setAttribute('aria-label', 'Graph');
    this.el = document.createElement('div');
    this.el.className = 'graph-canvas-wrap';
    this.el.append(this.canvas);
    this.ctx = this.canvas.getContext('2d') as CanvasRenderingContext2D;
    new ResizeObserver(() => this.resize()).observe(this.el);
    this.listen();
  }

  setGraph(summary: GraphSummary, layout: LayoutResult, keep?: { item: number }): void {
    const before = keep && this.layout ? this.boxOf(keep.item) : undefined;
    this.summary = summary;
    this.layout = layout;
    this.slot = new Int32Array(summary.parent.length).fill(-1);
    for (let i = 0; i < layout.items.length; i++) this.slot[layout.items[i]] = i;
    const after = keep ? this.boxOf(keep.item) : undefined;
    // The group just opened or closed stays where it was on screen.
    if (before && after) {
      this.view.tx += (before.x - after.x) * this.view.k;
      this.view.ty += (before.y - after.y) * this.view.k;
    }
    this.request();
  }

  clear(): void {
    this.summary = undefined;
    this.layout = undefined;
    this.request();
  }

  setSelected(item: number): void { this.selected = item; this.request(); }
  setMatches(items: Iterable<number>): void { this.matches = new Set(items); this.request(); }

  boxOf(item: number): { x: number; y: number; w: number; h: number } | undefined {
    const l = this.layout;
    const i = item >= 0 && item < this.slot.length ? this.slot[item] : -1;
    if (!l || i < 0) return undefined;
    return { x: l.x[i], y: l.y[i], w: l.w[i], h: l.h[i] };
  }

  /** Whole graph in view (never enlarged past 1.25×). */
  fit(): void {
    const l = this.layout;
    if (!l || !this.width) return;
    const m = 24;
    const k = Math.min((this.width - 2 * m) / Math.max(l.width, 1), (this.height - 2 * m) / Math.max(l.height, 1), 1.25);
    this.view = { k, tx: (this.width - l.width * k) / 2, ty: (this.height - l.height * k) / 2 };
    this.request();
  }

  /** Centres an item, zooming in to at least `minK` so its label reads. */
  focus(item: number, minK = 1): void {
    const b = this.boxOf(item);
    if (!b || !this.width) return;
    const k = Math.max(this.view.k, Math.min(minK, 2));
    this.view = { k, tx: this.width / 2 - (b.x + b.w / 2) * k, ty: this.height / 2 - (b.y + b.h / 2) * k };
    this.request();
  }

  stats(): { k: number; shown: number; drawnAt: number; drawMs: number } {
    return { k: this.view.k, shown: this.layout?.items.length ?? 0, drawnAt: this.drawnAt, drawMs: this.drawMs };
  }

  /** Screen point (CSS px, relative to the canvas) of the centre of an item, for tests. */
  screenPoint(item: number): { x: number; y: number } | undefined {
    const b = this.boxOf(item);
    if (!b) return undefined;
    return { x: (b.x + b.w / 2) * this.view.k + this.view.tx, y: (b.y + Math.min(b.h, 24) / 2) * this.view.k + this.view.ty };
  }

  private resize(): void {
    const r = this.el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return;
    const first = this.width === 0;
    this.width = r.width;
    this.height = r.height;
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(r.width * dpr);
    this.canvas.height = Math.round(r.height * dpr);
    this.canvas.style.width = `${r.width}px`;
    this.canvas.style.height = `${r.height}px`;
    if (first && this.layout) this.fit();
    this.draw();
  }

  request(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private hit(px: number, py: number): number {
    const l = this.layout;
    if (!l) return -1;
    const x = (px - this.view.tx) / this.view.k;
    const y = (py - this.view.ty) / this.view.k;
    for (let i = l.items.length - 1; i >= 0; i--) {
      if (x < l.x[i] || y < l.y[i] || x > l.x[i] + l.w[i] || y > l.y[i] + l.h[i]) continue;
      // An open group answers only on its header: its body belongs to its children and to panning.
      if (l.open[i] && y > l.y[i] + 22) continue;
      return l.items[i];
    }
    return -1;
  }

  private listen(): void {
    const c = this.canvas;
    let drag: { x: number; y: number; tx: number; ty: number; moved: boolean } | undefined;
    c.addEventListener('wheel', (ev) => {
      ev.preventDefault();
      const r = c.getBoundingClientRect();
      const px = ev.clientX - r.left;
      const py = ev.clientY - r.top;
      const f = Math.exp(-ev.deltaY * (ev.deltaMode === 1 ? 0.05 : 0.0015));
      const k = Math.min(Math.max(this.view.k * f, 0.005), 4);
      this.view.tx = px - ((px - this.view.tx) * k) / this.view.k;
      this.view.ty = py - ((py - this.view.ty) * k) / this.view.k;
      this.view.k = k;
      this.request();
    }, { passive: false });
    c.addEventListener('pointerdown', (ev) => {
      drag = { x: ev.clientX, y: ev.clientY, tx: this.view.tx, ty: this.view.ty, moved: false };
      c.setPointerCapture(ev.pointerId);
    });
    c.addEventListener('pointermove', (ev) => {
      const r = c.getBoundingClientRect();
      if (drag) {
        const dx = ev.clientX - drag.x;
        const dy = ev.clientY - drag.y;
        if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
        if (drag.moved) {
          this.view.tx = drag.tx + dx;
          this.view.ty = drag.ty + dy;
          c.classList.add('panning');
          this.request();
        }
        return;
      }
      const over = this.hit(ev.clientX - r.left, ev.clientY - r.top);
      if (over !== this.hover) {
        this.hover = over;
        c.style.cursor = over >= 0 ? 'pointer' : 'grab';
        this.request();
      }
    });
    c.addEventListener('pointerup', (ev) => {
      const d = drag;
      drag = undefined;
      c.classList.remove('panning');
      if (!d || d.moved) return;
      const r = c.getBoundingClientRect();
      this.on.select(this.hit(ev.clientX - r.left, ev.clientY - r.top));
    });
    c.addEventListener('dblclick', (ev) => {
      const r = c.getBoundingClientRect();
      const item = this.hit(ev.clientX - r.left, ev.clientY - r.top);
      if (item >= 0 && this.summary?.isGroup[item]) this.on.toggle(item);
    });
  }

  private draw(): void {
    const t0 = performance.now();
    const ctx = this.ctx;
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, this.width, this.height);
    const l = this.layout;
    const s = this.summary;
    if (!l || !s || !this.width) return;
    const { k, tx, ty } = this.view;
    ctx.setTransform(dpr * k, 0, 0, dpr * k, dpr * tx, dpr * ty);
    // The world rectangle in view, a little larger so edges leaving it still draw.
    const x0 = -tx / k - 50;
    const y0 = -ty / k - 50;
    const x1 = (this.width - tx) / k + 50;
    const y1 = (this.height - ty) / k + 50;
    const inView = (i: number): boolean => l.x[i] < x1 && l.y[i] < y1 && l.x[i] + l.w[i] > x0 && l.y[i] + l.h[i] > y0;
    const text = k >= 0.45;
    const px = 1 / k;

    // Open groups first (their bodies under everything), then edges, then closed groups and ops.
    for (let i = 0; i < l.items.length; i++) {
      if (!l.open[i] || !inView(i)) continue;
      const item = l.items[i];
      const depth = this.depthOf(item);
      ctx.fillStyle = depth % 2 ? '#f1f4f8' : '#f8f9fb';
      ctx.strokeStyle = item === this.selected ? '#1f6feb' : '#c3cad5';
      ctx.lineWidth = (item === this.selected ? 2 : 1) * px;
      roundRect(ctx, l.x[i], l.y[i], l.w[i], l.h[i], 8);
      ctx.fill();
      ctx.stroke();
      if (text && l.y[i] + 22 > y0) {
        ctx.fillStyle = '#3b4556';
        ctx.font = FONT_BOLD;
        ctx.textBaseline = 'middle';
        ctx.fillText(`− ${s.label[item]}`, l.x[i] + 8, l.y[i] + 12, l.w[i] - 16);
      }
    }

    this.drawEdges(ctx, x0, y0, x1, y1, px);

    for (let i = 0; i < l.items.length; i++) {
      if (l.open[i] || !inView(i)) continue;
      const item = l.items[i];
      const x = l.x[i];
      const y = l.y[i];
      const w = l.w[i];
      const h = l.h[i];
      const sel = item === this.selected;
      const match = this.matches.has(item);
      if (s.isGroup[item]) {
        ctx.fillStyle = match ? '#ffe9a8' : item === this.hover ? '#d6e6fd' : '#e4eefc';
        ctx.strokeStyle = sel ? '#1f6feb' : '#8fb0e6';
        ctx.lineWidth = (sel ? 2.5 : 1) * px;
        roundRect(ctx, x, y, w, h, 6);
        ctx.fill();
        ctx.stroke();
        if (text) {
          ctx.fillStyle = '#17335f';
          ctx.font = FONT_BOLD;
          ctx.textBaseline = 'middle';
          ctx.fillText(`+ ${s.label[item]}`, x + 8, y + 12, w - 16);
          ctx.fillStyle = '#5a6b85';
          ctx.font = FONT_SMALL;
          ctx.fillText(`${s.opCount[item].toLocaleString()} op${s.opCount[item] === 1 ? '' : 's'}`, x + 8, y + 25, w - 16);
        }
      } else {
        const color = opColor(s.op[item]);
        ctx.fillStyle = match ? '#ffe9a8' : item === this.hover ? '#f3f6fa' : '#ffffff';
        ctx.strokeStyle = sel ? '#1f6feb' : color;
        ctx.lineWidth = (sel ? 2.5 : 1.2) * px;
        roundRect(ctx, x, y, w, h, h / 2);
        ctx.fill();
        ctx.stroke();
        if (text) {
          ctx.fillStyle = '#1d2330';
          ctx.font = FONT;
          ctx.textBaseline = 'middle';
          ctx.textAlign = 'center';
          ctx.fillText(s.label[item], x + w / 2, y + h / 2 + 0.5, w - 12);
          ctx.textAlign = 'left';
        }
      }
    }
    this.drawMs = performance.now() - t0;
    this.drawnAt = performance.now();
  }

  private depthOf(item: number): number {
    let d = 0;
    for (let p = this.summary?.parent[item] ?? -1; p > 0; p = this.summary?.parent[p] ?? -1) d++;
    return d;
  }

  private drawEdges(ctx: CanvasRenderingContext2D, x0: number, y0: number, x1: number, y1: number, px: number): void {
    const l = this.layout as LayoutResult;
    const P = l.points;
    const near = this.selected;
    for (let e = 0; e < l.edgeFrom.length; e++) {
      const a = l.edgeStart[e];
      const b = l.edgeStart[e + 1];
      const touches = l.edgeFrom[e] === near || l.edgeTo[e] === near;
      const width = Math.min(1 + Math.log2(l.edgeCount[e]), 5) * px * (touches ? 1.6 : 1);
      ctx.strokeStyle = touches ? '#1f6feb' : '#98a2b3';
      ctx.fillStyle = ctx.strokeStyle;
      ctx.lineWidth = width;
      ctx.setLineDash(l.edgeControl[e] ? [4 * px, 3 * px] : []);
      if (l.edgeDetached[e]) {
        const from = this.boxOf(l.edgeFrom[e]);
        const to = this.boxOf(l.edgeTo[e]);
        if (!from || !to) continue;
        if (touches) {
          // Left out of the layout (high fan-out): drawn in full only for the selected end.
          ctx.setLineDash([6 * px, 4 * px]);
          arrowLine(ctx, from.x + from.w / 2, from.y, to.x + to.w / 2, to.y + to.h, px);
        } else {
          // A stub under the consumer: "an input arrives here from something drawn elsewhere".
          const cx = to.x + to.w / 2 + 8;
          const cy = to.y + to.h;
          if (cx > x0 && cx < x1 && cy > y0 && cy < y1) arrowLine(ctx, cx, cy + 10, cx, cy, px);
        }
        continue;
      }
      if (b - a < 2) continue;
      let minX = Infinity;
      let minY = Infinity;
      let maxX = -Infinity;
      let maxY = -Infinity;
      for (let p = a; p < b; p++) {
        minX = Math.min(minX, P[2 * p]); maxX = Math.max(maxX, P[2 * p]);
        minY = Math.min(minY, P[2 * p + 1]); maxY = Math.max(maxY, P[2 * p + 1]);
      }
      if (maxX < x0 || minX > x1 || maxY < y0 || minY > y1) continue;
      ctx.beginPath();
      ctx.moveTo(P[2 * a], P[2 * a + 1]);
      // Smooth through dagre's bend points: quadratic curves between the midpoints.
      for (let p = a + 1; p < b - 1; p++) {
        const mx = (P[2 * p] + P[2 * p + 2]) / 2;
        const my = (P[2 * p + 1] + P[2 * p + 3]) / 2;
        ctx.quadraticCurveTo(P[2 * p], P[2 * p + 1], mx, my);
      }
      ctx.lineTo(P[2 * (b - 1)], P[2 * (b - 1) + 1]);
      ctx.stroke();
      arrowHead(ctx, P[2 * (b - 2)], P[2 * (b - 2) + 1], P[2 * (b - 1)], P[2 * (b - 1) + 1], px);
    }
    ctx.setLineDash([]);
  }
}

function roundRect(ctx: CanvasRenderingContext2D, x: number, y: number, w: number, h: number, r: number): void {
  ctx.beginPath();
  ctx.roundRect(x, y, w, h, Math.min(r, w / 2, h / 2));
}

function arrowLine(ctx: CanvasRenderingContext2D, ax: number, ay: number, bx: number, by: number, px: number): void {
  ctx.beginPath();
  ctx.moveTo(ax, ay);
  ctx.lineTo(bx, by);
  ctx.stroke();
  arrowHead(ctx, ax, ay, bx, by, px);
}

function arrowHead(ctx: CanvasRenderingContext2D, ax: number, ay: number, bx: number, by: number, px: number): void {
  const ang = Math.atan2(by - ay, bx - ax);
  const s = Math.max(6, 7 * px * 0.8);
  ctx.setLineDash([]);
  ctx.beginPath();
  ctx.moveTo(bx, by);
  ctx.lineTo(bx - s * Math.cos(ang - 0.45), by - s * Math.sin(ang - 0.45));
  ctx.lineTo(bx - s * Math.cos(ang + 0.45), by - s * Math.sin(ang + 0.45));
  ctx.closePath();
  ctx.fill();
}
