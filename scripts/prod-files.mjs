#!/usr/bin/env node
// The production file set, one rule for the Dockerfile and src/image.test.ts: removes from the
// given dist/ folder every compiled test, the test support folder and TypeScript build info, the
// same files package.json's "files" leaves out of the npm package.
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const dist = process.argv[2];
if (!dist) {
  console.error('usage: prod-files.mjs DIST_DIR');
  process.exit(2);
}
function prune(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (p === join(dist, 'testing')) rmSync(p, { recursive: true, force: true });
      else prune(p);
    } else if (/\.test\.[cm]?js(\.map)?$|\.test\.d\.ts(\.map)?$|\.tsbuildinfo$/.test(name)) {
      rmSync(p, { force: true });
    }
  }
}
prune(dist);
