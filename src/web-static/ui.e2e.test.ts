// End to end in Debian's Chromium (driven by playwright-core): the whole service runs as a child
// process over a temp copy of the real PyTorch fixture; a person signs in to the console, creates
// a job, opens its viewer and works with it. Assertions read the data the page holds (through
// window.__vizjobs and the downloaded CSV) against what TensorBoard served for the same logs.
// Screenshots land in test-artifacts/ for a human to look at.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { cliPath, pytorchFixtureDir, repoRoot } from '../testing/paths.js';
import { SummaryWriter } from '../writer/index.js';
import { MsSummaryWriter } from '../testing/mindspore-writer.js';
import { ensureBrowserTestsCanRun, launchChromium } from '../testing/browser.js';
import { until } from '../testing/until.js';

const TOKEN = 'e2e-token-1';
const PROJECT = 'proj-e2e';
const OTHER_TOKEN = 'e2e-token-2';
const MAIN_RUN = 'mlp_lr1e-3_adam';
const artifacts = join(repoRoot, 'test-artifacts');

type Triple = [number, number, number | string];
interface Expected {
  runs: string[];
  scalars: Record<string, Record<string, Triple[]>>;
  histograms: Record<string, Record<string, unknown[]>>;
  text: Record<string, Record<string, unknown[]>>;
  images: Record<string, Record<string, unknown[]>>;
}
const expected = JSON.parse(readFileSync(join(pytorchFixtureDir, 'expected-tensorboard.json'), 'utf8')) as Expected;

interface ChartStats {
  tag: string;
  zoomed: boolean;
  visibleRuns: string[];
  runs: Record<string, { points: number; drawn: number; lastValue: number | null; lastSmoothed: number | null }>;
}
interface Debug { ready: boolean; runs: string[]; refreshes: number; error?: string; scalars: () => Record<string, ChartStats> }
/** The page's globals as far as these checks use them (the Node build has no DOM types). */
interface PageGlobals {
  __vizjobs?: Debug;
  __sameDocument?: boolean;
  scrollTo(x: number, y: number): void;
  document: { querySelectorAll(sel: string): ArrayLike<{ complete: boolean; naturalWidth: number }> };
}

let tmp = '';
let server: ChildProcess | undefined;
let baseUrl = '';
let browser: Browser | undefined;

function makeDirsWritable(dir: string): void {
  chmodSync(dir, 0o755);
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) makeDirsWritable(p);
    else chmodSync(p, 0o644);
  }
}

/** Starts `args` with the test's settings; resolves with the URL it prints, or undefined if it exits. */
function startServer(args: string[]): Promise<{ child: ChildProcess; url: string } | undefined> {
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: {
      ...process.env,
      VIZJOBS_HOST: '127.0.0.1',
      VIZJOBS_PORT: '0',
      VIZJOBS_DATA_DIR: join(tmp, 'data'),
      VIZJOBS_OBS_ROOT: join(tmp, 'obs'),
      VIZJOBS_TOKENS: `${TOKEN}=${PROJECT},${OTHER_TOKEN}=other-project`,
      VIZJOBS_PUBLIC_URL: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve) => {
    let out = '';
    const timer = setTimeout(() => { child.kill(); resolve(undefined); }, 20_000);
    const onData = (b: Buffer): void => {
      out += b.toString();
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) { clearTimeout(timer); resolve({ child, url: m[1].replace(/\/$/, '') }); }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (b: Buffer) => { out += b.toString(); });
    child.on('exit', () => { clearTimeout(timer); resolve(undefined); });
  });
}

async function servesConsole(url: string): Promise<boolean> {
  try {
    const r = await fetch(`${url}/`);
    return r.ok && (r.headers.get('content-type') ?? '').includes('text/html') && (await r.text()).includes('id="app"');
  } catch {
    return false;
  }
}

