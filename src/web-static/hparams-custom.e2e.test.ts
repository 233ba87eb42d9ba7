// The HParams and Custom Scalars tabs in Debian's Chromium (playwright-core) over the real PyTorch
// fixture plus runs written here as PyTorch writes them: three more add_hparams sessions (same
// hparams and metrics as the fixture's) and a run with an add_custom_scalars layout. HParams: one
// parallel-coordinates line per session group, a filter switches a run off in the table and in the
// run selection, a run switched off in the sidebar leaves HParams. Custom Scalars: the categories,
// a multiline chart with a series per matching tag, a margin chart with its band. Screenshots
// (light and dark) land in test-artifacts/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { pytorchFixtureDir, repoRoot } from '../testing/paths.js';
import { startViewServer, type ViewServer } from '../view/server.js';
import { SummaryWriter } from '../writer/index.js';
import { ensureBrowserTestsCanRun, launchChromium, pageCollectingErrors } from '../testing/browser.js';

const artifacts = join(repoRoot, 'test-artifacts');
const FIXTURE_SESSION = 'mlp_lr1e-3_adam/1795820169.1177986';
const SESSIONS: Array<[string, { optimizer: string; hidden: number; lr: number }, { 'hparam/accuracy': number; 'hparam/loss': number }]> = [
  ['sweep/sgd_lr0.1', { optimizer: 'sgd', hidden: 64, lr: 0.1 }, { 'hparam/accuracy': 0.81, 'hparam/loss': 0.62 }],
  ['sweep/sgd_lr0.01', { optimizer: 'sgd', hidden: 256, lr: 0.01 }, { 'hparam/accuracy': 0.86, 'hparam/loss': 0.45 }],
  ['sweep/adam_lr0.0003', { optimizer: 'adam', hidden: 64, lr: 0.0003 }, { 'hparam/accuracy': 0.93, 'hparam/loss': 0.21 }],
];
const CS_RUN = 'stocks';

interface El { dataset: Record<string, string | undefined>; checked: boolean }
interface PageGlobals { document: { querySelector(s: string): El | null; querySelectorAll(s: string): ArrayLike<El> } }
const g = (): PageGlobals => globalThis as unknown as PageGlobals;
const G_GLOBAL = 'globalThis.g = () => globalThis;';

let tmp = '';
let server: ViewServer | undefined;
let browser: Browser | undefined;

