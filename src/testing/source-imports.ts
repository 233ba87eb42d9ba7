// Test support: the project's own source files and the relative imports each makes, read with
// TypeScript's own import scanner (static, dynamic and re-exports alike), for tests that hold
// the folder rules of docs/architecture.md.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';
import { repoRoot } from './paths.js';

export const srcRoot = join(repoRoot, 'src');

/** Every .ts/.tsx/.mts file under `dir` (not declaration files). */
export function sourceFiles(dir: string = srcRoot, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) sourceFiles(p, out);
    else if (/\.(ts|tsx|mts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The relative imports of `file`: the specifier as written and the absolute path it names. */
export function relativeImports(file: string): { spec: string; target: string }[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles
    .map((f) => f.fileName)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => ({ spec, target: resolve(dirname(file), spec) }));
}

export const isTestFile = (file: string): boolean => /\.test\.tsx?$/.test(file);
