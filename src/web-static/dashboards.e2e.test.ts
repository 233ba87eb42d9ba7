// The PR curves, Images and Histograms tabs in Debian's Chromium (driven by playwright-core) over
// the real PyTorch fixture, served by `vizjobs view`, plus a run written here with a noisy PR curve
// at three steps: every threshold the route sends is a vertex, the tooltip shows the route's
// numbers for the vertex under the pointer, the legend and per-run step sliders say which step
// is drawn; image brightness and contrast reach the computed filter, actual size shows natural
// pixels, a click enlarges and Escape closes; histograms switch to overlay with every step TensorBoard
// served drawn on one set of axes. Screenshots (light and dark) land in test-artifacts/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { pytorchFixtureDir, repoRoot } from '../testing/paths.js';
import { startViewServer, type ViewServer } from '../view/server.js';
import { SummaryWriter } from '../writer/index.js';
import { formatTick, formatValue } from '../web/lib/format.js';
import { ensureBrowserTestsCanRun, launchChromium, pageCollectingErrors } from '../testing/browser.js';

const artifacts = join(repoRoot, 'test-artifacts');
const RUN = 'mlp_lr1e-3_adam';
const NOISY = 'noisy';
const PR_TAG = 'pr/class0';
const NOISY_STEPS = [100, 200, 300];

interface PrStats { tag: string; runs: Array<{ run: string; step: number; vertices: number; indices: number[] }> }
/** The PR tab as the page exposes it for tests (web/viewer/prcurves.ts). */
interface PrHandle {
  stats(): PrStats[];
  screenPoint(tag: string, run: string, i: number): { x: number; y: number } | undefined;
}
interface RouteEntry {
  step: number;
  precision: number[];
  recall: number[];
  thresholds: number[];
  true_positives: number[];
  false_positives: number[];
  true_negatives: number[];
  false_negatives: number[];
}
interface Expected { histograms: Record<string, Record<string, Array<[number, number, Array<[number, number, number]>]>>> }
/** The slice of the page's DOM the functions passed to page.evaluate use (this file has no DOM types). */
interface El { clientWidth: number; clientHeight: number; naturalWidth: number; naturalHeight: number; complete: boolean; open: boolean; src: string; dataset: Record<string, string | undefined> }
interface PageGlobals {
  __vizjobsPr?: PrHandle;
  document: { querySelector(s: string): El | null; querySelectorAll(s: string): ArrayLike<El> };
  getComputedStyle(e: El): { filter: string };
}
/**
 * The page's globals with their types, for code run in the page: each page gets a global `g` of
 * the same shape (addInitScript below), so the functions passed to page.evaluate name it as here.
 */
const g = (): PageGlobals => globalThis as unknown as PageGlobals;
const G_GLOBAL = 'globalThis.g = () => globalThis;';

let tmp = '';
let server: ViewServer | undefined;
let browser: Browser | undefined;
let expected: Expected;

/** A classifier whose scores get sharper with training: 400 examples, 51 thresholds. */
function writeNoisyRun(dir: string): void {
  const w = new SummaryWriter(dir);
  let seed = 7;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (const [k, step] of NOISY_STEPS.entries()) {
    const labels: number[] = [];
    const preds: number[] = [];
    for (let i = 0; i < 400; i++) {
      const y = i % 3 === 0 ? 1 : 0;
      const sharp = 0.15 + 0.12 * k;
      labels.push(y);
      preds.push(Math.min(1, Math.max(0, 0.5 + (y ? sharp : -sharp) + (rnd() - 0.5) * 0.9)));
    }
    w.addPrCurve(PR_TAG, labels, preds, step, 51, 1_700_000_000 + step);
  }
  w.close();
}

