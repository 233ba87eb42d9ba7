// The web UI of `vizjobs view` in Debian's Chromium (driven by playwright-core): the page at `/`
// reads its data from /data/ (its data URLs are relative) and shows the fixture's runs and every
// scalar point TensorBoard served. Skipped where Chromium is missing (the service's e2e test is
// the one that installs it).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser } from 'playwright-core';
import { pytorchFixtureDir } from '../testing/paths.js';
import { startViewServer, type ViewServer } from './server.js';
import { launchChromium, CHROMIUM } from '../testing/browser.js';


interface Debug {
  ready: boolean;
  runs: string[];
  error?: string;
  scalars: () => Record<string, { runs: Record<string, { points: number }> }>;
}

let server: ViewServer | undefined;
let browser: Browser | undefined;

before(async () => {
  if (!existsSync(CHROMIUM)) return;
  server = await startViewServer({ logdirs: [{ name: undefined, path: pytorchFixtureDir }], port: 0 });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('the viewer page at / shows the runs and scalars of the logs', { skip: !existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM}` }, async () => {
  assert.ok(server && browser);
  const expected = JSON.parse(readFileSync(join(pytorchFixtureDir, 'expected-tensorboard.json'), 'utf8')) as {
    runs: string[];
    scalars: Record<string, Record<string, unknown[]>>;
  };
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(server.url);
  await page.waitForFunction(() => (globalThis as unknown as { __vizjobs?: Debug }).__vizjobs?.ready === true, undefined, { timeout: 20_000 });
  const state = await page.evaluate(() => {
    const d = (globalThis as unknown as { __vizjobs?: Debug }).__vizjobs;
    return d ? { runs: d.runs, error: d.error, scalars: d.scalars() } : undefined;
  });
  assert.ok(state);
  assert.equal(state.error, undefined);
  assert.deepEqual([...state.runs].sort(), [...expected.runs].sort());
  // A chart in view (the page loads charts as they scroll in): every point TensorBoard served.
  const loss = expected.scalars['mlp_lr1e-3_adam']['loss/train'];
  await page.waitForFunction(
    (n) => ((globalThis as unknown as { __vizjobs?: Debug }).__vizjobs?.scalars()['loss/train']?.runs['mlp_lr1e-3_adam']?.points ?? 0) === n,
    loss.length,
    { timeout: 20_000 },
  );
  assert.deepEqual(errors, []);
  await page.close();
});
