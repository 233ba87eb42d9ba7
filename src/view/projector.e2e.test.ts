// The Projector tab end to end in Debian's Chromium (driven by playwright-core), over the real
// PyTorch fixture's embedding and a log written as PyTorch's add_embedding writes one (with a
// sprite and a metadata header): PCA, UMAP and t-SNE computed in the worker and drawn (WebGL, and
// the 2-D canvas fallback), colour by a column, search, a clicked point's nearest neighbours
// checked against neighbours computed here from tensors.tsv. Screenshots land in test-artifacts/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { clusterOf, writeClusteredEmbedding } from '../testing/embeddings.js';
import { pytorchFixtureDir, repoRoot } from '../testing/paths.js';
import { startViewServer, type ViewServer } from './server.js';
import { launchChromium, CHROMIUM } from '../testing/browser.js';

const RUN = 'mlp_lr1e-3_adam';
const FIXTURE = JSON.stringify([`pytorch/${RUN}`, 'val_inputs:02000']);
const WRITTEN = JSON.stringify(['written/run1', 'default:00000']);
const artifacts = join(repoRoot, 'test-artifacts');

interface Dbg {
  ready: boolean;
  embeddings: string[];
  embedding?: string;
  rows: number;
  cols: number;
  renderer: string;
  method: string;
  dims: number;
  projection?: { method: string; done: boolean; sampled: number; variance?: number[] };
  colorBy: string;
  legend: { value: string; count: number }[];
  matches: number;
  selected: number;
  neighbors: { index: number; label: string; distance: number }[];
  screenOf(i: number): [number, number] | undefined;
  settled(): Promise<void>;
}
type G = { __vizjobsProjector?: Dbg };

let server: ViewServer | undefined;
let browser: Browser | undefined;
let tmp = '';
let writtenMat: number[][] = [];

