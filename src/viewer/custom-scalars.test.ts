// The custom_scalars routes over a layout written as PyTorch's add_custom_scalars writes it,
// answered in the shapes TensorBoard's custom_scalars_plugin.py serves.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SummaryWriter } from '../writer/index.js';
import { viewerTestApp, type ViewerTestApp } from '../testing/viewer-app.js';

const H = { 'x-auth-token': 'tok' };
const T0 = 1_700_000_000;
let t: ViewerTestApp;
let root: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'vizjobs-custom-scalars-'));
  const logs = join(root, 'bkt', 'exp');
  // PyTorch's documented example layout, in run "b"; run "a" adds to a category "b" also has.
  const b = new SummaryWriter(join(logs, 'b'), { now: () => T0 });
  b.addCustomScalars({
    Taiwan: { twse: ['Multiline', ['twse/0050', 'twse/2330']] },
    USA: { dow: ['Margin', ['dow/aaa', 'dow/bbb', 'dow/ccc']], nasdaq: ['Margin', ['nasdaq/aaa', 'nasdaq/bbb', 'nasdaq/ccc']] },
  });
  for (let i = 0; i < 3; i++) {
    b.addScalar('twse/0050', i, i, T0 + i);
    b.addScalar('twse/2330', 10 * i, i, T0 + i);
    b.addScalar('other', 5, i, T0 + i);
  }
  b.close();
  const a = new SummaryWriter(join(logs, 'a'), { now: () => T0 + 100 });
  a.addCustomScalars({ USA: { dow: ['Margin', ['dow/aaa', 'dow/bbb', 'dow/ccc']], sp: ['Multiline', ['sp/.*']] } });
  a.close();
  const c = new SummaryWriter(join(logs, 'c'), { now: () => T0 });
  for (let i = 0; i < 2; i++) c.addScalar('twse/0050', 100 + i, i, T0 + i);
  c.close();
  const none = new SummaryWriter(join(root, 'bkt', 'plain', 'r'), { now: () => T0 });
  none.addScalar('x', 1, 0, T0);
  none.close();
  t = await viewerTestApp({ obsRoot: root, tokens: 'tok=p' });
  t.jobs.set(7, { projectId: 'p', status: 8, trainUrl: '/bkt/exp/' });
  t.jobs.set(8, { projectId: 'p', status: 8, trainUrl: '/bkt/plain/' });
});

after(async () => {
  await t.close();
  await rm(root, { recursive: true, force: true });
});

async function get(path: string, job = 7): Promise<unknown> {
  const r = await t.app.inject({ url: `/visualization/p/${job}/data/${path}`, headers: H });
  assert.equal(r.statusCode, 200, r.body);
  return r.json();
}

describe('custom scalars routes', () => {
  it('serves the layouts of every run merged in run order, as MessageToJson with defaults', async () => {
    assert.deepEqual(await get('plugin/custom_scalars/layout'), {
      version: 0,
      category: [
        // Run "a" sorts first: its USA category comes first, "b"'s new charts are appended to it.
        {
          title: 'USA',
          chart: [
            { title: 'dow', margin: { series: [{ value: 'dow/aaa', lower: 'dow/bbb', upper: 'dow/ccc' }] } },
            { title: 'sp', multiline: { tag: ['sp/.*'] } },
            { title: 'nasdaq', margin: { series: [{ value: 'nasdaq/aaa', lower: 'nasdaq/bbb', upper: 'nasdaq/ccc' }] } },
          ],
          closed: false,
        },
        { title: 'Taiwan', chart: [{ title: 'twse', multiline: { tag: ['twse/0050', 'twse/2330'] } }], closed: false },
      ],
    });
  });

  it('answers {} for logs without a layout, and lists the plugin as disabled there', async () => {
    assert.deepEqual(await get('plugin/custom_scalars/layout', 8), {});
    const listing = (await get('plugins_listing', 8)) as Record<string, { enabled: boolean; tab_name: string }>;
    assert.equal(listing.custom_scalars.enabled, false);
    assert.equal(((await get('plugins_listing')) as typeof listing).custom_scalars.enabled, true);
  });

  it('serves the run’s scalar tags the regex matches at their start, each as [wall_time, step, value]', async () => {
    assert.deepEqual(await get('plugin/custom_scalars/scalars?run=b&tag=twse%2F.*'), {
      regex_valid: true,
      tag_to_events: {
        'twse/0050': [[T0, 0, 0], [T0 + 1, 1, 1], [T0 + 2, 2, 2]],
        'twse/2330': [[T0, 0, 0], [T0 + 1, 1, 10], [T0 + 2, 2, 20]],
      },
    });
    // re.match anchors at the start only: "wse" matches nothing, "twse/0" matches one tag.
    assert.deepEqual(await get('plugin/custom_scalars/scalars?run=b&tag=wse'), { regex_valid: true, tag_to_events: {} });
    assert.deepEqual(Object.keys(((await get('plugin/custom_scalars/scalars?run=b&tag=twse%2F0')) as { tag_to_events: object }).tag_to_events), ['twse/0050']);
  });

  it('says regex_valid false for an empty or invalid regex, and an empty payload for an unknown run', async () => {
    assert.deepEqual(await get('plugin/custom_scalars/scalars?run=b&tag='), { regex_valid: false, tag_to_events: {} });
    assert.deepEqual(await get('plugin/custom_scalars/scalars?run=b&tag=(unclosed'), { regex_valid: false, tag_to_events: {} });
    assert.deepEqual(await get('plugin/custom_scalars/scalars?run=nope&tag=.*'), { regex_valid: true, tag_to_events: {} });
  });

  it('scalars_multirun answers one pattern for many runs: each matching run as the one-run route answers it', async () => {
    const post = async (form: string): Promise<unknown> => {
      const r = await t.app.inject({ method: 'POST', url: '/visualization/p/7/data/plugin/custom_scalars/scalars_multirun', headers: { ...H, 'content-type': 'application/x-www-form-urlencoded' }, payload: form });
      assert.equal(r.statusCode, 200, r.body);
      return r.json();
    };
    const both = await post('tag=twse%2F0&runs=a&runs=b&runs=c&runs=nope&runs=b');
    assert.deepEqual(both, {
      b: await get('plugin/custom_scalars/scalars?run=b&tag=twse%2F0'),
      c: await get('plugin/custom_scalars/scalars?run=c&tag=twse%2F0'),
    });
    assert.deepEqual(Object.keys(both as object), ['b', 'c'], 'runs without a matching tag (a) and unknown runs are left out, each run once');
    assert.deepEqual(await post('tag=(unclosed&runs=b'), {});
    assert.deepEqual(await post('tag=&runs=b'), {});
  });
});