before(async () => {
  ensureBrowserTestsCanRun();
  tmp = mkdtempSync(join(tmpdir(), 'vizjobs-e2e-'));
  const dest = join(tmp, 'obs', 'demo', 'pytorch-mlp');
  mkdirSync(dest, { recursive: true });
  cpSync(pytorchFixtureDir, dest, { recursive: true });
  makeDirsWritable(join(tmp, 'obs'));
  mkdirSync(artifacts, { recursive: true });
  const s = await startServer([cliPath, 'serve']);
  assert.ok(s, '`vizjobs serve` did not start');
  server = s.child;
  baseUrl = s.url;
  assert.ok(await servesConsole(baseUrl), '`vizjobs serve` does not serve the web console at /');
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function debugState(page: Page): Promise<{ ready: boolean; runs: string[]; error?: string; refreshes: number; scalars: Record<string, ChartStats> }> {
  return page.evaluate(() => {
    const d = (globalThis as unknown as PageGlobals).__vizjobs;
    return d ? { ready: d.ready, runs: d.runs, error: d.error, refreshes: d.refreshes, scalars: d.scalars() } : { ready: false, runs: [], refreshes: 0, scalars: {} };
  });
}

/** TensorBoard's debiased EMA, written out independently of the UI's code. */
function tbSmoothLast(values: number[], w: number): number {
  let last = 0;
  let n = 0;
  let out = NaN;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    last = last * w + (1 - w) * v;
    n++;
    out = last / (1 - Math.pow(w, n));
  }
  return out;
}

test('a person signs in, creates a job over the real logs, and its viewer shows every sample TensorBoard served', { timeout: 120_000 }, async () => {
  assert.ok(browser);
  const started = Date.now();
  const phase = (name: string): void => console.log(`# ${((Date.now() - started) / 1000).toFixed(1)}s ${name}`);
  const context = await browser.newContext({ viewport: { width: 1400, height: 950 }, acceptDownloads: true });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  // The pages run under a strict Content-Security-Policy: anything it blocks is a defect.
  const cspViolations: string[] = [];
  context.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text()); });

  // --- console: sign in ---------------------------------------------------------------------
  await page.goto(`${baseUrl}/`);
  await page.fill('#project', PROJECT);
  await page.fill('#token', 'wrong-token');
  await page.click('#signin button[type=submit]');
  await page.waitForSelector('#signin-error:not(:empty)');
  assert.match(await page.textContent('#signin-error') ?? '', /Invalid Token/);
  await page.fill('#token', TOKEN);
  await page.click('#signin button[type=submit]');
  await page.waitForSelector('#jobs table');
  assert.equal(await page.textContent('#project-id'), PROJECT);

  phase('signed in');
  // --- console: create, with the form's validation first -----------------------------------
  await page.click('#new-job');
  await page.fill('#create-form [name=job_name]', 'bad name!');
  await page.fill('#create-form [name=train_url]', 'http://elsewhere/');
  await page.click('#create-submit');
  assert.equal(await page.locator('#create-form input.invalid').count(), 2, 'both bad fields are marked');
  await page.screenshot({ path: join(artifacts, 'console-create-invalid.png') });
  await page.fill('#create-form [name=job_name]', 'mlp-e2e');
  await page.fill('#create-form [name=job_desc]', 'real PyTorch logs');
  await page.fill('#create-form [name=train_url]', '/demo/pytorch-mlp/');
  await page.fill('#create-form [name=schedule_hours]', '2');
  await page.click('#create-submit');
  const row = page.locator('tr[data-job-name="mlp-e2e"]');
  await until('the job to be RUNNING in the list', async () => {
    await page.click('#refresh');
    return (await row.locator('.chip').textContent().catch(() => '')) === 'RUNNING';
  });
  await page.screenshot({ path: join(artifacts, 'console.png') });
  await row.hover();
  await row.locator('button.edit-desc').click();
  await page.fill('#desc-form textarea', 'MLP on real logs, Adam 1e-3');
  await page.click('#desc-form button[type=submit]');
  await until('the new description', async () => (await row.locator('.desc').textContent()) === 'MLP on real logs, Adam 1e-3');
  await page.fill('#search', 'no-such-job');
  await page.waitForSelector('#jobs .empty');
  assert.equal(await row.count(), 0, 'search filters the list');
  await page.fill('#search', 'E2E');
  await row.waitFor();

  phase('job RUNNING');
  // --- viewer: opened from the console, authenticated by the console's cookie only -----------
  const [viewer] = await Promise.all([context.waitForEvent('page'), row.locator('a.open-viewer').click()]);
  viewer.on('pageerror', (e) => pageErrors.push(String(e)));
  await viewer.waitForLoadState('domcontentloaded');
  assert.match(viewer.url(), new RegExp(`/visualization/${PROJECT}/\\d+/$`));
  const ready = await until('the viewer to load', async () => {
    const d = await debugState(viewer);
    if (d.error) throw new Error(d.error);
    return d.ready ? d : undefined;
  });
  assert.deepEqual(ready.runs, expected.runs, 'runs in TensorBoard order');

  phase('viewer ready');
  // Every scalar chart holds exactly TensorBoard's samples, run by run.
  for (const [run, tags] of Object.entries(expected.scalars)) {
    for (const [tag, triples] of Object.entries(tags)) {
      await viewer.locator(`.card[data-tag="${tag}"]`).scrollIntoViewIfNeeded();
      const s = await until(`${run} ${tag} in its chart`, async () => (await debugState(viewer)).scalars[tag]?.runs[run]);
      assert.equal(s.points, triples.length, `${run} ${tag}: points`);
      assert.ok(s.drawn > 0 && s.drawn <= triples.length, `${run} ${tag}: drawn ${s.drawn}`);
      assert.equal(s.lastValue, Number(triples[triples.length - 1][2]), `${run} ${tag}: last value`);
    }
  }
  const lossTrain = expected.scalars[MAIN_RUN]['loss/train'];
  assert.equal(lossTrain.length, 2000);
  await viewer.locator('.card[data-tag="loss/train"]').scrollIntoViewIfNeeded();
  const canvas = await viewer.locator('.card[data-tag="loss/train"] canvas').boundingBox();
  assert.ok(canvas && canvas.width > 200 && canvas.height > 150, 'loss/train is drawn on a canvas');
  await viewer.evaluate(() => (globalThis as unknown as PageGlobals).scrollTo(0, 0));
  await viewer.screenshot({ path: join(artifacts, 'viewer-scalars.png') });

  // Hover shows a value for the run under the cursor.
  const plot = viewer.locator('.card[data-tag="loss/train"] .u-over');
  await plot.scrollIntoViewIfNeeded();
  const box = await plot.boundingBox();
  assert.ok(box);
  await viewer.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
  await viewer.waitForSelector('.card[data-tag="loss/train"] .tip:not([hidden])');
  assert.match(await viewer.textContent('.card[data-tag="loss/train"] .tip') ?? '', new RegExp(MAIN_RUN.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  await viewer.screenshot({ path: join(artifacts, 'viewer-hover.png') });

  phase('scalars checked');
  // --- zoom by dragging, reset by double-click ------------------------------------------------
  await viewer.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.5);
  await viewer.mouse.down();
  await viewer.mouse.move(box.x + box.width * 0.4, box.y + box.height * 0.5, { steps: 4 });
  await viewer.mouse.up();
  await until('the chart to zoom', async () => (await debugState(viewer)).scalars['loss/train']?.zoomed);
  await plot.dblclick();
  await until('the zoom to reset', async () => (await debugState(viewer)).scalars['loss/train']?.zoomed === false);

  // --- toggle a run off and on ----------------------------------------------------------------
  await viewer.mouse.move(5, 5);
  await viewer.uncheck(`#runs input[data-run="${MAIN_RUN}"]`);
  await until('loss/train to drop the run', async () => {
    const s = (await debugState(viewer)).scalars['loss/train'];
    return s && !s.visibleRuns.includes(MAIN_RUN);
  });
  const hp = (await debugState(viewer)).scalars['hparam/loss'];
  assert.deepEqual(hp?.visibleRuns, [expected.runs[1]], 'the other run stays');
  await viewer.check(`#runs input[data-run="${MAIN_RUN}"]`);
  await until('loss/train to show the run again', async () => (await debugState(viewer)).scalars['loss/train']?.visibleRuns.includes(MAIN_RUN));

  // --- smoothing --------------------------------------------------------------------------------
  const values = lossTrain.map((t) => Number(t[2]));
  const smoothedAt = async (w: number): Promise<number> => {
    await viewer.fill('#smoothing-value', String(w));
    await viewer.press('#smoothing-value', 'Enter');
    await viewer.locator('#smoothing-value').dispatchEvent('change');
    return until(`smoothing ${w}`, async () => {
      const r = (await debugState(viewer)).scalars['loss/train']?.runs[MAIN_RUN];
      const want = w === 0 ? values[values.length - 1] : tbSmoothLast(values, w);
      return r && r.lastSmoothed !== null && Math.abs(r.lastSmoothed - want) <= 1e-9 * Math.max(1, Math.abs(want)) ? r.lastSmoothed : undefined;
    });
  };
  assert.equal(await smoothedAt(0), values[values.length - 1]);
  const heavy = await smoothedAt(0.95);
  assert.notEqual(heavy, values[values.length - 1]);
  await viewer.screenshot({ path: join(artifacts, 'viewer-smoothed.png') });

  // --- x axis and log scale keep the data ----------------------------------------------------
  await viewer.click('#x-axis button[data-axis="wall"]');
  await viewer.check('#log-scale');
  await until('wall/log redraw', async () => (await debugState(viewer)).scalars['loss/train']?.runs[MAIN_RUN]?.points === 2000);
  await viewer.evaluate(() => (globalThis as unknown as PageGlobals).scrollTo(0, 0));
  await viewer.screenshot({ path: join(artifacts, 'viewer-wall-log.png') });
  await viewer.click('#x-axis button[data-axis="step"]');
  await viewer.uncheck('#log-scale');

  phase('smoothing checked');
  // --- CSV download of a series ------------------------------------------------------------------
  const card = viewer.locator('.card[data-tag="loss/train"]');
  await card.scrollIntoViewIfNeeded();
  /** Downloads the main run's loss/train from the card's menu; returns the file's text. */
  const downloaded = async (format: 'csv' | 'json'): Promise<string> => {
    await card.locator('details.download > summary').click();
    const [download] = await Promise.all([
      viewer.waitForEvent('download'),
      card.locator(`.menu button[data-run="${MAIN_RUN}"][data-format="${format}"]`).click(),
    ]);
    const path = join(tmp, `loss.${format}`);
    await download.saveAs(path);
    return readFileSync(path, 'utf8');
  };
  const lines = (await downloaded('csv')).trim().split(/\r?\n/);
  assert.equal(lines[0], 'Wall time,Step,Value');
  assert.equal(lines.length, lossTrain.length + 1);
  const [w0, s0, v0] = lines[1].split(',').map(Number);
  assert.deepEqual([w0, s0], [lossTrain[0][0], lossTrain[0][1]]);
  assert.ok(Math.abs(v0 - Number(lossTrain[0][2])) < 1e-6);
  assert.deepEqual(JSON.parse(await downloaded('json')), lossTrain, 'the JSON download is TensorBoard\'s series');

  phase('CSV checked');
  // --- training goes on: new points appear without a reload ----------------------------------
  await viewer.evaluate(() => { (globalThis as unknown as PageGlobals).__sameDocument = true; });
  const writer = new SummaryWriter(join(tmp, 'obs', 'demo', 'pytorch-mlp', MAIN_RUN));
  for (let step = 2000; step < 2050; step++) writer.addScalar('loss/train', 0.001, step);
  writer.close();
  await until('the appended points to show', async () => (await debugState(viewer)).scalars['loss/train']?.runs[MAIN_RUN]?.points === 2050, 30_000);
  assert.equal(await viewer.evaluate(() => (globalThis as unknown as PageGlobals).__sameDocument), true, 'the page was not reloaded');

  phase('live update seen');
  // --- the other tabs show the fixture's data -----------------------------------------------------
  await viewer.click('a[data-tab="histograms"]');
  await viewer.waitForSelector('#histograms .card canvas');
  assert.equal(await viewer.locator('#histograms .card').count(), Object.keys(expected.histograms[MAIN_RUN]).length);
  // The pointer is listened for once the ridges are drawn (data-steps, in the frame after the card
  // appears); a move before that is not seen, so the move is made again until the label answers.
  let nudge = 0;
  await until('the ridge under the pointer to name its step', async () => {
    const rb = await viewer.locator('#histograms .card canvas[data-steps]').first().boundingBox({ timeout: 1_000 });
    if (!rb) return false;
    await viewer.mouse.move(rb.x + rb.width * 0.45 + (nudge++ % 2), rb.y + rb.height * 0.8);
    return /^step \d+/.test((await viewer.textContent('#histograms .ridge-label', { timeout: 1_000 })) ?? '');
  });
  await viewer.screenshot({ path: join(artifacts, 'viewer-histograms.png') });
  await viewer.click('a[data-tab="distributions"]');
  await viewer.waitForSelector('#distributions .card canvas');
  await viewer.screenshot({ path: join(artifacts, 'viewer-distributions.png') });
  await viewer.click('a[data-tab="images"]');
  await viewer.waitForSelector('#images .card img');
  await until('images to decode', async () => viewer.evaluate(() => Array.from((globalThis as unknown as PageGlobals).document.querySelectorAll('#images img')).every((i) => i.complete && i.naturalWidth > 0)));
  assert.equal(await viewer.locator('#images .card').count(), Object.keys(expected.images[MAIN_RUN]).length);
  // The step slider walks the samples TensorBoard listed for the tag.
  const inputs = viewer.locator('#images .card[data-tag="inputs"]');
  const steps = (expected.images[MAIN_RUN].inputs as Array<{ step: number }>).map((e) => e.step);
  assert.equal(await inputs.locator('.slider-row .mono').textContent(), `step ${steps[steps.length - 1]}`);
  const lastSrc = await inputs.locator('img').getAttribute('src');
  await inputs.locator('input.step-slider').fill('0');
  assert.equal(await inputs.locator('.slider-row .mono').textContent(), `step ${steps[0]}`);
  assert.notEqual(await inputs.locator('img').getAttribute('src'), lastSrc);
  await viewer.screenshot({ path: join(artifacts, 'viewer-images.png') });
  await viewer.click('a[data-tab="text"]');
  await viewer.waitForSelector('#text .text-entry');
  assert.equal(await viewer.locator('#text .text-entry').count(), expected.text[MAIN_RUN]['notes/text_summary'].length);
  assert.equal(await viewer.locator('#text script').count(), 0);
  await viewer.screenshot({ path: join(artifacts, 'viewer-text.png') });
  await viewer.click('a[data-tab="hparams"]');
  await viewer.waitForSelector('#hparams table, #hparams .empty');
  await viewer.screenshot({ path: join(artifacts, 'viewer-hparams.png') });
  await viewer.click('a[data-tab="pr_curves"]');
  await viewer.waitForSelector('#pr_curves .card, #pr_curves .empty');
  await viewer.screenshot({ path: join(artifacts, 'viewer-pr-curves.png') });
  await viewer.click('a[data-tab="audio"]');
  await viewer.waitForSelector('#audio .card audio');
  await viewer.screenshot({ path: join(artifacts, 'viewer-audio.png') });
  const audioSrc = await viewer.locator('#audio audio').first().getAttribute('src');
  assert.ok(audioSrc);
  const audio = await context.request.get(new URL(audioSrc, viewer.url()).href);
  assert.equal(audio.status(), 200, 'the clip loads with the console\'s cookie');
  assert.match(audio.headers()['content-type'] ?? '', /^audio\//);
  assert.ok((await audio.body()).length > 1000);
  await viewer.click('a[data-tab="problems"]');
  await viewer.waitForSelector('#problems .empty');
  assert.match(await viewer.textContent('#problems') ?? '', /No problems/);

  phase('tabs checked');
  // --- another project's token gets nothing -------------------------------------------------------
  const stranger = await browser.newContext();
  const jobPath = new URL(viewer.url()).pathname;
  const refused = await stranger.request.get(`${baseUrl}${jobPath}data/runs`, { headers: { 'X-Auth-Token': OTHER_TOKEN } });
  assert.equal(refused.status(), 403);
  await stranger.close();
  const anon = await browser.newContext();
  const ap = await anon.newPage();
  await ap.goto(`${baseUrl}${jobPath}`);
  await ap.waitForSelector('#viewer-signin');
  await ap.screenshot({ path: join(artifacts, 'viewer-signin.png') });
  await anon.close();

  // --- stop the job: the viewer says so ------------------------------------------------------------
  await page.bringToFront();
  await row.locator('button.stop').click();
  await page.click('dialog.confirm button[data-confirm]');
  await until('the job to be KILLED', async () => {
    await page.click('#refresh');
    return (await row.locator('.chip').textContent().catch(() => '')) === 'KILLED';
  });
  await viewer.reload();
  await viewer.waitForSelector('h1, #message');
  assert.match(await viewer.textContent('body') ?? '', /not running/i);

  // --- delete, confirmed: the job leaves the list -----------------------------------------------
  await row.locator('button.delete').click();
  await page.click('dialog.confirm button[data-confirm]');
  await until('the job to be gone', async () => {
    await page.click('#refresh');
    return (await row.count()) === 0;
  });

  assert.deepEqual(pageErrors, [], 'no script errors in the pages');
  assert.deepEqual(cspViolations, [], 'nothing blocked by the Content-Security-Policy');
  await context.close();
});

