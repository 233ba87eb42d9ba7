// Polylines written straight into an RGBA pixel buffer, for charts of many runs. Why: past 100 runs
// a repaint that moves the axes strokes every run's line, and Skia's anti-aliased hairlines (about
// 4–5 µs per 10-point line in Debian's headless Chromium) were half of the renderer's work per
// input at 1,000 runs; plain 1-px lines here cost about a third of that, and a band of hundreds of
// lines looks the same without anti-aliasing. The chart puts the buffer on its canvas as ImageData.
// Invariant: only pixels inside the clip rectangle are ever written, whatever the coordinates (a
// zoom can put points 10^12 pixels away), and a segment's loop runs over at most its clipped length
// in pixels; a point that is not finite is skipped, as a canvas's lineTo ignores it.

/** `#rrggbb` as the 32-bit word an RGBA pixel holds on a little-endian machine (every browser's): opaque. */
export function packColor(hex: string): number {
  const n = parseInt(hex.slice(1, 7), 16);
  if (hex.length < 7 || Number.isNaN(n)) return 0xff000000 >>> 0;
  return ((0xff << 24) | ((n & 0xff) << 16) | (n & 0xff00) | ((n >>> 16) & 0xff)) >>> 0;
}

export class LineRaster {
  /** Row-major pixels, `width` per row. */
  pixels = new Uint32Array(0);
  width = 0;
  height = 0;
  // The clip rectangle: pixels [left, right] × [top, bottom], inclusive.
  private left = 0;
  private top = 0;
  private right = -1;
  private bottom = -1;
  private color = 0;
  /** Pixels across a line: 1, or 2 on a high-density screen. */
  private thick = 1;
  private penX = 0;
  private penY = 0;
  private pen = false;

  /** A cleared buffer of width × height pixels, drawing clipped to the rectangle given (device pixels). */
  begin(width: number, height: number, clipLeft: number, clipTop: number, clipWidth: number, clipHeight: number): void {
    const w = Math.max(0, Math.floor(width));
    const h = Math.max(0, Math.floor(height));
    if (this.pixels.length !== w * h) this.pixels = new Uint32Array(w * h);
    else this.pixels.fill(0);
    this.width = w;
    this.height = h;
    this.left = Math.max(0, Math.ceil(clipLeft));
    this.top = Math.max(0, Math.ceil(clipTop));
    this.right = Math.min(w, Math.floor(clipLeft + clipWidth)) - 1;
    this.bottom = Math.min(h, Math.floor(clipTop + clipHeight)) - 1;
    this.pen = false;
  }

  /** The colour (packColor) and width in pixels (1 or 2) of what is drawn next; lifts the pen. */
  style(color: number, thick: number): void {
    this.color = color;
    this.thick = thick >= 2 ? 2 : 1;
    this.pen = false;
  }

  /** Lifts the pen: the next lineTo starts a new line (a gap in the series). */
  lift(): void {
    this.pen = false;
  }

  /** A line from the last point to (x, y); with the pen lifted, (x, y) is where the next line starts. */
  lineTo(x: number, y: number): void {
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    if (this.pen) this.segment(this.penX, this.penY, x, y);
    this.penX = x;
    this.penY = y;
    this.pen = true;
  }

  /** A filled disc of radius r around (x, y), for series of a few points. */
  dot(x: number, y: number, r: number): void {
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    const y0 = Math.max(this.top, Math.ceil(y - r - 0.5));
    const y1 = Math.min(this.bottom, Math.floor(y + r - 0.5));
    for (let j = y0; j <= y1; j++) {
      const dy = j + 0.5 - y;
      const half = Math.sqrt(Math.max(0, r * r - dy * dy));
      const x0 = Math.max(this.left, Math.ceil(x - half - 0.5));
      const x1 = Math.min(this.right, Math.floor(x + half - 0.5));
      if (x0 <= x1) this.pixels.fill(this.color, j * this.width + x0, j * this.width + x1 + 1);
    }
  }

  /** Clips the segment to the rectangle (Liang–Barsky), then walks its pixels (Bresenham). */
  private segment(ax: number, ay: number, bx: number, by: number): void {
    // The continuous rectangle whose floor() is the pixel rectangle.
    const L = this.left;
    const T = this.top;
    const R = this.right + 0.999;
    const B = this.bottom + 0.999;
    if (R < L || B < T) return;
    const dx = bx - ax;
    const dy = by - ay;
    // Liang–Barsky, written out (a closure per segment would be garbage per line): for each edge,
    // p·t ≤ q keeps the part of the segment inside it.
    let t0 = 0;
    let t1 = 1;
    for (let k = 0; k < 4; k++) {
      const p = k === 0 ? -dx : k === 1 ? dx : k === 2 ? -dy : dy;
      const q = k === 0 ? ax - L : k === 1 ? R - ax : k === 2 ? ay - T : B - ay;
      if (p === 0) {
        if (q < 0) return;
        continue;
      }
      const r = q / p;
      if (p < 0) {
        if (r > t1) return;
        if (r > t0) t0 = r;
      } else {
        if (r < t0) return;
        if (r < t1) t1 = r;
      }
    }
    const fx0 = ax + t0 * dx;
    const fy0 = ay + t0 * dy;
    const fx1 = ax + t1 * dx;
    const fy1 = ay + t1 * dy;
    // Points ~10^300 away leave no precision to place the clipped ends: such a segment is not
    // drawn rather than drawn somewhere. Within a pixel, the ends are clamped into the rectangle.
    if (!(fx0 > L - 1 && fx0 < R + 1 && fx1 > L - 1 && fx1 < R + 1 && fy0 > T - 1 && fy0 < B + 1 && fy1 > T - 1 && fy1 < B + 1)) return;
    let x = Math.min(this.right, Math.max(L, Math.floor(fx0)));
    let y = Math.min(this.bottom, Math.max(T, Math.floor(fy0)));
    const x1 = Math.min(this.right, Math.max(L, Math.floor(fx1)));
    const y1 = Math.min(this.bottom, Math.max(T, Math.floor(fy1)));
    const px = this.pixels;
    const w = this.width;
    const c = this.color;
    const ddx = Math.abs(x1 - x);
    const ddy = -Math.abs(y1 - y);
    const sx = x < x1 ? 1 : -1;
    const sy = y < y1 ? 1 : -1;
    let err = ddx + ddy;
    // A second pixel across the line's direction: below a flat line, right of a steep one.
    const thick = this.thick === 2;
    const xMajor = ddx >= -ddy;
    for (;;) {
      px[y * w + x] = c;
      if (thick) {
        if (xMajor) {
          if (y < this.bottom) px[(y + 1) * w + x] = c;
        } else if (x < this.right) px[y * w + x + 1] = c;
      }
      if (x === x1 && y === y1) break;
      const e2 = 2 * err;
      if (e2 >= ddy) {
        err += ddy;
        x += sx;
      }
      if (e2 <= ddx) {
        err += ddx;
        y += sy;
      }
    }
  }
}