const skip = !existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM}`;

before(async () => {
  if (skip) return;
  tmp = mkdtempSync(join(tmpdir(), 'vizjobs-projector-e2e-'));
  writtenMat = writeClusteredEmbedding(join(tmp, 'run1'), { points: 120, dims: 16, clusters: 3, sprite: 12 });
  server = await startViewServer({ logdirs: [{ name: 'pytorch', path: pytorchFixtureDir }, { name: 'written', path: tmp }], port: 0 });
  browser = await launchChromium();
  mkdirSync(artifacts, { recursive: true });
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const dbg = <T>(page: Page, f: (d: Dbg) => T): Promise<T> =>
  page.evaluate(`(${f.toString()})(globalThis.__vizjobsProjector)`) as Promise<T>;

/** Waits until the projection of `embedding` by `method` is finished and drawn. */
async function settled(page: Page, embedding: string, method: string): Promise<void> {
  await page.waitForFunction(([e, m]) => {
    const d = (globalThis as unknown as G).__vizjobsProjector;
    return d?.embedding === e && d.projection?.method === m && d.projection.done;
  }, [embedding, method] as const, { timeout: 90_000 });
  await page.evaluate(() => (globalThis as unknown as G).__vizjobsProjector?.settled());
}

/** Cosine neighbours computed here from the matrix: the oracle for the page's list. */
function cosineNeighbours(mat: number[][], of: number, k: number): number[] {
  const norm = (v: number[]): number => Math.sqrt(v.reduce((a, x) => a + x * x, 0));
  const q = mat[of];
  return mat
    .map((v, i) => ({ i, d: 1 - v.reduce((a, x, t) => a + x * q[t], 0) / (norm(v) * norm(q)) }))
    .filter((x) => x.i !== of)
    .sort((a, b) => a.d - b.d)
    .slice(0, k)
    .map((x) => x.i);
}

/** Clicks point i where the page draws it; returns the point the page selected. */
async function clickPoint(page: Page, i: number): Promise<number> {
  const at = await page.evaluate((k) => (globalThis as unknown as G).__vizjobsProjector?.screenOf(k), i);
  assert.ok(at, `point ${i} is drawn`);
  await page.mouse.click(at[0], at[1]);
  await page.waitForFunction(() => ((globalThis as unknown as G).__vizjobsProjector?.neighbors.length ?? 0) === 10, undefined, { timeout: 20_000 });
  return dbg(page, (d) => d.selected);
}

test('the Projector tab projects, colours, searches and finds neighbours on PyTorch embeddings', { skip, timeout: 240_000 }, async () => {
  assert.ok(server && browser);
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${server.url}#projector`);
  await page.waitForFunction(() => (globalThis as unknown as G).__vizjobsProjector?.ready === true, undefined, { timeout: 30_000 });
  assert.deepEqual((await dbg(page, (d) => d.embeddings)).sort(), [`pytorch/${RUN} — val_inputs:02000`, 'written/run1 — default:00000']);

  // The real fixture: 200 × 64, one metadata column (the digit labels).
  await page.selectOption('#projector-embedding', FIXTURE);
  await settled(page, FIXTURE, 'pca');
  const state = await dbg(page, (d) => ({ rows: d.rows, cols: d.cols, renderer: d.renderer, variance: d.projection?.variance ?? [] }));
  assert.deepEqual([state.rows, state.cols, state.renderer], [200, 64, 'webgl']);
  assert.equal(state.variance.length, 2);
  assert.ok(state.variance[0] >= state.variance[1] && state.variance[0] + state.variance[1] <= 1, JSON.stringify(state.variance));
  const labels = readFileSync(join(pytorchFixtureDir, RUN, '02000', 'val_inputs', 'metadata.tsv'), 'utf8').trim().split('\n');
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  // Coloured by its one column at load; the legend counts each label's points.
  assert.equal(await dbg(page, (d) => d.colorBy), 'label');
  const legend = await dbg(page, (d) => d.legend);
  assert.deepEqual(Object.fromEntries(legend.map((e) => [e.value, e.count])), Object.fromEntries(counts));
  await page.screenshot({ path: join(artifacts, 'projector-pca-2d.png') });

  // Search: every point whose label contains "7" is a match.
  await page.fill('#projector-search', '7');
  await page.waitForFunction((n) => (globalThis as unknown as G).__vizjobsProjector?.matches === n, labels.filter((l) => l.includes('7')).length);
  assert.match(await page.textContent('#projector-matches') ?? '', /^\d+ match/);
  await page.fill('#projector-search', '');

  // Click a point: its ten nearest neighbours (cosine, original 64-d space), nearest first.
  const fixtureMat = readFileSync(join(pytorchFixtureDir, RUN, '02000', 'val_inputs', 'tensors.tsv'), 'utf8').trim().split('\n').map((l) => l.split('\t').map(Number));
  const picked = await clickPoint(page, 17);
  assert.ok(picked >= 0);
  const shown = await dbg(page, (d) => d.neighbors);
  assert.deepEqual(shown.map((n) => n.index), cosineNeighbours(fixtureMat, picked, 10));
  assert.deepEqual(shown.map((n) => n.label), cosineNeighbours(fixtureMat, picked, 10).map((i) => labels[i]));
  assert.equal(await page.locator('#projector-neighbors li').count(), 10);
  await page.screenshot({ path: join(artifacts, 'projector-neighbours.png') });
  // A neighbour in the list is a link to that point.
  await page.locator('#projector-neighbors li').first().click();
  await page.waitForFunction((i) => (globalThis as unknown as G).__vizjobsProjector?.selected === i, shown[0].index);

  // UMAP and t-SNE, computed in the worker, then 3-D.
  await page.click('#projector-method button[data-value="umap"]');
  await settled(page, FIXTURE, 'umap');
  await page.screenshot({ path: join(artifacts, 'projector-umap.png') });
  await page.click('#projector-method button[data-value="tsne"]');
  await settled(page, FIXTURE, 'tsne');
  await page.click('#projector-dims button[data-value="3"]');
  await settled(page, FIXTURE, 'tsne');
  assert.equal(await dbg(page, (d) => d.dims), 3);
  await page.screenshot({ path: join(artifacts, 'projector-tsne-3d.png') });
  await page.click('#projector-method button[data-value="pca"]');
  await settled(page, FIXTURE, 'pca');
  assert.equal(await dbg(page, (d) => d.projection?.variance?.length), 3);

  // The written log: sprite thumbnails, a header row, neighbours from the same cluster.
  await page.click('#projector-dims button[data-value="2"]');
  await page.selectOption('#projector-embedding', WRITTEN);
  await settled(page, WRITTEN, 'pca');
  assert.equal(await dbg(page, (d) => d.colorBy), 'cluster');
  assert.deepEqual((await dbg(page, (d) => d.legend)).map((e) => [e.value, e.count]), [['apple', 40], ['banana', 40], ['cherry', 40]]);
  const got = await clickPoint(page, 5);
  const near = await dbg(page, (d) => d.neighbors.map((n) => n.index));
  assert.deepEqual(near, cosineNeighbours(writtenMat.map((r) => r.map(Math.fround)), got, 10));
  assert.ok(near.every((i) => clusterOf(i, 3) === clusterOf(got, 3)), 'neighbours share the cluster');
  assert.equal(await page.locator('#projector-side canvas.thumb').count(), 11, 'a thumbnail for the point and each neighbour');
  await page.screenshot({ path: join(artifacts, 'projector-sprites.png') });
  assert.deepEqual(errors, []);
  await page.close();
});

test('without WebGL the 2-D canvas draws the projection and picks points', { skip, timeout: 120_000 }, async () => {
  assert.ok(server && browser);
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${server.url}?renderer=canvas#projector`);
  await page.waitForFunction(() => (globalThis as unknown as G).__vizjobsProjector?.ready === true, undefined, { timeout: 30_000 });
  await page.selectOption('#projector-embedding', FIXTURE);
  await settled(page, FIXTURE, 'pca');
  assert.equal(await dbg(page, (d) => d.renderer), 'canvas');
  assert.ok((await clickPoint(page, 42)) >= 0);
  await page.screenshot({ path: join(artifacts, 'projector-canvas-fallback.png') });
  assert.deepEqual(errors, []);
  await page.close();
});
