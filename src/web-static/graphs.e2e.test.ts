// The Graphs tab in Debian's Chromium (driven by playwright-core) over the real PyTorch fixture
// (its add_graph GraphDef) plus a TensorFlow-style graph written by the project's writer, served by
// `vizjobs view`: the graph is drawn with its scopes closed, a double-click opens one, search
// finds a node and its details show op, shapes and inputs, the wheel zooms, and the run selector
// switches graphs. Screenshots land in test-artifacts/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { pytorchFixtureDir, repoRoot } from '../testing/paths.js';
import { transformerGraphDef } from '../testing/transformer-graph.js';
import { startViewServer, type ViewServer } from '../view/server.js';
import { SummaryWriter } from '../writer/index.js';
import { ensureBrowserTestsCanRun, launchChromium, pageCollectingErrors } from '../testing/browser.js';

const artifacts = join(repoRoot, 'test-artifacts');
const RUN = 'mlp_lr1e-3_adam';

interface Stats { run: string; nodes: number; shown: number; expanded: number[]; selected: number; matches: number; error?: string; layoutSeq: number; zoom: number }
/** The tab as the page exposes it for tests (see web/viewer/graphs.ts). */
interface GraphsHandle {
  stats(): Stats;
  itemNamed(name: string): number;
  screenPoint(item: number): { x: number; y: number } | undefined;
}
/**
 * The handle, for code run in the page: each page gets a global `graphs` of the same shape
 * (addInitScript below), so the functions passed to page.evaluate name it as they would here.
 */
const graphs = (): GraphsHandle => (globalThis as unknown as { __vizjobsGraphs: GraphsHandle }).__vizjobsGraphs;
const GRAPHS_GLOBAL = 'globalThis.graphs = () => globalThis.__vizjobsGraphs;';

let tmp = '';
let server: ViewServer | undefined;
let browser: Browser | undefined;