before(async () => {
  ensureBrowserTestsCanRun();
  tmp = mkdtempSync(join(tmpdir(), 'vizjobs-hparams-e2e-'));
  cpSync(pytorchFixtureDir, tmp, { recursive: true });
  const sweep = new SummaryWriter(join(tmp, 'sweep'), { now: () => 1_795_820_000 });
  for (const [run, hp, metrics] of SESSIONS) sweep.addHparams(hp, metrics, run.slice('sweep/'.length));
  sweep.close();
  // PyTorch's documented add_custom_scalars example, with the tags it names.
  const w = new SummaryWriter(join(tmp, CS_RUN), { now: () => 1_795_820_000 });
  w.addCustomScalars({
    Taiwan: { twse: ['Multiline', ['twse/0050', 'twse/2330']] },
    USA: { dow: ['Margin', ['dow/aaa', 'dow/bbb', 'dow/ccc']], nasdaq: ['Margin', ['nasdaq/aaa', 'nasdaq/bbb', 'nasdaq/ccc']] },
  });
  for (let i = 0; i < 50; i++) {
    w.addScalar('twse/0050', Math.sin(i / 8), i, 1_795_820_000 + i);
    w.addScalar('twse/2330', Math.cos(i / 8), i, 1_795_820_000 + i);
    w.addScalar('dow/aaa', i / 10, i, 1_795_820_000 + i);
    w.addScalar('dow/bbb', i / 10 - 0.5 - i / 50, i, 1_795_820_000 + i);
    w.addScalar('dow/ccc', i / 10 + 0.5 + i / 50, i, 1_795_820_000 + i);
  }
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

async function openTab(tab: string): Promise<{ page: Page; errors: string[] }> {
  assert.ok(server && browser);
  const { page, errors } = await pageCollectingErrors(browser, { viewport: { width: 1360, height: 860 }, initScript: G_GLOBAL });
  await page.goto(`${server.url}#${tab}`);
  return { page, errors };
}

const tableRuns = async (page: Page): Promise<string[]> =>
  (await page.locator('#hparams .hparams-table tbody tr').evaluateAll((rows) => rows.map((r) => (r as unknown as El).dataset.run ?? ''))).sort();

test('HParams: a parallel-coordinates line per session group, filters switch runs off, the sidebar\'s selection hides runs here', async () => {
  const { page, errors } = await openTab('hparams');
  const all = [FIXTURE_SESSION, ...SESSIONS.map(([r]) => r)].sort();
  await page.locator('#hparams .hparams-table tbody tr').nth(3).waitFor({ timeout: 30_000 });
  assert.deepEqual(await tableRuns(page), all);

  await page.locator('#hparams button[data-view="parallel"]').click();
  await page.locator('#hparams svg.hp-parallel').waitFor({ timeout: 10_000 });
  const lines = await page.locator('#hparams .hp-line').evaluateAll((ls) => ls.map((l) => (l as unknown as El).dataset.run ?? ''));
  assert.deepEqual(lines.sort(), all, 'one line per session group');
  // An axis per hparam and metric: optimizer, hidden, lr, accuracy, loss.
  assert.equal(await page.locator('#hparams .hp-axis').count(), 5);
  // A polyline takes clicks on its stroke only, which its bounding box centre may miss.
  await page.locator(`#hparams .hp-line[data-run="${SESSIONS[2][0]}"]`).dispatchEvent('click');
  assert.equal(await page.locator('#hparams .hp-line.hl').getAttribute('data-run'), SESSIONS[2][0]);
  await page.screenshot({ path: join(artifacts, 'hparams-parallel.png') });

  await page.locator('#hparams button[data-view="scatter"]').click();
  await page.locator('#hparams svg.hp-cell').first().waitFor({ timeout: 10_000 });
  // Two metric rows × five columns, every group a dot in each cell.
  assert.equal(await page.locator('#hparams svg.hp-cell').count(), 10);
  assert.equal(await page.locator('#hparams svg.hp-cell').first().locator('.hp-dot').count(), 4);
  await page.screenshot({ path: join(artifacts, 'hparams-scatter.png') });

  // Untick optimizer = sgd: the two sgd sessions leave the table and the run selection.
  await page.locator('#hparams button[data-view="table"]').click();
  await page.locator('#hp-filters .hp-filter[data-col="h:optimizer"] input[data-value="sgd"]').uncheck();
  const withoutSgd = all.filter((r) => !r.includes('sgd'));
  await page.waitForFunction((n) => g().document.querySelectorAll('#hparams .hparams-table tbody tr').length === n, withoutSgd.length, { timeout: 10_000 });
  assert.deepEqual(await tableRuns(page), withoutSgd);
  for (const [run] of SESSIONS.filter(([r]) => r.includes('sgd'))) {
    assert.equal(await page.locator(`#runs input[data-run="${run}"]`).isChecked(), false, `${run} is switched off in the sidebar`);
  }
  // A metric range: accuracy ≥ 0.9 leaves the adam sweep session only (the fixture's run is lower).
  const acc = await page.evaluate(() => g().document.querySelector('#hparams .hparams-table tbody tr') !== null);
  assert.ok(acc);
  await page.locator('#hp-filters .hp-filter[data-col="m:hparam/accuracy"] input.hp-min').fill('0.9');
  await page.locator('#hp-filters .hp-filter[data-col="m:hparam/accuracy"] input.hp-min').press('Enter');
  await page.waitForFunction(() => g().document.querySelectorAll('#hparams .hparams-table tbody tr').length <= 2, undefined, { timeout: 10_000 });
  assert.ok((await tableRuns(page)).includes(SESSIONS[2][0]));
  await page.screenshot({ path: join(artifacts, 'hparams-filtered.png') });
  // Clearing the filters switches back on exactly the runs they switched off.
  await page.locator('#hp-reset').click();
  await page.waitForFunction((n) => g().document.querySelectorAll('#hparams .hparams-table tbody tr').length === n, all.length, { timeout: 10_000 });
  assert.equal(await page.locator(`#runs input[data-run="${SESSIONS[0][0]}"]`).isChecked(), true);

  // The other way: a run switched off in the sidebar leaves the table and the parallel coordinates.
  await page.locator(`#runs input[data-run="${SESSIONS[1][0]}"]`).uncheck();
  await page.waitForFunction((n) => g().document.querySelectorAll('#hparams .hparams-table tbody tr').length === n, all.length - 1, { timeout: 10_000 });
  assert.ok(!(await tableRuns(page)).includes(SESSIONS[1][0]));
  await page.locator('#hparams button[data-view="parallel"]').click();
  assert.equal(await page.locator(`#hparams .hp-line[data-run="${SESSIONS[1][0]}"]`).count(), 0);
  assert.equal(await page.locator('#hparams .hp-line').count(), all.length - 1);
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: join(artifacts, 'hparams-parallel-dark.png') });
  assert.deepEqual(errors, []);
  await page.close();
});

