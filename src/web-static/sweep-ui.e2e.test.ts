// The viewer with a sweep (many runs in directories), end to end in Debian's Chromium driven by
// playwright-core, against the built service (`vizjobs serve` in a child process) over event files
// written by the project's writer. Behaviours, not timings: run filter and "select matching", the
// address carrying the view across a reload, settings kept per job, colours that follow the run's
// name (and a picked one remembered), box zoom kept when runs are toggled, pinned cards, ignore
// outliers, fullscreen, and a run list and tooltip whose size does not follow the number of runs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { repoRoot } from '../testing/paths.js';
import { callWithToken, startServeProcess, type ServeProcess } from '../testing/serve-process.js';
import { SummaryWriter } from '../writer/index.js';
import { ensureBrowserTestsCanRun, launchChromium } from '../testing/browser.js';
import { until } from '../testing/until.js';

const TOKEN = 'sweep-token';
const PROJECT = 'sweep-proj';
const GROUPS = 4;
/** 4 × 30 = 120 runs: past the 100 from which a chart draws its runs over layered canvases. */
const SEEDS = 30;
const STEPS = 20;
const SPIKE = 1000;
const artifacts = join(repoRoot, 'test-artifacts');

interface ChartStats {
  visibleRuns: string[];
  zoomed: boolean;
  zoom: { x?: [number, number]; y?: [number, number] };
  xRange: [number, number];
  yRange: [number, number];
  runs: Record<string, { points: number; lastSmoothed: number | null }>;
  paints: number;
  grid: string;
}
interface Debug { ready: boolean; runs: string[]; error?: string; scalars(): Record<string, ChartStats>; cards(): string[]; color(run: string): string; runRows(): number }
interface PageGlobals { __vizjobs?: Debug; location: { hash: string } }

let tmp = '';
let server: ServeProcess | undefined;
let browser: Browser | undefined;
const jobs: Record<string, string> = {};

function writeSweep(dir: string, runs: string[]): void {
  for (const [i, run] of runs.entries()) {
    const w = new SummaryWriter(join(dir, run), { now: () => 1.78e9 + i });
    for (let step = 0; step < STEPS; step++) {
      w.addScalar('loss', Math.exp(-step / 6) + i * 0.01, step, 1.78e9 + i + step);
      // One spike in one run: with outliers ignored the axis follows the other 99.9 %.
      w.addScalar('spiky', i === 0 && step === 5 ? SPIKE : 1 + Math.sin(step + i) * 0.1, step, 1.78e9 + i + step);
    }
    w.close();
  }
}

/** Runs of job c: more than two pages of cards (CARDS_PER_PAGE, 24) per tag. */
const cardRuns = Array.from({ length: 60 }, (_, k) => `r${String(k).padStart(2, '0')}`);
const sweepRuns = Array.from({ length: GROUPS * SEEDS }, (_, k) => `lr${Math.floor(k / SEEDS)}/seed${k % SEEDS}`);

