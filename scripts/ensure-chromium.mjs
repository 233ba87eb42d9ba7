#!/usr/bin/env node
// Makes sure Debian's Chromium is at /usr/bin/chromium for the browser tests. The tests never use
// a downloaded browser build (`npx playwright install` cannot work here): as root this installs
// the `chromium` package with apt-get; otherwise it stops and says exactly what to run.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const CHROMIUM = process.env.VIZJOBS_CHROMIUM ?? '/usr/bin/chromium';

if (existsSync(CHROMIUM)) {
  console.log(`chromium: ${CHROMIUM}`);
  process.exit(0);
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot) {
  console.error(
    `Chromium is missing (${CHROMIUM}). The browser tests drive Debian's Chromium.\n` +
      `Install it as root, then run the tests again:\n\n    sudo apt-get update && sudo apt-get install -y chromium\n`,
  );
  process.exit(1);
}

const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
// Another apt-get (a second test process, unattended upgrades) may hold apt's locks: wait for them.
const run = (args) => spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=900', '-o', 'Acquire::Lock::Timeout=900', ...args], { stdio: 'inherit', env });
console.log('chromium: not found, installing the Debian package (apt-get install -y chromium)…');
let r = run(['install', '-y', '-qq', 'chromium']);
if (r.status !== 0) {
  // A fresh machine may have no package lists yet.
  run(['update', '-qq']);
  r = run(['install', '-y', '-qq', 'chromium']);
}
if (r.status !== 0 || !existsSync(CHROMIUM)) {
  console.error(`apt-get could not install chromium (exit ${r.status}). Run: apt-get update && apt-get install -y chromium`);
  process.exit(1);
}
console.log(`chromium: installed at ${CHROMIUM}`);
