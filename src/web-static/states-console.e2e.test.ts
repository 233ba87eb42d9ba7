// End to end in Debian's Chromium (playwright-core) against `vizjobs serve` in a child process:
// the pages for every state of a job (stopped, failed, unknown, waiting, stopped under an open
// viewer, each coming back by itself when the job runs), and the console's sign-in shared by a
// browser's tabs, the notice for a train_url without event files, the 800 px layout, dark mode,
// Escape, the smoothing slider's step, ARIA roles and the sidebar's settings per tab.
// Screenshots land in test-artifacts/ (states-*, console-800-*, viewer-800-*) for a human to look at.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { cliPath, pytorchFixtureDir, repoRoot } from '../testing/paths.js';
import { ensureBrowserTestsCanRun, launchChromium } from '../testing/browser.js';
import { until } from '../testing/until.js';

const TOKEN = 'states-token-1';
const PROJECT = 'proj-states';
const artifacts = join(repoRoot, 'test-artifacts');

interface Server {
  child: ChildProcess;
  url: string;
}
interface Job {
  job_id: number;
  job_name: string;
  status: number;
  service_url: string;
  failure_reason?: string;
}
interface Debug { ready: boolean; refreshes: number; error?: string }
interface PageGlobals {
  __vizjobs?: Debug;
  __sameDocument?: boolean;
}

let tmp = '';
let browser: Browser | undefined;
let main: Server | undefined;
const servers: ChildProcess[] = [];

function makeDirsWritable(dir: string): void {
  chmodSync(dir, 0o755);
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) makeDirsWritable(p);
    else chmodSync(p, 0o644);
  }
}

/** `vizjobs serve` over its own data dir and the shared object-storage root; resolves with its URL. */
async function startServer(name: string, env: Record<string, string> = {}): Promise<Server> {
  const child = spawn(process.execPath, [cliPath, 'serve'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      VIZJOBS_HOST: '127.0.0.1',
      VIZJOBS_PORT: '0',
      VIZJOBS_DATA_DIR: join(tmp, `data-${name}`),
      VIZJOBS_OBS_ROOT: join(tmp, 'obs'),
      VIZJOBS_TOKENS: `${TOKEN}=${PROJECT}`,
      VIZJOBS_PUBLIC_URL: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  servers.push(child);
  const url = await new Promise<string | undefined>((resolve) => {
    let out = '';
    const timer = setTimeout(() => resolve(undefined), 20_000);
    const onData = (b: Buffer): void => {
      out += b.toString();
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1].replace(/\/$/, '')); }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (b: Buffer) => { out += b.toString(); });
    child.on('exit', () => { clearTimeout(timer); resolve(undefined); });
  });
  assert.ok(url, `vizjobs serve (${name}) did not start`);
  return { child, url };
}

