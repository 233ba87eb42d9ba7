// bench:dashboards-graph — the Graphs tab on a 10,000-node GraphDef in real Chromium (Debian's,
// driven by playwright-core): from a click on the tab to the graph laid out and painted, with the
// server's pbtxt conversion cold (first view after a start) and warm (cached per data generation),
// then "Expand all" (every one of ~4,300 name scopes open) from click to painted. The graph is
// BERT-shaped (src/testing/transformer-graph.ts: 68 layers, nested scopes, _output_shapes on every
// node), written by the project's writer as TensorFlow writes graph_def, and served by `vizjobs
// view` (the same data API and page as a job's viewer). Results go to docs/performance.md
// "## Dashboards" → "### Graphs".
import { mkdirSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { type Page } from 'playwright-core';
import { transformerGraphDef } from '../src/testing/transformer-graph.js';
import { launchChromium } from '../src/testing/browser.js';
import { startViewServer } from '../src/view/server.js';
import { SummaryWriter } from '../src/writer/index.js';

const root = resolve(import.meta.dirname, '..');
const work = join(root, '.bench', 'dashboards-graph');
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const LAYERS = 68;

interface Stats { run: string; nodes: number; shown: number; fetchMs: number; parseMs: number; layoutMs: number; drawnAt: number; layoutSeq: number }
interface Handle { stats(): Stats }
interface Globals { __vizjobsGraphs?: Handle; __vizjobs?: { ready: boolean }; performance: { now(): number } }

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const best = (xs: number[]): number => Math.min(...xs);
const fmt = (xs: number[]): string => `best ${best(xs).toFixed(0)} ms, median ${median(xs).toFixed(0)} ms (${xs.map((x) => x.toFixed(0)).join(', ')})`;

/** Clicks the Graphs tab and waits until the graph is laid out and painted; ms on the page's clock. */
async function openTab(page: Page): Promise<{ ms: number; s: Stats }> {
  await page.waitForFunction(() => (globalThis as unknown as Globals).__vizjobs?.ready === true, undefined, { timeout: 60_000 });
  const t0 = await page.evaluate(() => (globalThis as unknown as Globals).performance.now());
  await page.click('a[data-tab="graphs"]');
  await page.waitForFunction((t) => { const s = (globalThis as unknown as Globals).__vizjobsGraphs?.stats(); return !!s && s.layoutSeq > 0 && s.drawnAt > t; }, t0, { timeout: 120_000, polling: 'raf' });
  const s = await page.evaluate(() => ((globalThis as unknown as Globals).__vizjobsGraphs as Handle).stats());
  return { ms: s.drawnAt - t0, s };
}

async function expandAll(page: Page): Promise<{ ms: number; s: Stats }> {
  const before = await page.evaluate(() => ({ t: (globalThis as unknown as Globals).performance.now(), seq: ((globalThis as unknown as Globals).__vizjobsGraphs as Handle).stats().layoutSeq }));
  await page.click('#graph-expand-all');
  await page.waitForFunction((b) => { const s = ((globalThis as unknown as Globals).__vizjobsGraphs as Handle).stats(); return s.layoutSeq > b.seq && s.drawnAt > b.t; }, before, { timeout: 300_000, polling: 'raf' });
  const s = await page.evaluate(() => ((globalThis as unknown as Globals).__vizjobsGraphs as Handle).stats());
  return { ms: s.drawnAt - before.t, s };
}

async function main(): Promise<void> {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const graph = transformerGraphDef(LAYERS);
  const w = new SummaryWriter(join(work, 'logs', 'bert'));
  w.addGraph(graph.bytes);
  w.close();
  console.log(`graph: ${graph.nodes.toLocaleString()} nodes, GraphDef ${(graph.bytes.length / 1e6).toFixed(2)} MB; ${cpus().length} cores, load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);

  const browser = await launchChromium();
  const cold: number[] = [];
  const warm: number[] = [];
  const all: number[] = [];
  const parts: string[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    // A new server each round: its first graph answer converts the GraphDef (cold); a reload is warm.
    const server = await startViewServer({ logdirs: [{ name: undefined, path: join(work, 'logs') }], port: 0, reloadIntervalS: 0 });
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 860 } });
    const page = await ctx.newPage();
    await page.goto(server.url);
    const c = await openTab(page);
    cold.push(c.ms);
    await page.goto(server.url);
    const wm = await openTab(page);
    warm.push(wm.ms);
    parts.push(`fetch ${wm.s.fetchMs.toFixed(0)} + parse/group ${wm.s.parseMs.toFixed(0)} + layout ${wm.s.layoutMs.toFixed(0)} ms (cold fetch ${c.s.fetchMs.toFixed(0)})`);
    const e = await expandAll(page);
    all.push(e.ms);
    console.log(`round ${r + 1}: cold ${c.ms.toFixed(0)} ms, warm ${wm.ms.toFixed(0)} ms (${parts[parts.length - 1]}), expand all ${e.ms.toFixed(0)} ms (layout ${e.s.layoutMs.toFixed(0)} ms, ${e.s.shown.toLocaleString()} items shown); load ${loadavg()[0].toFixed(1)}`);
    await ctx.close();
    await server.close();
  }
  await browser.close();
  console.log(`\nGraphs tab, ${graph.nodes.toLocaleString()}-node graph, click → laid out and painted:`);
  console.log(`  first view after a start (server converts the GraphDef): ${fmt(cold)}`);
  console.log(`  warm (converted answer cached):                          ${fmt(warm)}`);
  console.log(`  Expand all (every scope open), click → painted:          ${fmt(all)}`);
  console.log(`  load average at end: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
}

await main();
