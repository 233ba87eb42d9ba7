// The folder rules of docs/architecture.md ("What each folder may import"), held: every
// non-test source file under a folder of src/ imports only its own folder and what the table
// allows, so the layers stay layers (the domain imports nothing, the engine knows only storage,
// the store knows no HTTP). Entry points and composition (cli/, testing/, top-level files) are
// free. Test files are free too: they exercise the parts from outside.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { relative, sep } from 'node:path';
import { isTestFile, relativeImports, sourceFiles, srcRoot } from './testing/source-imports.js';

/** Folder → what its files may import besides their own folder (a folder ends with '/'). */
const MAY_IMPORT: Record<string, readonly string[]> = {
  domain: [],
  storage: ['config'],
  events: ['storage/'],
  writer: ['events/'],
  store: ['domain/', 'private-files'],
  runtime: ['storage/', 'api/errors'],
  jobs: ['domain/', 'store/', 'runtime/', 'storage/', 'api/errors'],
  api: ['domain/', 'jobs/', 'store/', 'private-files'],
  viewer: ['domain/', 'events/', 'storage/', 'runtime/', 'api/', 'jobs/', 'config', 'private-files'],
  'web-static': ['api/', 'viewer/', 'server'],
  web: ['domain/'],
  view: ['events/', 'storage/', 'runtime/', 'api/', 'viewer/', 'web-static/plugin'],
  ops: ['domain/', 'store/', 'runtime/', 'storage/', 'api/'],
};

/** `src/`-relative path of an import target without its extension, e.g. `api/errors`, `config`. */
const srcPath = (target: string): string => relative(srcRoot, target).split(sep).join('/').replace(/\.(js|ts)$/, '');

test('each folder of src/ imports only what docs/architecture.md allows it', () => {
  const violations: string[] = [];
  let checked = 0;
  for (const file of sourceFiles()) {
    if (isTestFile(file)) continue;
    const folder = srcPath(file).split('/')[0];
    const allowed = MAY_IMPORT[folder];
    if (!allowed) continue; // cli/, testing/ and the top-level composition files are free
    for (const { spec, target } of relativeImports(file)) {
      const to = srcPath(target);
      if (to.startsWith(folder + '/')) continue;
      checked++;
      if (!allowed.some((a) => (a.endsWith('/') ? to.startsWith(a) : to === a))) violations.push(`${srcPath(file)} → ${spec}`);
    }
  }
  assert.deepEqual(violations, []);
  assert.ok(checked > 30, `only ${checked} imports across folders seen`);
});
