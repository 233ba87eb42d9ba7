// The failed-authentication limit on its own (a clock the tests move): which outcomes count, the
// 429 with Retry-After after the 10th failure, valid tokens never refused, the window, IPv6 /64s,
// memory that stays bounded however many addresses spray guesses; and the job API applying it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthFailureLimiter, clientKey } from './auth-limit.js';
import { BoundedMap } from './bounded-map.js';
import { ApiError } from './errors.js';
import { BASE, TOKEN, startTestServer } from '../testing/test-server.js';

const bad = (): ApiError => new ApiError('badToken');

test('the 11th bad token from one address within the window is 429 ModelArts.0299 with Retry-After; a valid token still passes', () => {
  let now = 1_000_000;
  const limiter = new AuthFailureLimiter({ maxFailures: 10, windowMs: 60_000 }, () => now);
  for (let i = 0; i < 10; i++) assert.equal(limiter.judge('203.0.113.5', bad())?.code, 'ModelArts.0203', `failure ${i + 1}`);
  now += 15_000;
  const refused = limiter.judge('203.0.113.5', bad());
  assert.equal(refused?.http, 429);
  assert.equal(refused?.code, 'ModelArts.0299');
  assert.deepEqual(refused?.headers, { 'retry-after': '45' });
  assert.equal(limiter.judge('203.0.113.5', undefined), undefined, 'a valid token is never refused');
  assert.equal(limiter.judge('203.0.113.6', bad())?.code, 'ModelArts.0203', 'other addresses are not affected');
  now += 45_000;
  assert.equal(limiter.judge('203.0.113.5', bad())?.code, 'ModelArts.0203', 'a new window starts when the old one ends');
});

test('only guesses count: a missing token, an expired one or another project\'s valid token never lead to 429', () => {
  const limiter = new AuthFailureLimiter({ maxFailures: 2 });
  for (let i = 0; i < 20; i++) {
    for (const kind of ['noToken', 'expiredToken', 'wrongProject'] as const) {
      assert.equal(limiter.judge('203.0.113.9', new ApiError(kind))?.code, new ApiError(kind).code);
    }
  }
  assert.equal(limiter.trackedAddresses, 0);
});

test('IPv6 addresses are limited per /64, IPv4-mapped ones as IPv4', () => {
  assert.equal(clientKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
  assert.equal(clientKey('2001:db8:1:2:ffff:ffff:ffff:ffff'), '2001:db8:1:2::/64');
  assert.equal(clientKey('2001:db8::1'), '2001:db8:0:0::/64');
  assert.equal(clientKey('::1'), '0:0:0:0::/64');
  assert.equal(clientKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
  assert.equal(clientKey('::ffff:192.0.2.1'), '192.0.2.1');
  assert.equal(clientKey('192.0.2.1'), '192.0.2.1');
  const limiter = new AuthFailureLimiter({ maxFailures: 3 });
  for (let i = 1; i <= 3; i++) limiter.judge(`2001:db8:1:2::${i}`, bad());
  assert.equal(limiter.judge('2001:db8:1:2::99', bad())?.http, 429);
});

test('the limiter remembers at most maxAddresses addresses however many spray guesses', () => {
  const limiter = new AuthFailureLimiter({ maxAddresses: 1_000 });
  for (let i = 0; i < 50_000; i++) limiter.judge(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, bad());
  assert.equal(limiter.trackedAddresses, 1_000);
  // The default bound too.
  const byDefault = new AuthFailureLimiter();
  for (let i = 0; i < 30_000; i++) byDefault.judge(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, bad());
  assert.equal(byDefault.trackedAddresses, byDefault.limits.maxAddresses);
  assert.equal(byDefault.limits.maxAddresses, 10_000);
});

test('BoundedMap drops the least recently set key when full', () => {
  const m = new BoundedMap<string, number>(2);
  m.set('a', 1);
  m.set('b', 2);
  m.set('a', 3); // a is now the most recent
  m.set('c', 4);
  assert.deepEqual([m.has('a'), m.has('b'), m.has('c'), m.size], [true, false, true, 2]);
  assert.throws(() => new BoundedMap(0), RangeError);
});

test('job API: the 11th bad token from one address gets 429 in the envelope with Retry-After, while a valid token from it keeps answering 200', async () => {
  const ts = await startTestServer();
  try {
    const remoteAddress = '192.0.2.44';
    const call = (token: string) => ts.built.app.inject({ url: BASE, remoteAddress, headers: { 'x-auth-token': token } });
    for (let i = 0; i < 10; i++) {
      const r = await call(`guess-${i}`);
      assert.deepEqual([r.statusCode, (r.json() as { error_code: string }).error_code], [401, 'ModelArts.0203'], `guess ${i + 1}`);
    }
    const r = await call('guess-10');
    assert.equal(r.statusCode, 429);
    const retryAfter = Number(r.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 60, String(r.headers['retry-after']));
    const body = r.json() as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), ['error_code', 'error_message', 'is_success']);
    assert.equal(body.is_success, false);
    assert.equal(body.error_code, 'ModelArts.0299');
    for (let i = 0; i < 3; i++) assert.equal((await call(TOKEN)).statusCode, 200, 'the valid token is not refused');
    assert.equal((await call('guess-11')).statusCode, 429);
    assert.equal((await ts.built.app.inject({ url: BASE, remoteAddress: '192.0.2.45', headers: { 'x-auth-token': 'nope' } })).statusCode, 401);
  } finally {
    await ts.close();
  }
});