before(async () => {
  ensureBrowserTestsCanRun();
  tmp = mkdtempSync(join(tmpdir(), 'vizjobs-states-'));
  for (const dir of ['mlp', 'mlp2', 'mlp3']) cpSync(pytorchFixtureDir, join(tmp, 'obs', 'demo', dir), { recursive: true });
  // A file where a train_url needs a directory: a permanent storage error, so the job FAILS.
  writeFileSync(join(tmp, 'obs', 'demo', 'a-file'), 'not a directory');
  makeDirsWritable(join(tmp, 'obs'));
  mkdirSync(artifacts, { recursive: true });
  main = await startServer('main');
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  for (const c of servers) c.kill('SIGTERM');
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function api(s: Server = must(main)): { call: (method: string, path?: string, body?: unknown) => Promise<{ status: number; body: unknown }>; job: (id: number) => Promise<Job> } {
  const base = `${s.url}/v1/${PROJECT}/visualization-jobs`;
  const call = async (method: string, path = '', body?: unknown): Promise<{ status: number; body: unknown }> => {
    const r = await fetch(`${base}${path}`, {
      method,
      headers: { 'x-auth-token': TOKEN, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: r.status, body: await r.json() };
  };
  return { call, job: async (id) => (await call('GET', `/${id}`)).body as Job };
}

function must<T>(v: T | undefined | null): T {
  assert.ok(v !== undefined && v !== null);
  return v;
}

async function createJob(name: string, trainUrl: string, s: Server = must(main)): Promise<Job> {
  const r = await api(s).call('POST', '', { job_name: name, train_url: trainUrl });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body as Job;
}

async function waitStatus(id: number, want: number, s: Server = must(main)): Promise<Job> {
  return until(`job ${id} status ${want}`, async () => {
    const j = await api(s).job(id);
    return j.status === want && j;
  }, 40_000);
}

/** A browser context signed in the way the console signs in (the sealed cookie), at `width` px. */
async function signedIn(s: Server, opts: { width?: number; height?: number; colorScheme?: 'light' | 'dark' } = {}): Promise<BrowserContext> {
  const context = await must(browser).newContext({ viewport: { width: opts.width ?? 1200, height: opts.height ?? 760 }, colorScheme: opts.colorScheme ?? 'light' });
  const r = await context.request.post(`${s.url}/v1/auth/session`, { data: { token: TOKEN, project_id: PROJECT } });
  assert.equal(r.status(), 200);
  return context;
}

async function debugState(page: Page): Promise<Debug> {
  return page.evaluate(() => {
    const d = (globalThis as unknown as PageGlobals).__vizjobs;
    return d ? { ready: d.ready, refreshes: d.refreshes, error: d.error } : { ready: false, refreshes: 0 };
  });
}

/** The page's background luminance (0 black … 1 white). */
async function bodyLuminance(page: Page): Promise<number> {
  const rgb = await page.evaluate(() => {
    const g = globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string }; document: { documentElement: unknown } };
    return g.getComputedStyle(g.document.documentElement).backgroundColor;
  });
  const [r, gr, b] = (rgb.match(/\d+(\.\d+)?/g) ?? []).map(Number);
  return (0.2126 * r + 0.7152 * gr + 0.0722 * b) / 255;
}

type Box = { x: number; y: number; width: number; height: number };
const overlaps = (a: Box, b: Box): boolean => a.x < b.x + b.width - 0.5 && b.x < a.x + a.width - 0.5 && a.y < b.y + b.height - 0.5 && b.y < a.y + a.height - 0.5;

/** The visible boxes of the top bar's children, none of which may overlap another. */
async function assertTopbarHolds(page: Page, what: string): Promise<void> {
  const boxes = await page.locator('.topbar > *:visible').evaluateAll((els) =>
    els.map((e) => {
      const r = (e as unknown as { getBoundingClientRect(): Box }).getBoundingClientRect();
      return { cls: String((e as unknown as { className: string }).className), x: r.x, y: r.y, width: r.width, height: r.height };
    }).filter((b) => b.width > 0 && !b.cls.includes('spacer')));
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) assert.ok(!overlaps(boxes[i], boxes[j]), `${what}: ${boxes[i].cls} overlaps ${boxes[j].cls}`);
  }
  const { scroll, width } = await page.evaluate(() => {
    const d = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
    return { scroll: d.scrollWidth, width: d.clientWidth };
  });
  assert.ok(scroll <= width, `${what}: the page scrolls sideways (${scroll} > ${width})`);
}