test('Custom Scalars: the written layout\'s categories, a series per matching tag, a margin band', async () => {
  const { page, errors } = await openTab('custom_scalars');
  await page.locator('#custom-scalars details[data-category="USA"]').waitFor({ timeout: 30_000 });
  const cats = await page.locator('#custom-scalars details.group').evaluateAll((ds) => ds.map((d) => (d as unknown as El).dataset.category ?? ''));
  assert.deepEqual(cats, ['Taiwan', 'USA']);
  const twse = page.locator('#custom-scalars .card[data-chart="twse"]');
  await page.waitForFunction(() => g().document.querySelector('#custom-scalars .card[data-chart="twse"]')?.dataset.seriesCount === '2', undefined, { timeout: 10_000 });
  assert.deepEqual((await twse.locator('.cs-series').allTextContents()).sort(), [`twse/0050 (${CS_RUN})`, `twse/2330 (${CS_RUN})`]);
  const dow = page.locator('#custom-scalars .card[data-chart="dow"]');
  assert.equal(await dow.getAttribute('data-kind'), 'margin');
  await page.waitForFunction(() => g().document.querySelector('#custom-scalars .card[data-chart="dow"] canvas')?.dataset.bands === '1', undefined, { timeout: 10_000 });
  // The band is painted: inside it (between lower and upper, off the value line) the canvas is tinted.
  const tinted = await dow.locator('canvas').evaluate((c) => {
    const canvas = c as unknown as { width: number; height: number; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } };
    const d = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 20 && d[i] < 120) n++;
    return n;
  });
  assert.ok(tinted > 2000, `band pixels: ${tinted}`);
  // One request per pattern for every shown run (scalars_multirun), none per run and pattern.
  const asked = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.includes('/custom_scalars/scalars')));
  assert.ok(asked.length > 0 && asked.every((n) => n.includes('/custom_scalars/scalars_multirun')), asked.join(' '));
  // nasdaq's tags are not written: the chart says so rather than drawing nothing silently.
  assert.equal(await page.locator('#custom-scalars .card[data-chart="nasdaq"]').getAttribute('data-series-count'), '0');
  await page.screenshot({ path: join(artifacts, 'custom-scalars.png') });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: join(artifacts, 'custom-scalars-dark.png') });
  // Switching the run off in the sidebar empties its charts.
  await page.locator(`#runs input[data-run="${CS_RUN}"]`).uncheck();
  await page.waitForFunction(() => g().document.querySelector('#custom-scalars .card[data-chart="twse"]')?.dataset.seriesCount === '0', undefined, { timeout: 10_000 });
  assert.deepEqual(errors, []);
  await page.close();
});
