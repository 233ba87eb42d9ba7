// The projector's scatter plot: points in 2-D (pan and zoom) or 3-D (orbit and zoom), drawn with
// WebGL, or on a 2-D canvas where WebGL is unavailable; labels and sprite thumbnails on an overlay
// canvas. Invariant: one projection (camera × positions → screen) is computed on the CPU per frame
// and shared by both renderers, the overlay and picking, so what is clicked is what is drawn.

export interface Thumbs {
  image: HTMLImageElement;
  /** One image's size in the sprite and how many sit in a row. */
  width: number;
  height: number;
  perRow: number;
}

const VS = `attribute vec3 a_pos; attribute vec4 a_color; attribute float a_size;
varying vec4 v_color;
void main() { gl_Position = vec4(a_pos, 1.0); gl_PointSize = a_size; v_color = a_color; }`;
const FS = `precision mediump float; varying vec4 v_color;
void main() { vec2 d = gl_PointCoord - vec2(0.5); if (dot(d, d) > 0.25) discard; gl_FragColor = v_color; }`;

class GlPoints {
  private readonly gl: WebGLRenderingContext;
  private readonly buf: { pos: WebGLBuffer; color: WebGLBuffer; size: WebGLBuffer };
  private readonly loc: { pos: number; color: number; size: number };

  constructor(gl: WebGLRenderingContext) {
    this.gl = gl;
    const prog = gl.createProgram() as WebGLProgram;
    for (const [type, src] of [[gl.VERTEX_SHADER, VS], [gl.FRAGMENT_SHADER, FS]] as const) {
      const s = gl.createShader(type) as WebGLShader;
      gl.shaderSource(s, src);
      gl.compileShader(s);
      if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(gl.getShaderInfoLog(s) ?? 'shader');
      gl.attachShader(prog, s);
    }
    gl.linkProgram(prog);
    if (!gl.getProgramParameter(prog, gl.LINK_STATUS)) throw new Error(gl.getProgramInfoLog(prog) ?? 'program');
    gl.useProgram(prog);
    this.loc = { pos: gl.getAttribLocation(prog, 'a_pos'), color: gl.getAttribLocation(prog, 'a_color'), size: gl.getAttribLocation(prog, 'a_size') };
    this.buf = { pos: gl.createBuffer() as WebGLBuffer, color: gl.createBuffer() as WebGLBuffer, size: gl.createBuffer() as WebGLBuffer };
    gl.enable(gl.DEPTH_TEST);
    gl.depthFunc(gl.LEQUAL);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA);
  }

  draw(width: number, height: number, clip: Float32Array, colors: Uint8Array, sizes: Float32Array, n: number): void {
    const gl = this.gl;
    gl.viewport(0, 0, width, height);
    gl.clearColor(1, 1, 1, 1);
    gl.clear(gl.COLOR_BUFFER_BIT | gl.DEPTH_BUFFER_BIT);
    const attr = (b: WebGLBuffer, loc: number, data: ArrayBufferView, size: number, type: number, normalized: boolean): void => {
      gl.bindBuffer(gl.ARRAY_BUFFER, b);
      gl.bufferData(gl.ARRAY_BUFFER, data, gl.DYNAMIC_DRAW);
      gl.enableVertexAttribArray(loc);
      gl.vertexAttribPointer(loc, size, type, normalized, 0, 0);
    };
    attr(this.buf.pos, this.loc.pos, clip, 3, gl.FLOAT, false);
    attr(this.buf.color, this.loc.color, colors, 4, gl.UNSIGNED_BYTE, true);
    attr(this.buf.size, this.loc.size, sizes, 1, gl.FLOAT, false);
    gl.drawArrays(gl.POINTS, 0, n);
  }
}

export class Scatter {
  readonly el: HTMLElement;
  readonly renderer: 'webgl' | 'canvas';
  private readonly canvas: HTMLCanvasElement;
  private readonly overlay: HTMLCanvasElement;
  private readonly gl: GlPoints | undefined;
  private n = 0;
  private pos = new Float32Array(0);
  private colors: Uint8Array = new Uint8Array(0);
  private sizes: Float32Array = new Float32Array(0);
  private dims: 2 | 3 = 2;
  /** Screen positions (CSS px) and depth, per point; NaN when hidden. */
  private screen = new Float32Array(0);
  private labels: { index: number; text: string; strong: boolean }[] = [];
  private thumbs: Thumbs | undefined;
  private showThumbs = false;
  // Camera: 2-D pan/zoom; 3-D yaw/pitch/zoom.
  private zoom = 1;
  private panX = 0;
  private panY = 0;
  private yaw = 0.6;
  private pitch = 0.35;
  private queued = false;
  /** Called after each frame is drawn (performance.now() of the frame). */
  onDrawn: ((at: number) => void) | undefined;
  onPick: ((index: number) => void) | undefined;