before(async () => {
  ensureBrowserTestsCanRun();
  tmp = mkdtempSync(join(tmpdir(), 'vizjobs-sweep-ui-'));
  writeSweep(join(tmp, 'obs', 'sweeps', 'a'), sweepRuns);
  // The second job: some of the same runs, in another order, with one the first job lacks.
  writeSweep(join(tmp, 'obs', 'sweeps', 'b'), ['aaa/first', ...sweepRuns.filter((r) => r.startsWith('lr2/')).reverse()]);
  mkdirSync(artifacts, { recursive: true });
  server = await startServeProcess(['--data-dir', join(tmp, 'data'), '--obs-root', join(tmp, 'obs')], { VIZJOBS_TOKENS: `${TOKEN}=${PROJECT}`, VIZJOBS_HOST: '127.0.0.1', VIZJOBS_PUBLIC_URL: '' });
  // The third job: histograms and text in every run, for the tabs that show a card per run and tag.
  for (const [i, run] of cardRuns.entries()) {
    const w = new SummaryWriter(join(tmp, 'obs', 'sweeps', 'c', run), { now: () => 1.78e9 + i });
    for (let step = 0; step < 3; step++) {
      w.addHistogram('weights', Array.from({ length: 50 }, (_, k) => Math.sin(k + i + step)), step, 10, 1.78e9 + i + step);
      w.addText('notes', `run ${run} step ${step}`, step, 1.78e9 + i + step);
    }
    w.close();
  }
  for (const name of ['a', 'b', 'c']) {
    const created = await callWithToken(server.base, 'POST', `/v1/${PROJECT}/visualization-jobs`, TOKEN, { job_name: `sweep-${name}`, train_url: `/sweeps/${name}/` });
    assert.equal(created.status, 200, JSON.stringify(created.json));
    const id = String(created.json?.job_id);
    await until(`job ${name} RUNNING`, async () => (await callWithToken(server!.base, 'GET', `/v1/${PROJECT}/visualization-jobs/${id}`, TOKEN)).json?.status === 8);
    jobs[name] = `${server.base}/visualization/${PROJECT}/${id}/`;
  }
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function newContext(): Promise<BrowserContext> {
  assert.ok(browser);
  return browser.newContext({ viewport: { width: 1300, height: 900 }, extraHTTPHeaders: { 'X-Auth-Token': TOKEN } });
}

const charts = (page: Page): Promise<Record<string, ChartStats>> =>
  page.evaluate(() => (globalThis as unknown as PageGlobals).__vizjobs?.scalars() ?? {});
const chart = async (page: Page, key: string): Promise<ChartStats | undefined> => (await charts(page))[key];
const hash = (page: Page): Promise<string> => page.evaluate(() => decodeURIComponent((globalThis as unknown as PageGlobals).location.hash));

/** Opens a job's viewer (optionally at a hash) and waits until `tag` draws `runs` runs. */
async function open(page: Page, job: string, at = '', tag = 'loss', runs?: number): Promise<void> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${jobs[job]}${at}`);
  await until(`${tag} drawn in job ${job}`, async () => {
    if (errors.length) throw new Error(errors.join('; '));
    const s = await chart(page, tag);
    return s && s.paints > 0 && (runs === undefined ? s.visibleRuns.length > 0 : s.visibleRuns.length === runs);
  });
}

test('the run filter narrows the list and the charts, and "select matching" keeps exactly those runs as a regex', { timeout: 90_000 }, async () => {
  const context = await newContext();
  const page = await context.newPage();
  await open(page, 'a', '', 'loss', sweepRuns.length);
  // Grouped by directory: a header per lr group; folding one hides its runs.
  await page.locator('#runs [data-group-row="lr0"] button.caret').click();
  await until('lr0 folded', async () => (await page.locator('#runs input[data-run^="lr0/"]').count()) === 0 && (await page.locator('#runs [data-group-row="lr1"]').count()) === 1);
  await page.locator('#runs [data-group-row="lr0"] button.caret').click();
  await until('lr0 unfolded', async () => (await page.locator('#runs input[data-run="lr0/seed0"]').count()) === 1);
  await page.fill('#run-filter', '^lr1/seed1');
  const matching = sweepRuns.filter((r) => /^lr1\/seed1/i.test(r));
  await until('the filter to apply', async () => (await chart(page, 'loss'))?.visibleRuns.length === matching.length);
  assert.equal(await page.locator('#runs input[data-run]').count(), matching.length, 'the list shows only matching runs');
  await page.click('#select-matching');
  await page.fill('#run-filter', '');
  const s = await until('the selection to hold without the filter', async () => {
    const c = await chart(page, 'loss');
    return c && c.visibleRuns.length === matching.length ? c : undefined;
  });
  assert.deepEqual([...s.visibleRuns].sort(), [...matching].sort());
  assert.match(await hash(page), /sel=re:\^lr1\/seed1/);
  // A whole group switched on from its header (the filter brings it into the list's window).
  await page.fill('#run-filter', '^lr3/');
  await page.check('#runs input[data-group="lr3"]');
  await page.fill('#run-filter', '');
  await until('lr3 added', async () => (await chart(page, 'loss'))?.visibleRuns.length === matching.length + SEEDS);
  await page.click('#select-all');
  await until('every run again', async () => (await chart(page, 'loss'))?.visibleRuns.length === sweepRuns.length);
  await context.close();
});

test('the address carries tab, selection, filters, smoothing, axis, log scale, outliers and pins across a reload', { timeout: 90_000 }, async () => {
  const context = await newContext();
  const page = await context.newPage();
  await open(page, 'a', '', 'loss', sweepRuns.length);
  await page.uncheck('#runs input[data-run="lr0/seed1"]');
  await page.fill('#smoothing-value', '0.9');
  await page.locator('#smoothing-value').dispatchEvent('change');
  await page.click('#x-axis button[data-axis="relative"]');
  await page.check('#log-scale');
  await page.check('#ignore-outliers');
  await page.selectOption('#tooltip-sort', 'descending');
  await page.fill('#tag-filter', 'loss|spiky');
  await page.locator('.card[data-tag="spiky"][data-pinned="0"] button.pin').click();
  await until('the pinned card', async () => (await page.evaluate(() => (globalThis as unknown as PageGlobals).__vizjobs?.cards() ?? []))[0] === 'pin:spiky');
  const before = await hash(page);
  for (const part of ['#scalars?', 'off=lr0/seed1', 'smoothing=0.9', 'x=relative', 'log=1', 'outliers=ignore', 'sort=descending', 'tagFilter=loss|spiky', 'pin=spiky']) {
    assert.ok(before.includes(part), `${part} in ${before}`);
  }
  const url = page.url();
  // The link opened in a fresh browser (no storage at all) shows the same view.
  const other = await newContext();
  const p2 = await other.newPage();
  for (const p of [page, p2]) {
    if (p === page) await page.reload();
    else await p2.goto(url);
    await until('the view after reload', async () => {
      const c = await chart(p, 'loss');
      return c && c.paints > 0 && c.visibleRuns.length === sweepRuns.length - 1;
    });
    assert.equal(await p.inputValue('#smoothing-value'), '0.9');
    assert.equal(await p.locator('#x-axis button.on').getAttribute('data-axis'), 'relative');
    assert.equal(await p.isChecked('#log-scale'), true);
    assert.equal(await p.isChecked('#ignore-outliers'), true);
    assert.equal(await p.inputValue('#tooltip-sort'), 'descending');
    assert.equal(await p.inputValue('#tag-filter'), 'loss|spiky');
    assert.equal(await p.isChecked('#runs input[data-run="lr0/seed1"]'), false);
    assert.ok(!(await chart(p, 'loss'))?.visibleRuns.includes('lr0/seed1'));
    assert.equal((await p.evaluate(() => (globalThis as unknown as PageGlobals).__vizjobs?.cards() ?? []))[0], 'pin:spiky');
  }
  // The tab is part of it too. This job has no histograms: the dashboard is in the inactive menu.
  await p2.waitForSelector('a[data-inactive-tab="histograms"]', { state: 'attached' });
  await p2.click('#inactive-menu > summary');
  await p2.click('a[data-inactive-tab="histograms"]');
  await until('the tab in the address', async () => (await hash(p2)).startsWith('#histograms?') && (await hash(p2)).includes('smoothing=0.9'));
  await p2.reload();
  await p2.waitForSelector('a[data-tab="histograms"].active');
  await other.close();
  await context.close();
});

test('settings are kept per job: what one job sets never shows in another', { timeout: 90_000 }, async () => {
  const context = await newContext();
  const page = await context.newPage();
  await open(page, 'a');
  await page.fill('#tag-filter', '^spiky$');
  await page.fill('#smoothing-value', '0.2');
  await page.locator('#smoothing-value').dispatchEvent('change');
  await until('job a filtered', async () => (await hash(page)).includes('tagFilter=^spiky$') && (await hash(page)).includes('smoothing=0.2'));
  // Job b, opened without an address of its own: its defaults, both tags.
  await open(page, 'b', '', 'loss');
  assert.equal(await page.inputValue('#tag-filter'), '');
  assert.equal(await page.inputValue('#smoothing-value'), '0.6');
  assert.ok(await chart(page, 'spiky'), 'spiky shown');
  await page.fill('#tag-filter', 'loss');
  await until('job b filtered', async () => (await hash(page)).includes('tagFilter=loss'));
  // Job a again, plain link: its own settings back from storage.
  await page.goto(jobs.a);
  await until('job a settings back', async () => (await page.inputValue('#tag-filter')) === '^spiky$' && (await page.inputValue('#smoothing-value')) === '0.2');
  await until('only spiky in job a', async () => {
    const c = await charts(page);
    return c.spiky && !c.loss;
  });
  await context.close();
});

test('a run keeps its colour whatever runs surround it, colours are distinct, and a picked colour is remembered for that job', { timeout: 90_000 }, async () => {
  const context = await newContext();
  const page = await context.newPage();
  await open(page, 'a');
  const colorsA = await page.evaluate((runs) => runs.map((r) => (globalThis as unknown as PageGlobals).__vizjobs?.color(r) ?? ''), sweepRuns);
  // 3,240 colours: a few of 120 runs may share one (birthday odds), never many.
  assert.ok(new Set(colorsA).size >= sweepRuns.length - 6, `distinct colours: ${new Set(colorsA).size} of ${sweepRuns.length}`);
  for (const c of colorsA) assert.match(c, /^#[0-9a-f]{6}$/);
  // "Forever": the name → colour rule is part of the product; a change to it repaints every sweep.
  assert.equal(colorsA[sweepRuns.indexOf('lr2/seed3')], '#0fc718');
  assert.equal(colorsA[sweepRuns.indexOf('lr0/seed0')], '#1b62ee');
  await open(page, 'b');
  const lr2 = sweepRuns.filter((r) => r.startsWith('lr2/'));
  const colorsB = await page.evaluate((runs) => runs.map((r) => (globalThis as unknown as PageGlobals).__vizjobs?.color(r) ?? ''), lr2);
  assert.deepEqual(colorsB, lr2.map((r) => colorsA[sweepRuns.indexOf(r)]), 'same run, same colour, in another job with other runs in another order');
  // The colour shown in the list is the run's.
  const swatch = page.locator('#runs input[data-run-color="lr2/seed3"]');
  assert.equal(await swatch.inputValue(), colorsA[sweepRuns.indexOf('lr2/seed3')]);
  // A pick: remembered across a reload for this job, not in the other.
  await swatch.fill('#123456');
  await until('the pick to apply', async () => (await page.evaluate(() => (globalThis as unknown as PageGlobals).__vizjobs?.color('lr2/seed3'))) === '#123456');
  await page.reload();
  await until('the pick after reload', async () => (await page.evaluate(() => (globalThis as unknown as PageGlobals).__vizjobs?.color('lr2/seed3'))) === '#123456');
  await open(page, 'a');
  assert.equal(await page.evaluate(() => (globalThis as unknown as PageGlobals).__vizjobs?.color('lr2/seed3')), colorsA[sweepRuns.indexOf('lr2/seed3')]);
  await context.close();
});

test('a box zoom sets both axes and is kept when runs are toggled and when data arrives; double-click resets it', { timeout: 120_000 }, async () => {
  const context = await newContext();
  const page = await context.newPage();
  await open(page, 'a', '#scalars?smoothing=0', 'loss', sweepRuns.length);
  const full = (await chart(page, 'loss')) as ChartStats;
  const over = page.locator('.card[data-tag="loss"][data-pinned="0"] .u-over');
  await over.scrollIntoViewIfNeeded();
  const box = await over.boundingBox();
  assert.ok(box);
  await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.3);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.7, { steps: 5 });
  await page.mouse.up();
  const zoomed = await until('the box zoom', async () => {
    const c = await chart(page, 'loss');
    return c?.zoom.x && c.zoom.y ? c : undefined;
  });
  assert.ok(zoomed.xRange[0] > full.xRange[0] && zoomed.xRange[1] < full.xRange[1], 'x narrowed');
  assert.ok(zoomed.yRange[0] > full.yRange[0] && zoomed.yRange[1] < full.yRange[1], 'y narrowed');
  await page.mouse.move(5, 5);
  await page.uncheck('#runs input[data-run="lr0/seed0"]');
  const toggled = await until('the run to go', async () => {
    const c = await chart(page, 'loss');
    return c && !c.visibleRuns.includes('lr0/seed0') ? c : undefined;
  });
  assert.deepEqual([toggled.xRange, toggled.yRange], [zoomed.xRange, zoomed.yRange], 'zoom kept across the toggle');
  await page.check('#runs input[data-run="lr0/seed0"]');
  await until('the run back', async () => (await chart(page, 'loss'))?.visibleRuns.includes('lr0/seed0'));
  assert.deepEqual((await chart(page, 'loss'))?.xRange, zoomed.xRange);
  // Training goes on: new steps arrive with the poll, the zoom stays.
  const w = new SummaryWriter(join(tmp, 'obs', 'sweeps', 'a', 'lr0', 'seed0'), { now: () => 1.79e9 });
  for (let step = STEPS; step < STEPS + 5; step++) w.addScalar('loss', 0.01, step, 1.79e9 + step);
  w.close();
  const grown = await until('the new steps', async () => {
    const c = await chart(page, 'loss');
    return c?.runs['lr0/seed0']?.points === STEPS + 5 ? c : undefined;
  }, 60_000);
  assert.deepEqual([grown.xRange, grown.yRange], [zoomed.xRange, zoomed.yRange], 'zoom kept when data arrives');
  await page.screenshot({ path: join(artifacts, 'sweep-box-zoom.png') });
  await over.dblclick();
  await until('the zoom reset', async () => (await chart(page, 'loss'))?.zoomed === false);
  assert.deepEqual((await chart(page, 'loss'))?.xRange, [full.xRange[0], STEPS + 4], 'the whole x range again, new steps included');
  await context.close();
});

test('a pinned card is shown at the top, stays when the tag filter hides its tag, and unpins', { timeout: 90_000 }, async () => {
  const context = await newContext();
  const page = await context.newPage();
  await open(page, 'a');
  await page.locator('.card[data-tag="spiky"][data-pinned="0"] button.pin').click();
  await page.waitForSelector('#pinned .card[data-tag="spiky"]');
  await until('the pinned copy drawn', async () => (await chart(page, 'pin:spiky'))?.paints);
  await page.fill('#tag-filter', '^loss$');
  await until('spiky filtered out below, pinned above', async () => {
    const cards = await page.evaluate(() => (globalThis as unknown as PageGlobals).__vizjobs?.cards() ?? []);
    return cards.join(',') === 'pin:spiky,loss';
  });
  await page.locator('#pinned .card[data-tag="spiky"] button.pin').click();
  await until('unpinned', async () => (await page.locator('#pinned').count()) === 0);
  assert.ok(!(await hash(page)).includes('pin='));
  await context.close();
});

test('ignore outliers scales y to the 5–95 % quantiles; fullscreen fills the window', { timeout: 90_000 }, async () => {
  const context = await newContext();
  const page = await context.newPage();
  await open(page, 'a', '#scalars?smoothing=0', 'spiky', sweepRuns.length);
  const plain = (await chart(page, 'spiky')) as ChartStats;
  assert.ok(plain.yRange[1] >= SPIKE, `the spike sets the axis: ${plain.yRange}`);
  await page.check('#ignore-outliers');
  const robust = await until('the quantile scale', async () => {
    const c = await chart(page, 'spiky');
    return c && c.yRange[1] < 2 ? c : undefined;
  });
  assert.ok(robust.yRange[0] > 0.8 && robust.yRange[1] > 1, `${robust.yRange}`);
  const card = page.locator('.card[data-tag="spiky"][data-pinned="0"]');
  await card.locator('button.fullscreen-btn').click();
  await until('fullscreen', async () => {
    const b = await card.boundingBox();
    return b && b.width > 1200 && b.height > 800;
  });
  await page.screenshot({ path: join(artifacts, 'sweep-fullscreen.png') });
  await page.keyboard.press('Escape');
  await until('back in the grid', async () => ((await card.boundingBox())?.height ?? 9999) < 400);
  await context.close();
});

test('with many runs the list keeps only the rows in view and the tooltip names only the nearest runs', { timeout: 90_000 }, async () => {
  const context = await newContext();
  const page = await context.newPage();
  await page.setViewportSize({ width: 1300, height: 500 });
  await open(page, 'a', '', 'loss', sweepRuns.length);
  const rows = await page.evaluate(() => (globalThis as unknown as PageGlobals).__vizjobs?.runRows() ?? 0);
  assert.ok(rows > 0 && rows < sweepRuns.length + GROUPS, `${rows} rows in the DOM for ${sweepRuns.length} runs`);
  const over = page.locator('.card[data-tag="loss"][data-pinned="0"] .u-over');
  const box = await over.boundingBox();
  assert.ok(box);
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
  await page.waitForSelector('.card[data-tag="loss"] .tip:not([hidden])');
  const tipRows = await page.locator('.card[data-tag="loss"][data-pinned="0"] .tip tr[data-run]').count();
  assert.ok(tipRows > 0 && tipRows <= 8, `${tipRows} tooltip rows`);
  assert.match(await page.textContent('.card[data-tag="loss"][data-pinned="0"] .tip') ?? '', new RegExp(`nearest of ${sweepRuns.length} runs`));
  // The lines are on the layer canvases; with no run selected, nothing is left drawn on them. The
  // last layer, on top of the others, holds the highlight of the run under the cursor.
  const inked = (onlyTop = false): Promise<number> => page.evaluate((top) => {
    const d = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<{ width: number; height: number; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null }> } }).document;
    let n = 0;
    const layers = Array.from(d.querySelectorAll('.card[data-tag="loss"][data-pinned="0"] canvas.run-layer'));
    for (const c of top ? layers.slice(-1) : layers) {
      const data = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
    }
    return n;
  }, onlyTop);
  assert.ok(await inked(true) > 0, 'the hovered run highlighted on the top layer');
  await page.mouse.move(5, 5);
  await until('the highlight gone', async () => (await inked(true)) === 0);
  assert.ok(await inked() > 1000, 'runs drawn on the layers');
  await page.click('#select-none');
  await until('every layer cleared', async () => (await inked()) === 0);
  await page.click('#select-all');
  await until('drawn again', async () => (await inked()) > 1000);
  // A picked colour repaints the run's layer: no hashed colour (nor a blend of them) is this green
  // (pixels of low coverage are left out: un-premultiplying them gives any colour).
  const green = (): Promise<number> => page.evaluate(() => {
    const d = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<{ width: number; height: number; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null }> } }).document;
    let n = 0;
    for (const c of Array.from(d.querySelectorAll('.card[data-tag="loss"][data-pinned="0"] canvas.run-layer'))) {
      const data = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
      for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 160 && data[i + 1] > 230 && data[i] < 60 && data[i + 2] < 60) n++;
    }
    return n;
  });
  assert.equal(await green(), 0);
  await page.locator(`#runs input[data-run-color="${sweepRuns[0]}"]`).fill('#00ff00');
  await until('the picked colour drawn', async () => (await green()) > 20);
  await context.close();
});

