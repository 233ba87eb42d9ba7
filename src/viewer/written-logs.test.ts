// The data API over event files written by the engine's SummaryWriter: §4's point budget on a
// long series, NaN/±Infinity on the wire, and TF2-style tensors served like TF1 ones.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { SummaryWriter } from '../writer/index.js';
import { viewerTestApp, type ViewerTestApp } from '../testing/viewer-app.js';

const H = { 'x-auth-token': 'tok' };
const N = 30_000;
let t: ViewerTestApp;
let root: string;
const values: number[] = [];

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'vizjobs-written-'));
  const logs = join(root, 'bkt', 'exp');
  const w = new SummaryWriter(join(logs, 'long'), { now: () => 1_700_000_000 });
  for (let i = 0; i < N; i++) {
    const v = i === 12_345 ? 1000 : i === 23_456 ? -1000 : Math.cos(i / 50);
    values.push(Math.fround(v));
    w.addScalar('loss', v, i, 1_700_000_000 + i);
  }
  w.addScalar('odd', NaN, 0, 1_700_000_000);
  w.addScalar('odd', Infinity, 1, 1_700_000_001);
  w.addScalar('odd', -Infinity, 2, 1_700_000_002);
  w.close();
  const w2 = new SummaryWriter(join(logs, 'tf2'), { style: 'tf2', now: () => 1_600_000_000 });
  for (let i = 0; i < 5; i++) w2.addScalar('acc', i / 4, i, 1_600_000_000 + i);
  w2.addText('md', '# Title\n<script>alert(1)</script>', 0, 1_600_000_000);
  w2.close();
  const w3 = new SummaryWriter(join(logs, 'huge'), { now: () => 1_800_000_000 });
  for (let i = 0; i < 120_000; i++) w3.addScalar('x', i % 7 === 0 ? -i : i / 3, i, 1_800_000_000 + i / 7);
  w3.close();
  t = await viewerTestApp({ obsRoot: root, tokens: 'tok=p' });
  t.jobs.set(7, { projectId: 'p', status: 8, trainUrl: '/bkt/exp/' });
});

after(async () => {
  await t.close();
  await rm(root, { recursive: true, force: true });
});

async function scalars(run: string, tag: string, extra = ''): Promise<[number, number, number | string][]> {
  const r = await t.app.inject({ url: `/visualization/p/7/data/plugin/scalars/scalars?run=${run}&tag=${tag}${extra}`, headers: H });
  assert.equal(r.statusCode, 200, r.body);
  return r.json() as [number, number, number | string][];
}

describe('data API over written logs', () => {
  it('orders runs by first event wall time', async () => {
    const r = await t.app.inject({ url: '/visualization/p/7/data/runs', headers: H });
    assert.deepEqual(r.json(), ['tf2', 'long', 'huge']);
  });

  it('serves a multi-megabyte samples=all body the same gzipped, cached, and plain', async () => {
    const path = '/visualization/p/7/data/plugin/scalars/scalars?run=huge&tag=x&samples=all';
    const first = await t.app.inject({ url: path, headers: { ...H, 'accept-encoding': 'gzip' } });
    const again = await t.app.inject({ url: path, headers: { ...H, 'accept-encoding': 'gzip' } });
    const plain = await t.app.inject({ url: path, headers: H });
    assert.equal(first.headers['content-encoding'], 'gzip');
    assert.deepEqual(again.rawPayload, first.rawPayload);
    assert.equal(plain.headers['content-encoding'], undefined);
    const rows = plain.json() as [number, number, number][];
    assert.ok(plain.rawPayload.length > 4 << 20);
    assert.equal(rows.length, 120_000);
    assert.deepEqual(rows[7], [1_800_000_001, 7, -7]);
    assert.deepEqual(JSON.parse(gunzipSync(first.rawPayload).toString('utf8')), rows);
  });

  it('downsamples a 30,000-point series to 10,000 keeping first, last, minimum and maximum', async () => {
    const got = await scalars('long', 'loss');
    assert.ok(got.length <= 10_000 && got.length > 2_500, String(got.length));
    assert.deepEqual(got[0], [1_700_000_000, 0, values[0]]);
    assert.deepEqual(got[got.length - 1], [1_700_000_000 + N - 1, N - 1, values[N - 1]]);
    assert.ok(got.some((p) => p[1] === 12_345 && p[2] === 1000));
    assert.ok(got.some((p) => p[1] === 23_456 && p[2] === -1000));
    for (let i = 1; i < got.length; i++) assert.ok(got[i][1] > got[i - 1][1]);
    for (const [, step, v] of got) assert.equal(v, values[step]);
  });

  it('returns every sample with samples=all and at most N with samples=N', async () => {
    const all = await scalars('long', 'loss', '&samples=all');
    assert.equal(all.length, N);
    assert.deepEqual(all.map((p) => p[2]), values);
    const few = await scalars('long', 'loss', '&samples=100');
    assert.ok(few.length <= 100 && few.length >= 25);
    assert.ok(few.some((p) => p[2] === 1000));
  });

  it('sends NaN and infinities as TensorBoard strings', async () => {
    assert.deepEqual(await scalars('long', 'odd'), [
      [1_700_000_000, 0, 'NaN'],
      [1_700_000_001, 1, 'Infinity'],
      [1_700_000_002, 2, '-Infinity'],
    ]);
  });

  it('serves TF2 tensor scalars and text like TF1 ones, with scripts removed', async () => {
    const acc = await scalars('tf2', 'acc');
    assert.deepEqual(acc.map((p) => p[2]), [0, 0.25, 0.5, 0.75, 1]);
    const r = await t.app.inject({ url: '/visualization/p/7/data/plugin/text/text?run=tf2&tag=md', headers: H });
    const [entry] = r.json() as { text: string }[];
    assert.match(entry.text, /<h1>Title<\/h1>/);
    assert.doesNotMatch(entry.text, /<script/);
  });
});