  constructor(forceCanvas = false) {
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'projector-canvas';
    this.overlay = document.createElement('canvas');
    this.overlay.className = 'projector-overlay';
    this.el = document.createElement('div');
    this.el.className = 'projector-plot';
    this.el.append(this.canvas, this.overlay);
    let gl: GlPoints | undefined;
    if (!forceCanvas) {
      try {
        const ctx = this.canvas.getContext('webgl', { antialias: true, preserveDrawingBuffer: true });
        if (ctx) gl = new GlPoints(ctx);
      } catch {
        gl = undefined;
      }
    }
    this.gl = gl;
    this.renderer = gl ? 'webgl' : 'canvas';
    this.wire();
    new ResizeObserver(() => this.request()).observe(this.el);
  }

  private wire(): void {
    let drag: { x: number; y: number; moved: boolean } | undefined;
    this.overlay.addEventListener('pointerdown', (e) => {
      drag = { x: e.clientX, y: e.clientY, moved: false };
      this.overlay.setPointerCapture(e.pointerId);
    });
    this.overlay.addEventListener('pointermove', (e) => {
      if (!drag) return;
      const dx = e.clientX - drag.x;
      const dy = e.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
      if (!drag.moved) return;
      drag.x = e.clientX;
      drag.y = e.clientY;
      if (this.dims === 3) {
        this.yaw += dx * 0.01;
        this.pitch = Math.max(-1.5, Math.min(1.5, this.pitch + dy * 0.01));
      } else {
        const s = this.scale();
        this.panX += dx / s;
        this.panY -= dy / s;
      }
      this.request();
    });
    this.overlay.addEventListener('pointerup', (e) => {
      const d = drag;
      drag = undefined;
      if (d && !d.moved) {
        const r = this.overlay.getBoundingClientRect();
        const i = this.pick(e.clientX - r.left, e.clientY - r.top);
        if (i >= 0) this.onPick?.(i);
      }
    });
    this.overlay.addEventListener('wheel', (e) => {
      e.preventDefault();
      this.zoom = Math.max(0.2, Math.min(50, this.zoom * Math.exp(-e.deltaY * 0.001)));
      this.request();
    }, { passive: false });
  }

  /** New positions (rows × 3, NaN = not shown), normalized to the unit cube around their centre. */
  setPositions(positions: Float32Array, dims: 2 | 3, resetCamera: boolean): void {
    this.n = positions.length / 3;
    this.dims = dims;
    const lo = [Infinity, Infinity, Infinity];
    const hi = [-Infinity, -Infinity, -Infinity];
    for (let i = 0; i < this.n; i++) {
      for (let c = 0; c < 3; c++) {
        const v = positions[i * 3 + c];
        if (v < lo[c]) lo[c] = v;
        if (v > hi[c]) hi[c] = v;
      }
    }
    const mid = lo.map((l, c) => (Number.isFinite(l) ? (l + hi[c]) / 2 : 0));
    const ext = Math.max(...lo.map((l, c) => (Number.isFinite(l) ? hi[c] - l : 0)), 1e-12);
    this.pos = new Float32Array(positions.length);
    for (let i = 0; i < positions.length; i++) this.pos[i] = (positions[i] - mid[i % 3]) / ext;
    if (this.screen.length !== this.n * 3) this.screen = new Float32Array(this.n * 3);
    if (resetCamera) {
      this.zoom = 1;
      this.panX = 0;
      this.panY = 0;
    }
    this.request();
  }

  setStyle(colors: Uint8Array, sizes: Float32Array): void {
    this.colors = colors;
    this.sizes = sizes;
    this.request();
  }

  setLabels(labels: { index: number; text: string; strong: boolean }[]): void {
    this.labels = labels;
    this.request();
  }

  setThumbs(thumbs: Thumbs | undefined, show: boolean): void {
    this.thumbs = thumbs;
    this.showThumbs = show;
    this.request();
  }

  /** Screen position (CSS px within the plot) of point i, or undefined when it is not shown. */
  screenOf(i: number): [number, number] | undefined {
    const x = this.screen[i * 3];
    return Number.isFinite(x) ? [x, this.screen[i * 3 + 1]] : undefined;
  }

  /** The nearest drawn point within 10 px of (x, y), or -1. */
  pick(x: number, y: number): number {
    let best = -1;
    let bestD = 100;
    for (let i = 0; i < this.n; i++) {
      const sx = this.screen[i * 3];
      if (!Number.isFinite(sx)) continue;
      const d = (sx - x) ** 2 + (this.screen[i * 3 + 1] - y) ** 2;
      if (d < bestD || (d === bestD && best >= 0 && this.screen[i * 3 + 2] < this.screen[best * 3 + 2])) {
        bestD = d;
        best = i;
      }
    }
    return best;
  }

  private scale(): number {
    const w = this.el.clientWidth || 1;
    const h = this.el.clientHeight || 1;
    return Math.min(w, h) * 0.9 * this.zoom;
  }

  request(): void {
    if (this.queued) return;
    this.queued = true;
    requestAnimationFrame(() => {
      this.queued = false;
      this.draw();
    });
  }

