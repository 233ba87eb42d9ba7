// Paths tests and benchmarks share. Compiled tests live in dist/, sources in src/: both sit one
// level below the repository root, so the root is found the same way from either.
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '..', '..');
/**
 * Real PyTorch logs with TensorBoard's own answers for them, kept in the repository (copied from
 * the project's shared fixtures) so a clone on its own passes `npm test`.
 */
export const pytorchFixtureDir = resolve(repoRoot, 'test-fixtures', 'pytorch-real');
export const cliPath = resolve(repoRoot, 'dist', 'cli.js');