test('a stopped job opened fresh is a styled page with its name, status and a way to the console, light and dark, and becomes the viewer once restarted', { timeout: 120_000 }, async () => {
  const s = must(main);
  const job = await createJob('stopped-one', '/demo/mlp/');
  await waitStatus(job.job_id, 8);
  await api().call('POST', `/${job.job_id}/stop`);
  await waitStatus(job.job_id, 12);
  const context = await signedIn(s);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  context.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) errors.push(m.text()); });
  const r = await page.goto(job.service_url);
  assert.equal(r?.status(), 409);
  await page.waitForSelector('#message[data-phase=stopped]');
  assert.equal(await page.textContent('#message h1'), 'stopped-one is not running');
  assert.equal(await page.textContent('#job-status'), 'KILLED');
  assert.equal(await page.getAttribute('#to-console', 'href'), '/');
  assert.match(await page.textContent('#message') ?? '', /comes back by itself/);
  await page.screenshot({ path: join(artifacts, 'states-stopped-light.png') });
  await page.emulateMedia({ colorScheme: 'dark' });
  assert.ok(await bodyLuminance(page) < 0.2, 'dark with the system');
  await page.screenshot({ path: join(artifacts, 'states-stopped-dark.png') });

  // Restarted: the page reloads itself into the viewer.
  await api().call('POST', `/${job.job_id}/restart`);
  await until('the viewer to load after the restart', async () => (await debugState(page)).ready, 60_000);
  assert.ok((await page.locator('.card').count()) > 0);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a failed job says why; an unknown job is a styled 404 for a browser and the contract\'s envelope for API clients', { timeout: 90_000 }, async () => {
  const s = must(main);
  const job = await createJob('broken', '/demo/a-file/logs/');
  const failed = await waitStatus(job.job_id, 11);
  assert.ok(failed.failure_reason);
  const context = await signedIn(s, { colorScheme: 'dark' });
  const page = await context.newPage();
  const r = await page.goto(job.service_url);
  assert.equal(r?.status(), 409);
  await page.waitForSelector('#message[data-phase=failed]');
  assert.equal(await page.textContent('#message h1'), 'broken failed');
  assert.equal(await page.textContent('#job-status'), 'FAILED');
  assert.equal(await page.textContent('#job-reason'), failed.failure_reason);
  await page.screenshot({ path: join(artifacts, 'states-failed-dark.png') });

  const unknown = `${s.url}/visualization/${PROJECT}/987654/`;
  const r404 = await page.goto(unknown);
  assert.equal(r404?.status(), 404);
  await page.waitForSelector('#message[data-phase=unknown]');
  assert.equal(await page.textContent('#message h1'), 'No such job');
  assert.equal(await page.getAttribute('#to-console', 'href'), '/');
  await page.emulateMedia({ colorScheme: 'light' });
  await page.screenshot({ path: join(artifacts, 'states-unknown-light.png') });
  await context.close();

  // API clients: exactly the envelope, as before (JSON asked for, or no text/html in Accept).
  for (const accept of ['application/json', '*/*', undefined]) {
    const res = await fetch(unknown, { headers: { 'x-auth-token': TOKEN, ...(accept ? { accept } : {}) } });
    assert.equal(res.status, 404);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const body = (await res.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), ['error_code', 'error_message', 'is_success']);
    assert.equal(body.error_code, 'ModelArts.0015');
    const stopped = await fetch(job.service_url, { headers: { 'x-auth-token': TOKEN, ...(accept ? { accept } : {}) } });
    assert.equal(stopped.status, 409);
    assert.equal(((await stopped.json()) as { error_code: string }).error_code, 'ModelArts.0105');
  }
});

test('an open viewer whose job stops shows an overlay over its charts, and comes back by itself after a restart', { timeout: 150_000 }, async () => {
  const s = must(main);
  const job = await createJob('comes-back', '/demo/mlp2/');
  await waitStatus(job.job_id, 8);
  const context = await signedIn(s);
  const page = await context.newPage();
  await page.goto(job.service_url);
  await until('the viewer', async () => (await debugState(page)).ready);
  await page.evaluate(() => { (globalThis as unknown as PageGlobals).__sameDocument = true; });
  await api().call('POST', `/${job.job_id}/stop`);
  await page.waitForSelector('#job-state-overlay #message[data-phase=stopped]', { timeout: 40_000 });
  assert.ok((await page.locator('.card').count()) > 0, 'the charts stay under the overlay');
  await page.screenshot({ path: join(artifacts, 'states-overlay.png') });
  const before = (await debugState(page)).refreshes;
  await api().call('POST', `/${job.job_id}/restart`);
  await page.waitForSelector('#job-state-overlay', { state: 'detached', timeout: 60_000 });
  await until('a new poll after the restart', async () => (await debugState(page)).refreshes > before, 30_000);
  assert.equal(await page.evaluate(() => (globalThis as unknown as PageGlobals).__sameDocument), true, 'not reloaded');
  assert.equal((await debugState(page)).error, undefined);
  await context.close();
});

test('a job waiting for a running slot says so and opens its viewer by itself when it runs', { timeout: 150_000 }, async () => {
  const s = await startServer('quota1', { VIZJOBS_RUNNING_QUOTA: '1' });
  try {
    const first = await createJob('first', '/demo/mlp3/', s);
    await waitStatus(first.job_id, 8, s);
    const second = await createJob('second', '/demo/mlp3/', s);
    await waitStatus(second.job_id, 7, s);
    const context = await signedIn(s);
    const page = await context.newPage();
    const r = await page.goto(second.service_url);
    assert.equal(r?.status(), 409);
    await page.waitForSelector('#message[data-phase=starting]');
    assert.equal(await page.textContent('#message h1'), 'second is starting');
    assert.equal(await page.textContent('#job-status'), 'WAITING');
    await page.screenshot({ path: join(artifacts, 'states-waiting.png') });
    await api(s).call('POST', `/${first.job_id}/stop`);
    await until('the waiting job\'s viewer', async () => (await debugState(page)).ready, 60_000);
    await context.close();
  } finally {
    s.child.kill('SIGTERM');
  }
});

