import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { ConfigError, loadConfig } from './config.js';

test('embedded defaults need no environment at all', () => {
  const c = loadConfig({}, {});
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.port, 8080);
  assert.equal(c.dataDir, resolve('./data'));
  assert.equal(c.db, resolve('./data/vizjobs.db'));
  assert.equal(c.obsRoot, resolve('./data/obs'));
  assert.equal(c.publicUrl, 'http://127.0.0.1:8080');
  assert.equal(c.runningQuota, 10);
  assert.equal(c.jobLimit, 1000);
});

test('flags win over environment variables', () => {
  const c = loadConfig({ port: '9000' }, { VIZJOBS_PORT: '8500', VIZJOBS_RUNNING_QUOTA: '3' });
  assert.equal(c.port, 9000);
  assert.equal(c.runningQuota, 3);
});

test('a postgres URL is kept as a URL, not resolved as a path', () => {
  assert.equal(loadConfig({}, { VIZJOBS_DB: 'postgres://u@127.0.0.1/test' }).db, 'postgres://u@127.0.0.1/test');
});

test('out-of-range numbers are refused with the variable named', () => {
  assert.throws(() => loadConfig({}, { VIZJOBS_PORT: 'abc' }), (e: unknown) => e instanceof ConfigError && /VIZJOBS_PORT/.test(e.message));
  assert.throws(() => loadConfig({}, { VIZJOBS_RUNNING_QUOTA: '0' }), ConfigError);
});