test('a job whose logs do not exist yet says "no data yet", then shows them as training writes them', { timeout: 90_000 }, async () => {
  assert.ok(browser);
  const api = `${baseUrl}/v1/${PROJECT}/visualization-jobs`;
  const headers = { 'content-type': 'application/json', 'x-auth-token': TOKEN };
  const created = (await (await fetch(api, { method: 'POST', headers, body: JSON.stringify({ job_name: 'later', train_url: '/demo/later/' }) })).json()) as { job_id: number; service_url: string };
  await until('RUNNING', async () => ((await (await fetch(`${api}/${created.job_id}`, { headers })).json()) as { status: number }).status === 8);
  const context = await browser.newContext({ viewport: { width: 1200, height: 700 }, extraHTTPHeaders: { 'X-Auth-Token': TOKEN } });
  const page = await context.newPage();
  await page.goto(created.service_url);
  await page.waitForSelector('#no-data');
  await page.screenshot({ path: join(artifacts, 'viewer-no-data.png') });
  const writer = new SummaryWriter(join(tmp, 'obs', 'demo', 'later', 'run1'));
  for (let step = 0; step < 300; step++) writer.addScalar('train/loss', 1 / (1 + step), step);
  writer.close();
  const s = await until('the new run\'s chart', async () => (await debugState(page)).scalars['train/loss']?.runs.run1, 40_000);
  assert.equal(s.points, 300);
  assert.equal(await page.locator('#no-data').count(), 0);

  // The dashboards this job has no data for are in a menu after the tabs, as TensorBoard lists them.
  await page.waitForSelector('a[data-inactive-tab="histograms"]', { state: 'attached', timeout: 20_000 });
  assert.equal(await page.locator('a[data-tab="histograms"]').count(), 0, 'an empty dashboard is not a tab');
  assert.equal(await page.locator('a[data-tab="scalars"]').count(), 1);
  assert.equal(await page.locator('a[data-tab="problems"]').count(), 1, 'Problems stays a tab');
  await page.click('#inactive-menu > summary');
  assert.match(await page.textContent('#inactive-menu > summary') ?? '', /^Inactive \(\d+\)/);
  await page.screenshot({ path: join(artifacts, 'viewer-inactive-menu.png') });
  await page.click('a[data-inactive-tab="histograms"]');
  await page.waitForSelector('a[data-tab="histograms"].active');
  assert.equal(await page.getAttribute('#inactive-menu', 'open'), null, 'the menu closes');
  await page.click('a[data-tab="scalars"]');
  await page.waitForSelector('a[data-inactive-tab="histograms"]', { state: 'attached' });
  // Training writes a histogram: the dashboard comes back to the bar by itself, with its count.
  const histograms = new SummaryWriter(join(tmp, 'obs', 'demo', 'later', 'run2'));
  histograms.addHistogram('weights', Array.from({ length: 50 }, (_, k) => Math.sin(k)), 0, 10);
  histograms.close();
  await page.waitForSelector('a[data-tab="histograms"] .badge', { timeout: 40_000 });
  assert.equal(await page.locator('a[data-inactive-tab="histograms"]').count(), 0);

  // A damaged event file shows up in the run's Problems (a record whose length CRC is wrong).
  const bad = Buffer.alloc(8 + 4 + 5 + 4);
  bad.writeBigUInt64LE(5n, 0);
  bad.writeUInt32LE(0xdeadbeef, 8);
  bad.write('hello', 12);
  writeFileSync(join(tmp, 'obs', 'demo', 'later', 'run1', 'events.out.tfevents.1999999999.host.1.9'), bad);
  // Said beside the status, which stays in view when the tab bar scrolls, and a link to the tab.
  await page.waitForSelector('#problems-link:not([hidden])', { timeout: 40_000 });
  assert.equal((await page.textContent('#problems-link'))?.trim(), '1 problem');
  await page.click('#problems-link');
  await page.waitForSelector('#problems tbody tr', { timeout: 40_000 });
  assert.equal(await page.isHidden('#problems-link'), true, 'not repeated on the Problems tab itself');
  assert.equal(await page.getAttribute('a[data-tab="problems"]', 'aria-selected'), 'true');
  const problem = await page.textContent('#problems tbody tr') ?? '';
  assert.match(problem, /run1/);
  assert.match(problem, /1999999999/);
  await page.screenshot({ path: join(artifacts, 'viewer-problems.png') });
  await context.close();
});

