// The server's compression (compression.ts) on what the viewer does not encode itself: API answers
// of MIN_GZIP_BYTES or more are gzip when the client accepts gzip, everything else is sent as it
// was before the plugin (small bodies, clients without gzip); request bodies are not decompressed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync, gzipSync } from 'node:zlib';
import { BASE, startTestServer, until, type TestServer } from '../testing/test-server.js';
import { MIN_GZIP_BYTES } from './compression.js';

/** A job list without `duration` (ms RUNNING so far: it grows between two calls). */
function listed(body: unknown): unknown {
  const b = body as { jobs: Array<Record<string, unknown>> };
  return { ...b, jobs: b.jobs.map(({ duration: _d, ...job }) => job) };
}

describe('response compression', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startTestServer();
    for (let i = 0; i < 8; i++) await ts.call('POST', BASE, { body: { job_name: `job-${i}`, job_desc: 'd'.repeat(100), train_url: '/demo/pytorch-mlp/' } });
    // The list is compared across calls below: let every job finish starting (RUNNING, serving) first.
    await until(async () => {
      const jobs = (await ts.call('GET', BASE)).body.jobs as Array<{ status: number; conditions?: Array<{ type: string }> }>;
      return jobs.every((j) => j.status === 8 && (j.conditions ?? []).some((c) => c.type === 'Serving'));
    }, 20_000);
  });
  after(() => ts.close());

  it('gzips a big API answer for a client that accepts gzip, and only gzip', async () => {
    const plain = await ts.call('GET', BASE);
    assert.ok(plain.text.length >= MIN_GZIP_BYTES);
    assert.equal(plain.headers['content-encoding'], undefined);
    const res = await ts.built.app.inject({ url: BASE, headers: { 'x-auth-token': 'test-token-p1', 'accept-encoding': 'gzip, deflate, br' } });
    assert.equal(res.headers['content-encoding'], 'gzip');
    assert.match(String(res.headers.vary), /accept-encoding/i);
    assert.deepEqual(listed(JSON.parse(gunzipSync(res.rawPayload).toString('utf8'))), listed(plain.body));
    const br = await ts.built.app.inject({ url: BASE, headers: { 'x-auth-token': 'test-token-p1', 'accept-encoding': 'br, deflate' } });
    assert.equal(br.headers['content-encoding'], undefined);
    assert.deepEqual(listed(br.json()), listed(plain.body));
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
