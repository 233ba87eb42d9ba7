// The server's compression (compression.ts) on what the viewer does not encode itself: API answers
// of MIN_GZIP_BYTES or more are gzip when the client accepts gzip, everything else is sent as it
// was before the plugin (small bodies, clients without gzip); request bodies are not decompressed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync, gzipSync } from 'node:zlib';
import { BASE, startTestServer, type TestServer } from '../testing/test-server.js';
import { MIN_GZIP_BYTES } from './compression.js';

/**
 * A job list without what moves on its own between two calls (the reconciler starts jobs, a
 * RUNNING job's duration counts up): the rest must be the same answer however it was encoded.
 */
function settled(body: unknown): unknown {
  return JSON.parse(JSON.stringify(body), (k: string, v: unknown) => (['status', 'duration', 'remaining_duration', 'conditions'].includes(k) ? undefined : v));
}

describe('response compression', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startTestServer();
    for (let i = 0; i < 8; i++) await ts.call('POST', BASE, { body: { job_name: `job-${i}`, job_desc: 'd'.repeat(100), train_url: '/demo/pytorch-mlp/' } });
  });
  after(() => ts.close());

  it('gzips a big API answer for a client that accepts gzip, and only gzip', async () => {
    const plain = await ts.call('GET', BASE);
    assert.ok(plain.text.length >= MIN_GZIP_BYTES);
    assert.equal(plain.headers['content-encoding'], undefined);
    const res = await ts.built.app.inject({ url: BASE, headers: { 'x-auth-token': 'test-token-p1', 'accept-encoding': 'gzip, deflate, br' } });
    assert.equal(res.headers['content-encoding'], 'gzip');
    assert.match(String(res.headers.vary), /accept-encoding/i);
    assert.deepEqual(settled(JSON.parse(gunzipSync(res.rawPayload).toString('utf8'))), settled(plain.body));
    const br = await ts.built.app.inject({ url: BASE, headers: { 'x-auth-token': 'test-token-p1', 'accept-encoding': 'br, deflate' } });
    assert.equal(br.headers['content-encoding'], undefined);
    assert.deepEqual(settled(br.json()), settled(plain.body));
  });

  it('sends small answers as they are', async () => {
    const res = await ts.call('GET', `${BASE}/1`, { headers: { 'accept-encoding': 'gzip' } });
    assert.ok(res.text.length < MIN_GZIP_BYTES);
    assert.equal(res.headers['content-encoding'], undefined);
    assert.equal(res.body.job_id, 1);
  });

  it('does not decompress request bodies: a gzip body is malformed JSON, as before', async () => {
    const res = await ts.built.app.inject({
      method: 'PUT',
      url: `${BASE}/1`,
      headers: { 'x-auth-token': 'test-token-p1', 'content-type': 'application/json', 'content-encoding': 'gzip' },
      payload: gzipSync(JSON.stringify({ job_desc: 'x' })),
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error_code, 'ModelArts.0101');
  });
});
