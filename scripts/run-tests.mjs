#!/usr/bin/env node
// Runs every compiled test file (dist/**/*.test.js) with Node's built-in test runner.
// Node 20's `--test` does not expand globs itself, so the files are listed here.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');
const only = process.argv.slice(2); // optional substrings to filter test files

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'web') continue; // browser bundle, no tests inside
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

let files = walk(dist, []).sort();
if (only.length) files = files.filter((f) => only.some((o) => relative(root, f).includes(o)));
if (files.length === 0) {
  console.error('no test files found under dist/ (did `npm run build` run?)');
  process.exit(1);
}
// Browser tests install Chromium when it is missing; two test files doing it at once fought over
// apt's lock on a fresh machine, so it is done once here, before any runs.
const chromium = process.env.VIZJOBS_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(chromium) && files.some((f) => readFileSync(f, 'utf8').includes('testing/browser.js'))) {
  spawnSync(process.execPath, [join(root, 'scripts', 'ensure-chromium.mjs')], { stdio: 'inherit' });
}
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