before(async () => {
  ensureBrowserTestsCanRun();
  expected = JSON.parse(readFileSync(join(pytorchFixtureDir, 'expected-tensorboard.json'), 'utf8')) as Expected;
  tmp = mkdtempSync(join(tmpdir(), 'vizjobs-dashboards-e2e-'));
  cpSync(pytorchFixtureDir, tmp, { recursive: true });
  writeNoisyRun(join(tmp, NOISY));
  mkdirSync(artifacts, { recursive: true });
  server = await startViewServer({ logdirs: [{ name: undefined, path: tmp }], port: 0 });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function openTab(tab: string): Promise<{ page: Page; errors: string[] }> {
  assert.ok(server && browser);
  const { page, errors } = await pageCollectingErrors(browser, { viewport: { width: 1360, height: 860 }, initScript: G_GLOBAL });
  await page.goto(`${server.url}#${tab}`);
  return { page, errors };
}

async function routeEntries(run: string): Promise<RouteEntry[]> {
  assert.ok(server);
  const r = await fetch(`${server.url}data/plugin/pr_curves/pr_curves?${new URLSearchParams({ tag: PR_TAG, run })}`);
  assert.equal(r.status, 200);
  return ((await r.json()) as Record<string, RouteEntry[]>)[run];
}

const prStats = async (page: Page): Promise<PrStats | undefined> => (await page.evaluate(() => g().__vizjobsPr?.stats() ?? [])).find((s) => s.tag === PR_TAG);

/** Moves the pointer onto vertex `i` of a run's curve. */
async function hoverVertex(page: Page, run: string, i: number): Promise<void> {
  const p = await page.evaluate(([tag, r, k]) => g().__vizjobsPr?.screenPoint(tag, r, k), [PR_TAG, run, i] as [string, string, number]);
  assert.ok(p, `vertex ${i} of ${run} is drawn`);
  const box = await page.locator(`#pr_curves .card[data-tag="${PR_TAG}"] canvas`).boundingBox();
  assert.ok(box);
  await page.mouse.move(box.x + p.x, box.y + p.y);
}

/** The tooltip's row for a run: its index and its eight cells. */
async function tipRow(page: Page, run: string): Promise<{ i: number; cells: string[] }> {
  const row = page.locator(`#pr_curves .pr-tip tr[data-run="${run}"]`);
  await row.waitFor({ timeout: 10_000 });
  return { i: Number(await row.getAttribute('data-i')), cells: (await row.locator('td').allTextContents()).map((c) => c.trim()) };
}

function expectedCells(run: string, e: RouteEntry, i: number): string[] {
  return [run, ...[e.thresholds[i], e.precision[i], e.recall[i], e.true_positives[i], e.false_positives[i], e.true_negatives[i], e.false_negatives[i]].map((v) => formatValue(v))];
}

test('PR curves: every threshold a vertex, TensorBoard\'s tooltip with the route\'s numbers, run legend, a step slider per run', async () => {
  const { page, errors } = await openTab('pr_curves');
  const real = await routeEntries(RUN);
  const noisy = await routeEntries(NOISY);
  assert.deepEqual(noisy.map((e) => e.step), NOISY_STEPS);
  await page.waitForFunction(() => (g().__vizjobsPr?.stats() ?? []).some((s) => s.runs.length === 2), undefined, { timeout: 30_000 });
  let s = await prStats(page);
  assert.ok(s);
  // The real run: a good classifier, nearly every threshold at recall 1, still one vertex each.
  const realLine = s.runs.find((r) => r.run === RUN);
  const last = real[real.length - 1];
  assert.ok(realLine);
  assert.equal(realLine.step, last.step);
  assert.equal(last.recall.filter((r) => r === 1).length, last.recall.length, 'the fixture\'s curve is all at recall 1');
  assert.equal(realLine.vertices, last.thresholds.length);
  assert.deepEqual(realLine.indices, last.thresholds.map((_, i) => last.thresholds.length - 1 - i), 'threshold order, highest first');
  const noisyLine = s.runs.find((r) => r.run === NOISY);
  assert.ok(noisyLine);
  assert.equal(noisyLine.step, 300, 'each run starts at its newest step');
  assert.equal(noisyLine.vertices, noisy[2].thresholds.length);

  // The legend names each run and the step it shows.
  assert.match((await page.locator(`.pr-legend .legend-item[data-run="${RUN}"]`).textContent()) ?? '', new RegExp(`${RUN}.*at step ${last.step}`));
  assert.match((await page.locator(`.pr-legend .legend-item[data-run="${NOISY}"]`).textContent()) ?? '', /noisy.*at step 300/);

  // The tooltip of the real run's lowest point: threshold 1/127, precision 0.09375, TP 48, FP 464.
  await hoverVertex(page, RUN, 0);
  let row = await tipRow(page, RUN);
  assert.equal(row.i, 0);
  assert.deepEqual(row.cells, expectedCells(RUN, last, 0));
  assert.deepEqual(await page.locator('#pr_curves .pr-tip th').allTextContents(), ['Run', 'Threshold', 'Precision', 'Recall', 'TP', 'FP', 'TN', 'FN']);
  // A middle vertex of the noisy curve: its run's row comes first, with that threshold's numbers.
  const mid = noisyLine.indices[Math.floor(noisyLine.indices.length / 2)];
  await hoverVertex(page, NOISY, mid);
  await page.waitForFunction((i) => g().document.querySelector('#pr_curves .pr-tip tbody tr')?.dataset.i === String(i), mid, { timeout: 10_000 });
  row = await tipRow(page, NOISY);
  assert.equal(row.i, mid);
  assert.deepEqual(row.cells, expectedCells(NOISY, noisy[2], mid));
  await page.screenshot({ path: join(artifacts, 'dashboards-pr-curves.png') });

  // The noisy run's slider to its first step: its line and legend follow, the real run stays.
  await page.locator(`#pr_curves input.step-slider[data-run="${NOISY}"]`).fill('0');
  await page.waitForFunction(() => (g().__vizjobsPr?.stats() ?? []).some((c) => c.runs.some((r) => r.run === 'noisy' && r.step === 100)), undefined, { timeout: 10_000 });
  s = await prStats(page);
  assert.equal(s?.runs.find((r) => r.run === NOISY)?.vertices, noisy[0].thresholds.length);
  assert.equal(s?.runs.find((r) => r.run === RUN)?.step, last.step);
  assert.match((await page.locator(`.pr-legend .legend-item[data-run="${NOISY}"]`).textContent()) ?? '', /at step 100/);
  await hoverVertex(page, NOISY, mid);
  await page.waitForFunction((i) => g().document.querySelector('#pr_curves .pr-tip tbody tr')?.dataset.i === String(i), mid, { timeout: 10_000 });
  assert.deepEqual((await tipRow(page, NOISY)).cells, expectedCells(NOISY, noisy[0], mid));
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: join(artifacts, 'dashboards-pr-curves-dark.png') });
  assert.deepEqual(errors, []);
  await page.close();
});

