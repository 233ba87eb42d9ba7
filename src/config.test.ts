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

test('fleet settings: admin token, log level and metrics port are checked, and a bad admin token is never echoed', () => {
  const c = loadConfig({}, { VIZJOBS_ADMIN_TOKEN: 'a-long-enough-token-1234', VIZJOBS_LOG_LEVEL: 'DEBUG', VIZJOBS_METRICS_PORT: '9100' });
  assert.deepEqual([c.adminToken, c.logLevel, c.metricsPort], ['a-long-enough-token-1234', 'debug', 9100]);
  assert.deepEqual([loadConfig({}, {}).adminToken, loadConfig({}, {}).logLevel, loadConfig({}, {}).metricsPort], ['', 'info', 0]);
  assert.throws(() => loadConfig({}, { VIZJOBS_LOG_LEVEL: 'loud' }), (e: unknown) => e instanceof ConfigError && /VIZJOBS_LOG_LEVEL/.test(e.message));
  assert.throws(() => loadConfig({}, { VIZJOBS_METRICS_PORT: '70000' }), ConfigError);
  assert.throws(
    () => loadConfig({}, { VIZJOBS_ADMIN_TOKEN: 'short secret' }),
    (e: unknown) => e instanceof ConfigError && /VIZJOBS_ADMIN_TOKEN/.test(e.message) && !e.message.includes('short secret'),
  );
});