before(async () => {
  ensureBrowserTestsCanRun();
  tmp = mkdtempSync(join(tmpdir(), 'vizjobs-graphs-e2e-'));
  cpSync(pytorchFixtureDir, tmp, { recursive: true });
  const w = new SummaryWriter(join(tmp, 'tf_bert'));
  w.addGraph(transformerGraphDef(4).bytes);
  w.close();
  mkdirSync(artifacts, { recursive: true });
  server = await startViewServer({ logdirs: [{ name: undefined, path: tmp }], port: 0 });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const stats = (page: Page): Promise<Stats> => page.evaluate(() => graphs().stats());

async function waitText(page: Page, selector: string, text: string): Promise<void> {
  type Doc = { document: { querySelector(s: string): { textContent: string | null } | null } };
  await page.waitForFunction(([sel, t]) => (globalThis as unknown as Doc).document.querySelector(sel)?.textContent === t, [selector, text], { timeout: 20_000 });
}

async function canvasPoint(page: Page, name: string): Promise<{ x: number; y: number }> {
  const p = await page.evaluate((n) => graphs().screenPoint(graphs().itemNamed(n)), name);
  assert.ok(p, `${name} is not shown`);
  const box = await page.locator('canvas.graph-canvas').boundingBox();
  assert.ok(box);
  return { x: box.x + p.x, y: box.y + p.y };
}

test('Graphs tab: the PyTorch graph drawn, a scope opened, a node searched and its details shown, zoom, another run', async () => {
  assert.ok(server && browser);
  const { page, errors } = await pageCollectingErrors(browser, { viewport: { width: 1400, height: 860 }, initScript: GRAPHS_GLOBAL });
  // What the data API answers for this run: the node count the tab must show.
  const pbtxt = await (await fetch(`${server.url}data/plugin/graphs/graph?run=${encodeURIComponent(RUN)}`)).text();
  const nodeCount = (pbtxt.match(/^node \{$/gm) ?? []).length;
  assert.ok(nodeCount > 0);

  await page.goto(`${server.url}#graphs`);
  await page.waitForFunction(() => (graphs()?.stats().layoutSeq ?? 0) > 0, undefined, { timeout: 30_000 });
  // Runs with graphs, sorted: the PyTorch run first.
  assert.deepEqual(await page.locator('#graph-run option').allTextContents(), [RUN, 'tf_bert']);
  let s = await stats(page);
  assert.equal(s.run, RUN);
  assert.equal(s.nodes, nodeCount);
  assert.equal(s.error, undefined);
  // add_graph's scopes: input, output and the Sequential module, each closed.
  assert.equal(s.shown, 3);
  await page.screenshot({ path: join(artifacts, 'graphs-1-pytorch-closed.png') });

  // Double-click opens the Sequential scope where it stands.
  const seq = await page.evaluate(() => graphs().itemNamed('Sequential'));
  const at = await canvasPoint(page, 'Sequential');
  await page.mouse.dblclick(at.x, at.y);
  await page.waitForFunction((g) => graphs().stats().expanded.includes(g) && graphs().stats().layoutSeq > 1, seq, { timeout: 20_000 });
  await page.waitForFunction(() => graphs().screenPoint(graphs().itemNamed('Sequential/ReLU[1]')) !== undefined, undefined, { timeout: 20_000 });
  s = await stats(page);
  assert.equal(s.shown, 6, 'input, output, Sequential and its Linear[0], ReLU[1], Linear[2]');

  // A click on a group selects it: its details list what it holds.
  const lin = await canvasPoint(page, 'Sequential/Linear[2]');
  await page.mouse.click(lin.x, lin.y);
  await waitText(page, '#graph-detail-name', 'Sequential/Linear[2]');
  assert.match((await page.locator('#graph-details').textContent()) ?? '', /Name scope[\s\S]*Ops3/);

  // Search: the ReLU op, revealed (its scope opened) and its details shown.
  await page.fill('#graph-search', 'relu[1]/input');
  await page.waitForSelector('.graph-hit');
  assert.equal(await page.locator('.graph-hit').count(), 1);
  await page.locator('.graph-hit').first().click();
  await waitText(page, '#graph-detail-op', 'aten::relu');
  assert.equal(await page.locator('#graph-detail-name').textContent(), 'Sequential/ReLU[1]/input');
  assert.deepEqual(await page.locator('#graph-detail-shapes li').allTextContents(), ['[2, 128]']);
  assert.deepEqual(await page.locator('#graph-detail-inputs li').allTextContents(), ['Sequential/Linear[0]/input.3']);
  assert.deepEqual(await page.locator('#graph-detail-outputs li').allTextContents(), ['Sequential/Linear[2]/42']);
  s = await stats(page);
  assert.ok(s.expanded.includes(await page.evaluate(() => graphs().itemNamed('Sequential/ReLU[1]'))));
  assert.equal(s.selected, await page.evaluate(() => graphs().itemNamed('Sequential/ReLU[1]/input')));
  await page.screenshot({ path: join(artifacts, 'graphs-2-pytorch-details.png') });

  // An input link in the details panel jumps to that node.
  await page.locator('#graph-detail-inputs a').first().click();
  await waitText(page, '#graph-detail-name', 'Sequential/Linear[0]/input.3');
  assert.equal(await page.locator('#graph-detail-op').textContent(), 'aten::linear');

  // The wheel zooms about the pointer; Fit brings the whole graph back.
  const before = (await stats(page)).zoom;
  const box = await page.locator('canvas.graph-canvas').boundingBox();
  assert.ok(box);
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.wheel(0, 400);
  await page.waitForFunction((z) => graphs().stats().zoom < z * 0.9, before, { timeout: 10_000 });

  // The other run: a TensorFlow graph with nested scopes, a `kernel` both op and scope.
  await page.selectOption('#graph-run', 'tf_bert');
  await page.waitForFunction(() => graphs().stats().run === 'tf_bert', undefined, { timeout: 30_000 });
  s = await stats(page);
  assert.equal(s.nodes, transformerGraphDef(4).nodes);
  await page.fill('#graph-search', 'layer_2/attention/self/query/kernel');
  await page.waitForSelector('.graph-hit');
  await page.locator('.graph-hit', { hasText: /kernel\/read/ }).click();
  await waitText(page, '#graph-detail-op', 'Identity');
  assert.deepEqual(await page.locator('#graph-detail-inputs li').allTextContents(), ['bert/encoder/layer_2/attention/self/query/kernel']);
  assert.deepEqual(await page.locator('#graph-detail-shapes li').allTextContents(), ['[768, 768]']);
  await page.screenshot({ path: join(artifacts, 'graphs-3-tf-search.png') });

  assert.deepEqual(errors, []);
  await page.close();
});