test('Images: brightness and contrast reach the filter, actual size shows natural pixels, a click enlarges, Escape closes', async () => {
  const { page, errors } = await openTab('images');
  await page.waitForSelector('#images .card[data-tag="inputs"] img');
  await page.waitForFunction(() => Array.from(g().document.querySelectorAll('#images .card img')).every((i) => i.complete && i.naturalWidth > 0), undefined, { timeout: 20_000 });
  const card = '#images .card[data-tag="inputs"] img';
  const filter = (): Promise<string> => page.evaluate((sel) => { const i = g().document.querySelector(sel); return i ? g().getComputedStyle(i).filter : 'missing'; }, card);
  assert.equal(await filter(), 'none');
  await page.locator('#image-brightness').fill('150');
  await page.locator('#image-contrast').fill('80');
  assert.equal(await filter(), 'brightness(1.5) contrast(0.8)');
  assert.equal(await page.locator('#images .media-toolbar .image-pct').first().textContent(), '150%');
  await page.screenshot({ path: join(artifacts, 'dashboards-images-adjusted.png') });
  await page.locator('#image-reset').click();
  assert.equal(await filter(), 'none');

  // Fit (small images scaled up by a whole factor) against actual size (natural pixels).
  const size = (): Promise<{ w: number; h: number; nw: number; nh: number }> => page.evaluate((sel) => {
    const i = g().document.querySelector(sel);
    return i ? { w: i.clientWidth, h: i.clientHeight, nw: i.naturalWidth, nh: i.naturalHeight } : { w: 0, h: 0, nw: -1, nh: -1 };
  }, card);
  const fit = await size();
  assert.ok(fit.w >= 2 * fit.nw, `a ${fit.nw}px image fits the card scaled up (${fit.w}px)`);
  await page.locator('#image-actual-size').check();
  const actual = await size();
  assert.deepEqual([actual.w, actual.h], [actual.nw, actual.nh]);
  await page.screenshot({ path: join(artifacts, 'dashboards-images-actual-size.png') });
  // Settings survive a reload.
  await page.locator('#image-brightness').fill('120');
  await page.reload();
  await page.waitForSelector(card);
  await page.waitForFunction((sel) => (g().document.querySelector(sel)?.naturalWidth ?? 0) > 0, card, { timeout: 20_000 });
  assert.equal(await filter(), 'brightness(1.2) contrast(1)');
  assert.equal(await page.locator('#image-actual-size').isChecked(), true);
  assert.deepEqual(await size(), actual);
  await page.locator('#image-actual-size').uncheck();

  // A click opens the enlarged view: the same image, bigger than on the card, the filter kept.
  await page.locator(card).click();
  const dialog = page.locator('dialog.lightbox');
  await dialog.waitFor({ state: 'visible', timeout: 10_000 });
  assert.equal(await dialog.locator('img').getAttribute('src'), await page.locator(card).getAttribute('src'));
  await page.waitForFunction(() => (g().document.querySelector('dialog.lightbox img')?.clientWidth ?? 0) > (g().document.querySelector('#images .card[data-tag="inputs"] img')?.clientWidth ?? 0), undefined, { timeout: 10_000 });
  assert.match((await dialog.locator('.lightbox-title').textContent()) ?? '', /inputs · mlp_lr1e-3_adam · step \d+/);
  assert.equal(await page.evaluate(() => { const i = g().document.querySelector('dialog.lightbox img'); return i ? g().getComputedStyle(i).filter : ''; }), 'brightness(1.2) contrast(1)');
  await page.screenshot({ path: join(artifacts, 'dashboards-images-enlarged.png') });
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
  assert.equal(await page.evaluate(() => g().document.querySelector('dialog.lightbox')?.open), false);
  // Again, closed by a click outside the image.
  await page.locator(card).click();
  await dialog.waitFor({ state: 'visible', timeout: 10_000 });
  await page.mouse.click(8, 300);
  await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: join(artifacts, 'dashboards-images-dark.png') });
  assert.deepEqual(errors, []);
  await page.close();
});

