// Embedding logs for tests and benchmarks, written the way PyTorch's add_embedding writes them
// (through the project's writer): clustered points from a seeded generator, so a projection has
// structure to show (clusters separate in PCA) and neighbours are checkable (same cluster), with
// metadata columns and, optionally, a sprite of one coloured tile per point.
import { crc32, deflateSync } from 'node:zlib';
import { SummaryWriter } from '../writer/index.js';

/** A PNG of `width` × `height` RGB pixels (8-bit, no filter), as any encoder could write it. */
export function encodePng(width: number, height: number, rgb: Uint8Array): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) Buffer.from(rgb.buffer, rgb.byteOffset + y * width * 3, width * 3).copy(raw, y * (width * 3 + 1) + 1);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** Mulberry32: a small seeded generator, so every run writes the same points. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const CLUSTER_NAMES = ['apple', 'banana', 'cherry', 'damson', 'elder', 'fig', 'grape', 'hazel'];
const CLUSTER_RGB = [[230, 57, 70], [255, 183, 3], [142, 68, 173], [33, 158, 188], [46, 204, 113], [52, 73, 94], [241, 90, 36], [149, 165, 166]];

export interface ClusteredEmbedding {
  points: number;
  dims: number;
  clusters: number;
  /** Tile size of the sprite in pixels; no sprite when absent. */
  sprite?: number;
  step?: number;
  tag?: string;
  seed?: number;
}

/** Point i's cluster (also its `cluster` metadata column). */
export const clusterOf = (i: number, clusters: number): number => i % clusters;

/** Writes an event file and one add_embedding of clustered points into `dir`; returns the matrix. */
export function writeClusteredEmbedding(dir: string, o: ClusteredEmbedding): number[][] {
  const rnd = seeded(o.seed ?? 7);
  const gauss = (): number => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
  const centres = Array.from({ length: o.clusters }, () => Array.from({ length: o.dims }, () => gauss() * 6));
  const mat = Array.from({ length: o.points }, (_, i) => centres[clusterOf(i, o.clusters)].map((c) => c + gauss()));
  const metadata = mat.map((_, i) => [`p${i}`, CLUSTER_NAMES[clusterOf(i, o.clusters) % CLUSTER_NAMES.length], String(i % 2 === 0 ? 'even' : 'odd')]);
  let sprite: { png: Uint8Array; width: number; height: number } | undefined;
  if (o.sprite) {
    // PyTorch's make_sprite: a square grid of ceil(sqrt(n)) tiles per row, row-major, padded.
    const per = Math.ceil(Math.sqrt(o.points));
    const side = per * o.sprite;
    const rgb = new Uint8Array(side * side * 3);
    for (let i = 0; i < o.points; i++) {
      const [r, g, b] = CLUSTER_RGB[clusterOf(i, o.clusters) % CLUSTER_RGB.length];
      const x0: number = (i % per) * o.sprite;
      const y0: number = Math.floor(i / per) * o.sprite;
      for (let y = 0; y < o.sprite; y++) {
        for (let x = 0; x < o.sprite; x++) {
          const edge = x === 0 || y === 0 || x === o.sprite - 1 || y === o.sprite - 1;
          const p = ((y0 + y) * side + x0 + x) * 3;
          rgb[p] = edge ? 255 : r;
          rgb[p + 1] = edge ? 255 : g;
          rgb[p + 2] = edge ? 255 : b;
        }
      }
    }
    sprite = { png: encodePng(side, side, rgb), width: o.sprite, height: o.sprite };
  }
  const w = new SummaryWriter(dir);
  w.addScalar('loss', 1, 0);
  w.addEmbedding({ mat, metadata, metadataHeader: ['name', 'cluster', 'parity'], sprite, step: o.step ?? 0, tag: o.tag ?? 'default' });
  w.close();
  return mat;
}
