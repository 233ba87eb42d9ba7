// Test and benchmark support: Debian's Chromium driven by playwright-core, as every browser test
// and UI bench starts it. launchChromium() installs the browser when it is missing
// (scripts/ensure-chromium.mjs) and builds the web bundle when dist/ has none, so a test file run
// alone after `tsc` still finds both.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoRoot } from './paths.js';

export const CHROMIUM = process.env.VIZJOBS_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

/** Chromium installed and the web bundle built; throws saying how when either cannot be had. */
export function ensureBrowserTestsCanRun(): void {
  if (!existsSync(CHROMIUM)) {
    const r = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'ensure-chromium.mjs')], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('Chromium is missing and could not be installed: see the message above (apt-get install -y chromium).');
  }
  if (!existsSync(join(repoRoot, 'dist', 'web', 'viewer.html'))) {
    const r = spawnSync(process.execPath, [join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'src/web/vite.config.ts'], { cwd: repoRoot, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('npm run build:web failed');
  }
}

/** A headless Chromium with the flags every test uses (after ensureBrowserTestsCanRun()). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/**
 * A new page that collects what would mean the page is broken: uncaught errors, console errors
 * and Content-Security-Policy reports. `initScript` runs before the page's own scripts.
 */
export async function pageCollectingErrors(browser: Browser, options: { viewport: { width: number; height: number }; initScript?: string }): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: options.viewport });
  if (options.initScript) await page.addInitScript(options.initScript);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) errors.push(m.text());
  });
  return { page, errors };
}
