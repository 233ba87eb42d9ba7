// The many-run chart's pixel lines (web/lib/line-raster.ts), under Node: what is drawn, where it
// may be drawn, and what a zoom's far-away or non-finite points do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LineRaster, packColor } from '../web/lib/line-raster.js';

const RED = packColor('#ff0000');

/** The pixels set, as "x,y". */
function lit(r: LineRaster): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i < r.pixels.length; i++) if (r.pixels[i] !== 0) out.add(`${i % r.width},${Math.floor(i / r.width)}`);
  return out;
}

function polyline(r: LineRaster, points: Array<[number, number]>, thick = 1): void {
  r.style(RED, thick);
  for (const [x, y] of points) r.lineTo(x, y);
}

test('a colour is packed as the RGBA bytes ImageData holds, opaque', () => {
  const bytes = new Uint8Array(new Uint32Array([packColor('#336699')]).buffer);
  assert.deepEqual([...bytes], [0x33, 0x66, 0x99, 0xff]);
});

test('a line covers every pixel from its first point to its last, one per step of its long axis', () => {
  const r = new LineRaster();
  r.begin(20, 10, 0, 0, 20, 10);
  polyline(r, [[1.5, 2.5], [11.5, 2.5]]);
  assert.deepEqual([...lit(r)].sort(), Array.from({ length: 11 }, (_, i) => `${i + 1},2`).sort());
  r.begin(20, 10, 0, 0, 20, 10);
  polyline(r, [[0.2, 0.2], [5.7, 5.9]]);
  assert.deepEqual([...lit(r)].sort(), ['0,0', '1,1', '2,2', '3,3', '4,4', '5,5']);
  // A polyline: its corner once, its pieces joined.
  r.begin(20, 10, 0, 0, 20, 10);
  polyline(r, [[1, 1], [4, 1], [4, 4]]);
  assert.deepEqual([...lit(r)].sort(), ['1,1', '2,1', '3,1', '4,1', '4,2', '4,3', '4,4'].sort());
});

test('two pixels across on a dense screen: under a flat line, beside a steep one', () => {
  const r = new LineRaster();
  r.begin(10, 10, 0, 0, 10, 10);
  polyline(r, [[1, 1], [3, 1]], 2);
  assert.deepEqual([...lit(r)].sort(), ['1,1', '2,1', '3,1', '1,2', '2,2', '3,2'].sort());
  r.begin(10, 10, 0, 0, 10, 10);
  polyline(r, [[1, 1], [1, 3]], 2);
  assert.deepEqual([...lit(r)].sort(), ['1,1', '1,2', '1,3', '2,1', '2,2', '2,3'].sort());
});

test('a point that is not finite is skipped, as a canvas skips it; a lifted pen leaves a gap', () => {
  const r = new LineRaster();
  r.begin(20, 5, 0, 0, 20, 5);
  r.style(RED, 1);
  r.lineTo(0, 1);
  r.lineTo(NaN, 3);
  r.lineTo(Infinity, 1);
  r.lineTo(4, 1);
  r.lift();
  r.lineTo(10, 1);
  r.lineTo(12, 1);
  assert.deepEqual([...lit(r)].sort(), ['0,1', '1,1', '2,1', '3,1', '4,1', '10,1', '11,1', '12,1'].sort());
});

test('a dot fills a disc of its radius', () => {
  const r = new LineRaster();
  r.begin(10, 10, 0, 0, 10, 10);
  r.style(RED, 1);
  r.dot(5, 5, 1.5);
  assert.deepEqual([...lit(r)].sort(), ['4,4', '5,4', '4,5', '5,5'].sort());
  r.dot(Number.NaN, 5, 3); // nothing, no throw
  assert.equal(lit(r).size, 4);
});

test('only pixels inside the clip are written, whatever the points, and near the true line', () => {
  const coord = fc.oneof(fc.double({ min: -50, max: 150, noNaN: true }), fc.constantFrom(-1e12, 1e12, -1e300, 1e300, 0, 99.999));
  fc.assert(
    fc.property(fc.array(fc.tuple(coord, coord), { minLength: 2, maxLength: 6 }), fc.constantFrom(1, 2), (points, thick) => {
      const r = new LineRaster();
      // The plot's rectangle inside a larger canvas (the axes around it stay untouched).
      r.begin(120, 90, 10.5, 5, 80, 60);
      polyline(r, points, thick);
      for (const key of lit(r)) {
        const [x, y] = key.split(',').map(Number);
        assert.ok(x >= 11 && x <= 89 && y >= 5 && y <= 64, `pixel ${key} outside the clip`);
        // Within ~2 px of some segment (pixel centre to the ideal line; thick adds one more).
        let near = false;
        for (let i = 1; i < points.length && !near; i++) near = distance([x + 0.5, y + 0.5], points[i - 1], points[i]) <= 1.5 + (thick - 1);
        assert.ok(near, `pixel ${key} far from every segment of ${JSON.stringify(points)}`);
      }
    }),
    { numRuns: 500 },
  );
});

test('a segment from far outside is clipped before it is walked: a repaint stays instant whatever the zoom', () => {
  const r = new LineRaster();
  r.begin(100, 100, 0, 0, 100, 100);
  const t = performance.now();
  for (let i = 0; i < 1000; i++) polyline(r, [[-1e15, -1e15 + i], [1e15, 1e15 - i]]);
  assert.ok(performance.now() - t < 2_000);
  assert.ok(lit(r).size > 50 && lit(r).size < 400);
});

function distance([px, py]: [number, number], [ax, ay]: [number, number], [bx, by]: [number, number]): number {
  // Huge coordinates overflow the squares: measured in a frame scaled down by the largest one.
  const s = Math.max(1, Math.abs(ax), Math.abs(ay), Math.abs(bx), Math.abs(by));
  const [qx, qy, sx, sy, ex, ey] = [px / s, py / s, ax / s, ay / s, bx / s, by / s];
  const dx = ex - sx;
  const dy = ey - sy;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((qx - sx) * dx + (qy - sy) * dy) / len2));
  return Math.hypot(qx - (sx + t * dx), qy - (sy + t * dy)) * s;
}