test('a MindInsight job over MindSpore summaries shows MindInsight\'s names, every point, and MindInsight\'s routes answer', { timeout: 90_000 }, async () => {
  assert.ok(browser);
  const dir = join(tmp, 'obs', 'demo', 'ms', 'lenet');
  const w = new MsSummaryWriter(dir, { now: () => 1_700_000_000 });
  for (let step = 1; step <= 200; step++) {
    w.addScalar('loss', 1 / step);
    w.addHistogram('conv1.weight/auto', [step, step + 1, step + 2]);
    w.record(step, 1_700_000_000 + step);
  }
  w.close();
  const api = `${baseUrl}/v1/${PROJECT}/visualization-jobs`;
  const headers = { 'content-type': 'application/json', 'x-auth-token': TOKEN };
  const created = (await (await fetch(api, { method: 'POST', headers, body: JSON.stringify({ job_name: 'mi', train_url: '/demo/ms/', job_type: 'mindinsight' }) })).json()) as { job_id: number; service_url: string };
  const job = await until('RUNNING', async () => {
    const j = (await (await fetch(`${api}/${created.job_id}`, { headers })).json()) as { status: number; job_type: string };
    return j.status === 8 && j;
  });
  assert.equal(job.job_type, 'mindinsight');
  const context = await browser.newContext({ viewport: { width: 1200, height: 700 }, extraHTTPHeaders: { 'X-Auth-Token': TOKEN } });
  const page = await context.newPage();
  await page.goto(created.service_url);
  const s = await until('the loss chart', async () => (await debugState(page)).scalars.loss?.runs.lenet, 40_000);
  assert.equal(s.points, 200);
  await page.waitForSelector('.card-title:text-is("loss/scalar")');
  assert.match(await page.textContent('a[data-tab="scalars"]') ?? '', /^Scalar\d*$/); // the title, then its tag count
  await page.click('a[data-tab="histograms"]');
  await page.waitForSelector('.card-title:text-is("conv1.weight/auto/histogram")');
  await page.screenshot({ path: join(artifacts, 'viewer-mindinsight.png') });
  const mi = `${created.service_url.replace(/\/$/, '')}/v1/mindinsight/datavisual`;
  const plugins = (await (await fetch(`${mi}/plugins?train_id=./lenet`, { headers })).json()) as { plugins: Record<string, string[]> };
  assert.deepEqual(plugins.plugins.scalar, ['loss/scalar']);
  const meta = (await (await fetch(`${mi}/scalar/metadata?train_id=./lenet&tag=loss/scalar`, { headers })).json()) as { metadatas: unknown[] };
  assert.equal(meta.metadatas.length, 200);
  await context.close();
});