  private project(): void {
    const w = this.el.clientWidth || 1;
    const h = this.el.clientHeight || 1;
    const s = this.scale();
    const cy = Math.cos(this.yaw);
    const sy = Math.sin(this.yaw);
    const cp = Math.cos(this.pitch);
    const sp = Math.sin(this.pitch);
    for (let i = 0; i < this.n; i++) {
      const x = this.pos[i * 3];
      const y = this.pos[i * 3 + 1];
      const z = this.pos[i * 3 + 2];
      if (!Number.isFinite(x) || !Number.isFinite(y)) {
        this.screen[i * 3] = NaN;
        continue;
      }
      if (this.dims === 2) {
        this.screen[i * 3] = w / 2 + (x + this.panX) * s;
        this.screen[i * 3 + 1] = h / 2 - (y + this.panY) * s;
        this.screen[i * 3 + 2] = 0;
      } else {
        const x1 = cy * x + sy * z;
        const z1 = -sy * x + cy * z;
        const y2 = cp * y - sp * z1;
        const z2 = sp * y + cp * z1;
        const persp = 2.2 / (2.2 + z2);
        this.screen[i * 3] = w / 2 + x1 * s * persp;
        this.screen[i * 3 + 1] = h / 2 - y2 * s * persp;
        this.screen[i * 3 + 2] = z2;
      }
    }
  }

  private draw(): void {
    const dpr = window.devicePixelRatio || 1;
    const w = this.el.clientWidth;
    const h = this.el.clientHeight;
    if (w === 0 || h === 0) return;
    for (const c of [this.canvas, this.overlay]) {
      if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
        c.width = Math.round(w * dpr);
        c.height = Math.round(h * dpr);
      }
    }
    this.project();
    const n = this.n;
    const haveStyle = this.colors.length === n * 4 && this.sizes.length === n;
    if (this.gl) {
      const clip = new Float32Array(n * 3);
      for (let i = 0; i < n; i++) {
        const sx = this.screen[i * 3];
        if (!Number.isFinite(sx)) {
          clip[i * 3] = 9; // outside clip space: not drawn
          continue;
        }
        clip[i * 3] = (sx / w) * 2 - 1;
        clip[i * 3 + 1] = 1 - (this.screen[i * 3 + 1] / h) * 2;
        // Larger (highlighted) points in front of the rest, then nearer in front of farther.
        const big = haveStyle && this.sizes[i] > 1 ? -0.5 : 0;
        clip[i * 3 + 2] = Math.max(-0.99, Math.min(0.99, this.screen[i * 3 + 2] * 0.2 + big));
      }
      const sizes = new Float32Array(n);
      for (let i = 0; i < n; i++) sizes[i] = (haveStyle ? this.sizes[i] : 1) * 6 * dpr;
      this.gl.draw(this.canvas.width, this.canvas.height, clip, haveStyle ? this.colors : new Uint8Array(n * 4).fill(120), sizes, n);
    } else {
      const ctx = this.canvas.getContext('2d') as CanvasRenderingContext2D;
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, 0, w, h);
      const order = Array.from({ length: n }, (_, i) => i).filter((i) => Number.isFinite(this.screen[i * 3]));
      order.sort((a, b) => (haveStyle ? this.sizes[a] - this.sizes[b] : 0) || this.screen[b * 3 + 2] - this.screen[a * 3 + 2]);
      for (const i of order) {
        const c = haveStyle ? this.colors.subarray(i * 4, i * 4 + 4) : [120, 120, 120, 255];
        ctx.fillStyle = `rgba(${c[0]},${c[1]},${c[2]},${c[3] / 255})`;
        const r = (haveStyle ? this.sizes[i] : 1) * 2.5;
        ctx.beginPath();
        ctx.arc(this.screen[i * 3], this.screen[i * 3 + 1], r, 0, Math.PI * 2);
        ctx.fill();
      }
    }
    this.drawOverlay(w, h, dpr);
    this.onDrawn?.(performance.now());
  }

  private drawOverlay(w: number, h: number, dpr: number): void {
    const ctx = this.overlay.getContext('2d') as CanvasRenderingContext2D;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const t = this.thumbs;
    if (t && this.showThumbs && t.image.complete && t.image.naturalWidth > 0) {
      const side = 22 * Math.min(2, Math.sqrt(this.zoom));
      for (let i = 0; i < this.n; i++) {
        const p = this.screenOf(i);
        if (!p) continue;
        const sx = (i % t.perRow) * t.width;
        const sy = Math.floor(i / t.perRow) * t.height;
        ctx.drawImage(t.image, sx, sy, t.width, t.height, p[0] - side / 2, p[1] - side / 2, side, side);
      }
    }
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    for (const l of this.labels) {
      const p = this.screenOf(l.index);
      if (!p) continue;
      const text = l.text.length > 40 ? `${l.text.slice(0, 39)}…` : l.text;
      const tw = ctx.measureText(text).width;
      ctx.fillStyle = l.strong ? 'rgba(31,111,235,0.92)' : 'rgba(255,255,255,0.85)';
      ctx.fillRect(p[0] + 6, p[1] - 8, tw + 6, 16);
      ctx.fillStyle = l.strong ? '#fff' : '#1f2328';
      ctx.fillText(text, p[0] + 9, p[1]);
    }
  }
}