test('one sign-in per browser: a second tab is signed in, sign-out signs every tab out', { timeout: 90_000 }, async () => {
  const s = must(main);
  const context = await must(browser).newContext({ viewport: { width: 1200, height: 700 } });
  const a = await context.newPage();
  await a.goto(`${s.url}/`);
  await a.fill('#project', PROJECT);
  await a.fill('#token', TOKEN);
  await a.click('#signin button[type=submit]');
  await a.waitForSelector('#jobs table');
  assert.equal(await a.evaluate(() => (globalThis as unknown as { sessionStorage: { length: number } }).sessionStorage.length), 0, 'no token kept in the tab');
  const b = await context.newPage();
  await b.goto(`${s.url}/`);
  await b.waitForSelector('#jobs table');
  assert.equal(await b.textContent('#project-id'), PROJECT);
  assert.equal(await b.locator('#signin').count(), 0);
  // Signing out in one tab signs the browser out: the other tab follows, a new one asks again.
  await b.click('#signout');
  await b.waitForSelector('#signin');
  await a.waitForSelector('#signin', { timeout: 15_000 });
  const c = await context.newPage();
  await c.goto(`${s.url}/`);
  await c.waitForSelector('#signin');
  assert.equal(await c.inputValue('#project'), PROJECT, 'the project is remembered, not the token');
  // The job API never took the cookie without the console's header (no cross-site form can send one).
  const anon = await context.request.get(`${s.url}/v1/${PROJECT}/visualization-jobs`);
  assert.equal(anon.status(), 401);
  await context.close();
});

test('a create whose train_url holds no event file says so, and the job is still created', { timeout: 90_000 }, async () => {
  const s = must(main);
  const context = await signedIn(s);
  const page = await context.newPage();
  await page.goto(`${s.url}/`);
  await page.evaluate((p) => (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('vizjobs.lastProject', p), PROJECT);
  await page.reload();
  await page.waitForSelector('#jobs table');
  await page.click('#new-job');
  await page.fill('#create-form [name=job_name]', 'nothing-yet');
  await page.fill('#create-form [name=train_url]', '/demo/nothing-here/');
  await page.click('#create-submit');
  await page.waitForSelector('tr[data-job-name="nothing-yet"]');
  const notice = page.locator('#notices .notice');
  await notice.waitFor({ timeout: 40_000 });
  assert.equal(await notice.textContent(), 'nothing-yet: no event files found under /demo/nothing-here/ yet; the viewer will show them when training writes them.×');
  await page.screenshot({ path: join(artifacts, 'console-no-event-files.png') });
  await notice.locator('button').click();
  assert.equal(await notice.count(), 0);
  await context.close();
});

test('from 800 px wide nothing overlaps (console, viewer at 800 and 900 px); dark mode follows the system and the switch is remembered', { timeout: 120_000 }, async () => {
  const s = must(main);
  const job = await createJob('a-rather-long-job-n', '/demo/mlp/');
  await waitStatus(job.job_id, 8);
  for (const width of [800, 900]) {
    const context = await signedIn(s, { width, height: 700 });
    const page = await context.newPage();
    await page.goto(`${s.url}/`);
    await page.evaluate((p) => (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('vizjobs.lastProject', p), PROJECT);
    await page.reload();
    await page.waitForSelector('#jobs table');
    await page.screenshot({ path: join(artifacts, `console-${width}-light.png`) });
    await assertTopbarHolds(page, `console at ${width}`);
    const table = await page.locator('#jobs').boundingBox();
    assert.ok(table && table.x + table.width <= width, `the job list fits ${width} px`);
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(artifacts, `console-${width}-dark.png`) });
    await page.emulateMedia({ colorScheme: 'light' });

    await page.goto(job.service_url);
    await until('the viewer', async () => (await debugState(page)).ready);
    await page.screenshot({ path: join(artifacts, `viewer-${width}-light.png`) });
    const title = must(await page.locator('.topbar .job-head').boundingBox());
    const tabs = must(await page.locator('.topbar .tabs').boundingBox());
    assert.ok(title.x + title.width <= tabs.x, `viewer at ${width}: the title ends before the tabs (${title.x + title.width} > ${tabs.x})`);
    await assertTopbarHolds(page, `viewer at ${width}`);
    await page.screenshot({ path: join(artifacts, `viewer-${width}-light.png`) });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(artifacts, `viewer-${width}-dark.png`) });
    await context.close();
  }

  // The switch: auto (system: dark) → light → dark → auto, remembered across a reload and tabs.
  const context = await signedIn(s, { colorScheme: 'dark' });
  const page = await context.newPage();
  await page.goto(job.service_url);
  await page.waitForSelector('#theme-switch');
  assert.ok(await bodyLuminance(page) < 0.2, 'follows the system (dark)');
  await page.click('#theme-switch');
  assert.equal(await page.getAttribute('#theme-switch', 'data-theme'), 'light');
  assert.ok(await bodyLuminance(page) > 0.8, 'light by choice on a dark system');
  await page.reload();
  await page.waitForSelector('#theme-switch');
  assert.ok(await bodyLuminance(page) > 0.8, 'remembered after a reload');
  const other = await context.newPage();
  await other.goto(`${s.url}/`);
  await other.waitForSelector('#theme-switch');
  assert.ok(await bodyLuminance(other) > 0.8, 'remembered by the console too');
  await page.click('#theme-switch');
  assert.ok(await bodyLuminance(page) < 0.2, 'dark by choice');
  await page.click('#theme-switch');
  assert.equal(await page.getAttribute('#theme-switch', 'data-theme'), 'auto');
  await page.emulateMedia({ colorScheme: 'light' });
  assert.ok(await bodyLuminance(page) > 0.8, 'back to following the system');
  await context.close();
});

