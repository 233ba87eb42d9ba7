// The boundary of src/testing/: test and benchmark support may import anything, but nothing that
// ships may import it, so no stand-in (placeholder runtime, test server, oracle) can reach
// production by an import. Only src/testing/ itself and *.test.ts files may. Checked on the
// sources with TypeScript's own import scanner (static, dynamic and re-exports alike).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { repoRoot } from './paths.js';

const srcRoot = join(repoRoot, 'src');
const testingRoot = join(srcRoot, 'testing');

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) sourceFiles(p, out);
    else if (/\.(ts|tsx|mts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const inTesting = (p: string): boolean => p === testingRoot || p.startsWith(testingRoot + sep);
const mayImportTesting = (file: string): boolean => inTesting(file) || /\.test\.tsx?$/.test(file);

/** Every relative import of `file` that lands in src/testing/, as `file → specifier`. */
function testingImports(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles
    .map((f) => f.fileName)
    .filter((spec) => spec.startsWith('.') && inTesting(resolve(dirname(file), spec)))
    .map((spec) => `${relative(repoRoot, file)} → ${spec}`);
}

test('nothing under src/ but src/testing/ and *.test.ts imports src/testing/', () => {
  const files = sourceFiles(srcRoot);
  const violations = files.filter((f) => !mayImportTesting(f)).flatMap(testingImports);
  assert.deepEqual(violations, []);
  // The scan must see the imports it is meant to judge: tests do import src/testing/.
  const allowed = files.filter((f) => /\.test\.tsx?$/.test(f) && !inTesting(f)).flatMap(testingImports);
  assert.ok(allowed.length > 10, `only ${allowed.length} test imports of src/testing/ seen`);
});
