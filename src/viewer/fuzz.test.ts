// Bad input never produces a 500: random query strings and bodies against every data route of a
// job over the real fixture answer 2xx or a 4xx envelope, and the server keeps serving.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { pytorchFixtureDir } from '../testing/paths.js';
import { viewerTestApp, type ViewerTestApp } from '../testing/viewer-app.js';

const ROUTES = [
  'runs', 'environment', 'plugins_listing', 'status', 'problems', 'plugin/scalars/tags', 'plugin/scalars/scalars',
  'plugin/scalars/scalars_multirun', 'plugin/histograms/tags', 'plugin/histograms/histograms', 'plugin/distributions/tags',
  'plugin/distributions/distributions', 'plugin/images/tags', 'plugin/images/images', 'plugin/images/individualImage',
  'plugin/audio/tags', 'plugin/audio/audio', 'plugin/audio/individualAudio', 'plugin/text/tags', 'plugin/text/text',
  'plugin/pr_curves/tags', 'plugin/pr_curves/pr_curves', 'plugin/hparams/experiment', 'plugin/hparams/session_groups',
  'plugin/graphs/info', 'plugin/graphs/graph', 'plugin/nope',
];
const PARAMS = ['run', 'tag', 'runs', 'sample', 'samples', 'format', 'blob_key', 'content_type', 'request', 'experiment'];
const VALUES = ['mlp_lr1e-3_adam', 'loss/train', 'inputs', 'weights/0.bias', 'notes/text_summary', 'csv', 'all', '0', '-1', '1e9', '', '%00', '../..', 'WyIiLCJpbWFnZXMiLCJtbHBfbHIxZS0zX2FkYW0iLCJpbnB1dHMiLDAsMl0', '{"colParams":{}}', '[]'];

let t: ViewerTestApp;
let root: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'vizjobs-fuzz-'));
  await cp(join(pytorchFixtureDir, 'mlp_lr1e-3_adam'), join(root, 'demo', 'logs', 'mlp_lr1e-3_adam'), { recursive: true });
  t = await viewerTestApp({ obsRoot: root, tokens: 'tok=p' });
  t.jobs.set(1, { projectId: 'p', status: 8, trainUrl: '/demo/logs/' });
});

after(async () => {
  await t.close();
  await rm(root, { recursive: true, force: true });
});

describe('data routes under random input', () => {
  it('never answer 5xx', async () => {
    const param = fc.tuple(fc.constantFrom(...PARAMS), fc.oneof(fc.constantFrom(...VALUES), fc.string({ maxLength: 30 })));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        fc.array(param, { maxLength: 5 }),
        fc.constantFrom('GET', 'POST'),
        fc.oneof(fc.constant(undefined), fc.json(), fc.string({ maxLength: 40 })),
        fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain'),
        async (route, params, method, body, contentType) => {
          const qs = params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
          const r = await t.app.inject({
            method,
            url: `/visualization/p/1/data/${route}${qs ? `?${qs}` : ''}`,
            headers: { 'x-auth-token': 'tok', ...(method === 'POST' && body !== undefined ? { 'content-type': contentType } : {}) },
            payload: method === 'POST' ? body : undefined,
          });
          assert.ok(r.statusCode < 500, `${method} ${route}?${qs} ${String(body)} → ${r.statusCode} ${r.body.slice(0, 200)}`);
          if (r.statusCode >= 400) assert.match(r.body, /"error_code":"ModelArts\.\d{4}"/);
        },
      ),
      { numRuns: 400 },
    );
    const ok = await t.app.inject({ url: '/visualization/p/1/data/runs', headers: { 'x-auth-token': 'tok' } });
    assert.equal(ok.statusCode, 200);
  });
});
