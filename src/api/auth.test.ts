// Token configuration and checks (API.md §3), without a server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Authorizer, parseTokens, TokenConfigError } from './auth.js';

test('VIZJOBS_TOKENS: several projects per token, optional expiry, whitespace tolerated', () => {
  const entries = parseTokens(' a=p1|p2 , b=p3@2030-01-01T00:00:00Z,');
  assert.equal(entries.length, 2);
  assert.deepEqual([...(entries[0].projects as Set<string>)], ['p1', 'p2']);
  assert.equal(entries[1].expiresAt, Date.parse('2030-01-01T00:00:00Z'));
  assert.equal(entries[0].digest.length, 32, 'only a SHA-256 digest of the token is kept');
});

test('malformed VIZJOBS_TOKENS are refused at startup with a message', () => {
  for (const bad of ['justatoken', '=p1', 'a=', 'a=p1@notadate', 'a=bad project', 'a=|']) {
    assert.throws(() => parseTokens(bad), TokenConfigError, bad);
  }
});

test('authorize: each refusal has its code, and expiry is checked against the clock', () => {
  let now = Date.parse('2029-12-31T23:59:59Z');
  const auth = new Authorizer(parseTokens('a=p1|p2,b=p3@2030-01-01T00:00:00Z'), () => now);
  assert.equal(auth.authorize('a', 'p1'), undefined);
  assert.equal(auth.authorize('a', 'p2'), undefined);
  assert.equal(auth.authorize(undefined, 'p1')?.code, 'ModelArts.0201');
  assert.equal(auth.authorize('', 'p1')?.code, 'ModelArts.0201');
  assert.equal(auth.authorize('A', 'p1')?.code, 'ModelArts.0203');
  assert.equal(auth.authorize('a ', 'p1')?.code, 'ModelArts.0203');
  assert.equal(auth.authorize('a', 'p3')?.code, 'ModelArts.0210');
  assert.equal(auth.authorize('a', 'p3')?.http, 403);
  assert.equal(auth.authorize('a', 'p/1')?.code, 'ModelArts.0104');
  assert.equal(auth.authorize('b', 'p3'), undefined);
  now = Date.parse('2030-01-01T00:00:00Z');
  const expired = auth.authorize('b', 'p3');
  assert.equal(expired?.code, 'ModelArts.0202');
  assert.equal(expired?.http, 401);
});

test('the admin token is valid for every well-formed project', () => {
  const auth = Authorizer.fromSpec('', 'admin-secret');
  assert.equal(auth.authorize('admin-secret', 'any'), undefined);
  assert.equal(auth.authorize('admin-secret', 'other_Project-9'), undefined);
  assert.equal(auth.authorize('admin-secret', '../x')?.code, 'ModelArts.0104');
  assert.equal(auth.authorize('admin', 'any')?.code, 'ModelArts.0203');
});
