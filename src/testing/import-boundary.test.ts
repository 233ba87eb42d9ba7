// The boundary of src/testing/: test and benchmark support may import anything, but nothing that
// ships may import it, so no stand-in (placeholder runtime, test server, oracle) can reach
// production by an import. Only src/testing/ itself and *.test.ts files may. Checked on the
// sources with TypeScript's own import scanner (static, dynamic and re-exports alike).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, relative, sep } from 'node:path';
import { repoRoot } from './paths.js';
import { isTestFile, relativeImports, sourceFiles, srcRoot } from './source-imports.js';

const testingRoot = join(srcRoot, 'testing');

const inTesting = (p: string): boolean => p === testingRoot || p.startsWith(testingRoot + sep);
const mayImportTesting = (file: string): boolean => inTesting(file) || isTestFile(file);

/** Every relative import of `file` that lands in src/testing/, as `file → specifier`. */
function testingImports(file: string): string[] {
  return relativeImports(file)
    .filter(({ target }) => inTesting(target))
    .map(({ spec }) => `${relative(repoRoot, file)} → ${spec}`);
}

test('nothing under src/ but src/testing/ and *.test.ts imports src/testing/', () => {
  const files = sourceFiles(srcRoot);
  const violations = files.filter((f) => !mayImportTesting(f)).flatMap(testingImports);
  assert.deepEqual(violations, []);
  // The scan must see the imports it is meant to judge: tests do import src/testing/.
  const allowed = files.filter((f) => isTestFile(f) && !inTesting(f)).flatMap(testingImports);
  assert.ok(allowed.length > 10, `only ${allowed.length} test imports of src/testing/ seen`);
});