test('behind a proxy that serves vizjobs under a path prefix, the console and the viewer work and ask for nothing outside it', { timeout: 90_000 }, async () => {
  assert.ok(browser);
  const prefix = '/tools/vizjobs';
  const target = new URL(baseUrl);
  const outside: string[] = [];
  // What an ingress with a rewrite does: forward /tools/vizjobs/x as /x, refuse everything else.
  const proxy = createServer((req, res) => {
    const url = req.url ?? '/';
    if (!url.startsWith(`${prefix}/`)) {
      outside.push(url);
      res.writeHead(404).end();
      return;
    }
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: url.slice(prefix.length), headers: { ...req.headers, host: target.host } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((ok) => proxy.listen(0, '127.0.0.1', ok));
  const proxied = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}${prefix}`;
  const context = await browser.newContext({ viewport: { width: 1200, height: 700 } });
  try {
    const api = `${baseUrl}/v1/${PROJECT}/visualization-jobs`;
    const headers = { 'content-type': 'application/json', 'x-auth-token': TOKEN };
    // Its own copy of the fixture: the first test appends to the shared one.
    cpSync(pytorchFixtureDir, join(tmp, 'obs', 'demo', 'proxied'), { recursive: true });
    makeDirsWritable(join(tmp, 'obs', 'demo', 'proxied'));
    const created = (await (await fetch(api, { method: 'POST', headers, body: JSON.stringify({ job_name: 'proxied', train_url: '/demo/proxied/' }) })).json()) as { job_id: number };
    await until('RUNNING', async () => ((await (await fetch(`${api}/${created.job_id}`, { headers })).json()) as { status: number }).status === 8);

    const page = await context.newPage();
    await page.goto(`${proxied}/`);
    await page.fill('#project', PROJECT);
    await page.fill('#token', TOKEN);
    await page.click('#signin button[type=submit]');
    await page.waitForSelector('#jobs table');
    assert.ok(((await page.textContent('#jobs table')) ?? '').includes('proxied'), 'the job list came through the prefix');

    // The viewer page, its assets, the sign-in cookie and the data API, all under the prefix.
    await page.goto(`${proxied}/visualization/${PROJECT}/${created.job_id}/`);
    const s = await until('loss/train through the proxy', async () => (await debugState(page)).scalars['loss/train']?.runs[MAIN_RUN]);
    assert.equal(s.points, expected.scalars[MAIN_RUN]['loss/train'].length);
    assert.equal(await page.getAttribute('a.brand', 'href'), `${prefix}/`);
    assert.deepEqual(outside, [], 'requests that missed the prefix');
  } finally {
    await context.close();
    await new Promise((ok) => proxy.close(ok));
  }
});
