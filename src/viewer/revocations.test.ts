// Sign-out bookkeeping on its own: a revocation through this process holds at once (even against
// a lookup already in flight), one made elsewhere shows once the 1 s "not revoked" answer ages out,
// and cookies from before session ids (v1) no longer open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { SessionRevocations, type SessionRevocationStore } from './revocations.js';
import { SessionSealer } from './session.js';

/** A shared store (the database) with a lookup that can be held open. */
class FakeStore implements SessionRevocationStore {
  revoked = new Set<string>();
  lookups = 0;
  hold: Promise<void> | undefined;
  async revokeSession(id: string): Promise<void> {
    this.revoked.add(id);
  }
  async isSessionRevoked(id: string): Promise<boolean> {
    this.lookups++;
    const answer = this.revoked.has(id);
    await this.hold;
    return answer;
  }
}

test('a revocation through this process holds at once, even for a lookup that started before it', async () => {
  const store = new FakeStore();
  const revocations = new SessionRevocations(store);
  let release = (): void => {};
  store.hold = new Promise((r) => (release = r));
  const pending = revocations.isRevoked('s'); // the store reads "not revoked", then the answer waits
  await revocations.revoke('s', Date.now() + 60_000);
  release();
  assert.equal(await pending, true);
  store.hold = undefined;
  assert.equal(await revocations.isRevoked('s'), true);
});

test('a revocation made by another replica shows here once the cached "not revoked" is older than cacheMs', async () => {
  let now = 1_000;
  const store = new FakeStore();
  const here = new SessionRevocations(store, { cacheMs: 1_000, now: () => now });
  assert.equal(await here.isRevoked('s'), false);
  assert.equal(await here.isRevoked('s'), false);
  assert.equal(store.lookups, 1, 'answered from the cache');
  store.revoked.add('s'); // the other replica signs out
  now += 999;
  assert.equal(await here.isRevoked('s'), false);
  now += 1;
  assert.equal(await here.isRevoked('s'), true);
  // cacheMs is capped at 1 s.
  const capped = new SessionRevocations(store, { cacheMs: 60_000, now: () => now });
  assert.equal(await capped.isRevoked('t'), false);
  store.revoked.add('t');
  now += 1_000;
  assert.equal(await capped.isRevoked('t'), true);
});

test('cookies sealed before session ids existed (v1) do not open', () => {
  const secret = randomBytes(32);
  const key = createHash('sha256').update('vizjobs-session-v1\0').update(secret).digest();
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(JSON.stringify({ t: 'tok', e: Date.now() + 60_000 }), 'utf8'), cipher.final()]);
  const v1 = `v1.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
  const sealer = new SessionSealer(secret);
  assert.deepEqual(sealer.open(v1), { ok: false, reason: 'invalid' });
  const fresh = sealer.seal('tok');
  const opened = sealer.open(fresh.value);
  assert.ok(opened.ok);
  assert.equal(opened.sessionId, fresh.sessionId);
  assert.notEqual(sealer.seal('tok').sessionId, fresh.sessionId, 'every sign-in is its own session');
});