test('Histograms and Text show a page of cards at a time: one request per card shown, not per run, a pager to the next, and no series for a tab not open', { timeout: 90_000 }, async () => {
  // The job's logs loaded first: a page opened during the load asks again when it ends (by design).
  const ask = async (path: string): Promise<Record<string, unknown>> => (await (await fetch(`${jobs.c}data/${path}`, { headers: { 'X-Auth-Token': TOKEN } })).json()) as Record<string, unknown>;
  await ask('runs');
  await until('job c loaded', async () => (await ask('status')).state === 'ready');
  const context = await newContext();
  const page = await context.newPage();
  // No regular poll during the test: every request counted below comes from opening a tab or turning a page.
  await page.addInitScript(() => {
    (globalThis as unknown as { __vizjobsPollMs: number }).__vizjobsPollMs = 600_000;
  });
  const asked = new Map<string, string[]>();
  page.on('request', (r) => {
    const m = /\/data\/plugin\/(histograms\/histograms|distributions\/distributions|text\/text)\?(.*)$/.exec(r.url());
    if (m) asked.set(m[1], [...(asked.get(m[1]) ?? []), new URLSearchParams(m[2]).get('run') ?? '']);
  });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${jobs.c}#histograms`);
  const cardsOf = (tab: string): Promise<string[]> => page.$$eval(`#${tab} .card[data-run]`, (els) => els.map((e) => e.getAttribute('data-run') ?? ''));
  await until('a page of histogram cards', async () => (await cardsOf('histograms')).length === 24);
  // The other tabs count their tags in the background (the tab bar's numbers) and fetch no series.
  await until('the tab bar counts distributions and text', async () =>
    (await page.locator('a[data-tab="distributions"] .badge').count()) === 1 && (await page.locator('a[data-tab="text"] .badge').count()) === 1);
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(errors, []);
  assert.deepEqual(asked.get('histograms/histograms'), cardRuns.slice(0, 24), "the first page's runs, once each");
  assert.equal(asked.get('distributions/distributions'), undefined, 'no series fetched for a tab not open');
  assert.equal(asked.get('text/text'), undefined, 'no series fetched for a tab not open');
  assert.deepEqual(await cardsOf('histograms'), cardRuns.slice(0, 24));
  assert.equal(await page.locator('#histograms .card-pager .pager-label').first().textContent(), 'Cards 1–24 of 60');
  assert.ok(await page.locator('#histograms .pager-prev').first().isDisabled());
  await page.screenshot({ path: join(artifacts, 'sweep-card-pages-histograms.png') });
  await page.locator('#histograms .pager-next').first().click();
  await until('the second page', async () => (await cardsOf('histograms'))[0] === cardRuns[24]);
  assert.deepEqual(await cardsOf('histograms'), cardRuns.slice(24, 48));
  assert.deepEqual(asked.get('histograms/histograms')?.slice(24), cardRuns.slice(24, 48), 'the next page asked its own cards only');
  await page.locator('#histograms .pager-next').first().click();
  await until('the last page', async () => (await cardsOf('histograms'))[0] === cardRuns[48]);
  assert.deepEqual(await cardsOf('histograms'), cardRuns.slice(48));
  assert.equal(await page.locator('#histograms .card-pager .pager-label').first().textContent(), 'Cards 49–60 of 60');
  assert.ok(await page.locator('#histograms .pager-next').first().isDisabled());
  // A run filter that leaves one page: no pager, and the page shows the matching runs.
  await page.fill('#run-filter', '^r0');
  await until('the filtered cards', async () => (await cardsOf('histograms')).join() === cardRuns.slice(0, 10).join());
  assert.equal(await page.locator('#histograms .card-pager').count(), 0);
  // Text: the same pages.
  await page.fill('#run-filter', '');
  await page.click('a[data-tab="text"]');
  await until('a page of text cards', async () => (await cardsOf('text')).length === 24);
  assert.deepEqual(asked.get('text/text'), cardRuns.slice(0, 24), 'opened: its first page, once each');
  await page.screenshot({ path: join(artifacts, 'sweep-card-pages.png') });
  await context.close();
});

test('a theme switch redraws the open charts in the new palette, their grid too', { timeout: 90_000 }, async () => {
  const context = await newContext();
  const page = await context.newPage();
  await open(page, 'a', '', 'loss', sweepRuns.length);
  const light = (await chart(page, 'loss'))?.grid;
  assert.ok(light, 'the chart reports its grid colour');
  // auto (light here) → light → dark
  await page.click('#theme-switch');
  await page.click('#theme-switch');
  assert.equal(await page.getAttribute('#theme-switch', 'data-theme'), 'dark');
  const dark = await until('the chart rebuilt in the dark palette', async () => {
    const g = (await chart(page, 'loss'))?.grid;
    return g && g !== light ? g : undefined;
  });
  const palette = await page.evaluate(() => {
    const w = globalThis as unknown as { getComputedStyle(e: unknown): { getPropertyValue(n: string): string }; document: { documentElement: unknown } };
    return w.getComputedStyle(w.document.documentElement).getPropertyValue('--chart-grid').trim();
  });
  assert.equal(dark, palette, "the dark palette's grid colour");
  await page.screenshot({ path: join(artifacts, 'sweep-theme-dark.png') });
  await context.close();
});
