// Paths tests and benchmarks share. Compiled tests live in dist/, sources in src/: both sit one
// level below the repository root, so the root is found the same way from either.
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '..', '..');
/** `../shared` beside the checkout (CI puts a copy there); override with VIZJOBS_SHARED_DIR. */
export const sharedDir = process.env.VIZJOBS_SHARED_DIR ?? resolve(repoRoot, '..', 'shared');
export const pytorchFixtureDir = resolve(sharedDir, 'fixtures', 'pytorch-real');
export const cliPath = resolve(repoRoot, 'dist', 'cli.js');