test('Histograms: offset and overlay, every step TensorBoard served drawn, a tooltip in both modes', async () => {
  const { page, errors } = await openTab('histograms');
  const tags = Object.keys(expected.histograms[RUN]);
  await page.waitForSelector(`#histograms .card[data-run="${RUN}"] canvas[data-steps]`, { timeout: 30_000 });
  const canvases = (): Promise<Array<{ tag: string; mode: string; steps: number }>> => page.locator(`#histograms .card[data-run="${RUN}"]`).evaluateAll((cards) =>
    cards.map((c) => {
      const el = c as unknown as { dataset: Record<string, string>; querySelector(s: string): { dataset: Record<string, string> } | null };
      const cv = el.querySelector('canvas');
      return { tag: el.dataset.tag, mode: cv?.dataset.mode ?? '', steps: Number(cv?.dataset.steps ?? -1) };
    }));
  let drawn = await canvases();
  assert.deepEqual(drawn.map((d) => d.tag).sort(), [...tags].sort());
  for (const d of drawn) {
    assert.equal(d.mode, 'offset');
    assert.equal(d.steps, expected.histograms[RUN][d.tag].length, d.tag);
  }

  /** Hovers a card's canvas and checks the tooltip against TensorBoard's histogram of that step. */
  const hoverAndCheck = async (tag: string, fx: number, fy: number): Promise<number> => {
    const cardSel = `#histograms .card[data-run="${RUN}"][data-tag="${tag}"]`;
    const box = await page.locator(`${cardSel} canvas`).boundingBox();
    assert.ok(box);
    await page.mouse.move(box.x + box.width * fx, box.y + box.height * fy);
    const tip = page.locator(`${cardSel} .hist-tip`);
    await tip.waitFor({ state: 'visible', timeout: 10_000 });
    const step = Number(await tip.locator('.hist-tip-step').textContent());
    const tb = expected.histograms[RUN][tag].find((e) => e[1] === step);
    assert.ok(tb, `step ${step} is one TensorBoard served`);
    const total = tb[2].reduce((a, b) => a + b[2], 0);
    assert.match((await tip.textContent()) ?? '', new RegExp(`Total${formatTick(total).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.match((await page.locator(`${cardSel} .ridge-label`).textContent()) ?? '', new RegExp(`^step ${step} `));
    return step;
  };
  const tag = 'weights/0.weight';
  const steps = expected.histograms[RUN][tag].map((e) => e[1]);
  // Offset: the bottom ridge is the newest step, the top one the oldest.
  assert.equal(await hoverAndCheck(tag, 0.5, 0.93), steps[steps.length - 1]);
  assert.equal(await hoverAndCheck(tag, 0.5, 0.2), steps[0]);
  await page.screenshot({ path: join(artifacts, 'dashboards-histograms-offset.png') });

  await page.locator('.hist-mode button[data-mode="overlay"]').click();
  await page.waitForFunction(() => Array.from(g().document.querySelectorAll('#histograms canvas.ridge')).every((c) => c.dataset.mode === 'overlay' && c.dataset.steps !== undefined), undefined, { timeout: 10_000 });
  drawn = await canvases();
  for (const d of drawn) assert.equal(d.steps, expected.histograms[RUN][d.tag].length, `${d.tag}: every step overlaid`);
  assert.equal(await page.locator('.hist-mode button.on').getAttribute('data-mode'), 'overlay');
  assert.match((await page.locator(`#histograms .card[data-tag="${tag}"] .ridge-label`).textContent()) ?? '', /20 steps overlaid/);
  // The pointer at the curves' height picks one of the overlaid steps.
  const seen = new Set<number>();
  for (const fy of [0.15, 0.5, 0.85]) seen.add(await hoverAndCheck(tag, 0.5, fy));
  assert.ok(seen.size >= 1);
  await page.screenshot({ path: join(artifacts, 'dashboards-histograms-overlay.png') });
  // The mode is kept across a reload.
  await page.reload();
  await page.waitForSelector('#histograms canvas.ridge[data-mode="overlay"][data-steps]', { timeout: 30_000 });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: join(artifacts, 'dashboards-histograms-overlay-dark.png') });
  await page.locator('.hist-mode button[data-mode="offset"]').click();
  await page.waitForSelector('#histograms canvas.ridge[data-mode="offset"][data-steps]');
  assert.deepEqual(errors, []);
  await page.close();
});