test('keyboard and roles: Escape closes menus and dialogs, the smoothing slider steps 0.01, tabs are a tablist, settings show only where they act', { timeout: 90_000 }, async () => {
  const s = must(main);
  const job = await createJob('keys', '/demo/mlp/');
  await waitStatus(job.job_id, 8);
  const context = await signedIn(s);
  const page = await context.newPage();
  await page.goto(job.service_url);
  await until('the viewer', async () => (await debugState(page)).ready);

  // Tabs.
  assert.equal(await page.getAttribute('.topbar nav.tabs', 'role'), 'tablist');
  assert.equal(await page.locator('.tabs [role=tab]').count(), await page.locator('.tabs a.tab').count());
  assert.equal(await page.getAttribute('a[data-tab=scalars]', 'aria-selected'), 'true');
  assert.equal(await page.getAttribute('a[data-tab=histograms]', 'aria-selected'), 'false');
  assert.equal(await page.getAttribute('#runs', 'role'), 'list');
  assert.equal(await page.getAttribute('#runs [data-run-row]', 'role'), 'listitem');

  // The slider: one arrow key is 0.01.
  const slider = page.locator('#smoothing');
  await slider.focus();
  const v0 = Number(await slider.inputValue());
  await page.keyboard.press('ArrowRight');
  assert.equal(Number(await slider.inputValue()).toFixed(3), (v0 + 0.01).toFixed(3));
  assert.equal(Number(await page.inputValue('#smoothing-value')).toFixed(3), (v0 + 0.01).toFixed(3));
  await page.keyboard.press('ArrowLeft');
  assert.equal(Number(await slider.inputValue()).toFixed(3), v0.toFixed(3));

  // Escape closes a chart's download menu.
  const summary = page.locator('.card details.download > summary').first();
  await summary.click();
  assert.equal(await page.locator('.card details.download[open]').count(), 1);
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('.card details.download[open]').count(), 0);

  // Settings: the scalar settings on Scalars, none on Histograms (they would do nothing there).
  await page.waitForSelector('#smoothing', { state: 'visible', timeout: 5000 }); // the tab switches on hashchange, after the click returns
  await page.click('a[data-tab=histograms]');
  await page.waitForSelector('#histograms .card');
  assert.equal(await page.isVisible('#smoothing'), false);
  assert.equal(await page.isVisible('#x-axis'), false);
  assert.ok(await page.isVisible('#runs'), 'the run list stays');
  await page.click('a[data-tab=scalars]');
  await page.waitForSelector('#smoothing', { state: 'visible', timeout: 5000 }); // the tab switches on hashchange, after the click returns

  // Escape closes the console's dialog.
  await page.goto(`${s.url}/`);
  await page.evaluate((p) => (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('vizjobs.lastProject', p), PROJECT);
  await page.reload();
  await page.waitForSelector('#jobs table');
  await page.click('#new-job');
  await page.waitForSelector('dialog[open] #create-form');
  await page.keyboard.press('Escape');
  await page.waitForSelector('#create-form', { state: 'detached' });
  await context.close();
});
