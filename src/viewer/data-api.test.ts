// The data API over the real PyTorch fixture must answer what TensorBoard 2.21 answered for it
// (shared/fixtures/pytorch-real/expected-tensorboard.json), through real HTTP handling.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { pytorchFixtureDir } from '../testing/paths.js';
import { viewerTestApp, type ViewerTestApp } from '../testing/viewer-app.js';
import { openLogdir } from '../events/index.js';
import { LocalStorage } from '../storage/local.js';

interface Expected {
  runs: string[];
  scalars: Record<string, Record<string, [number, number, number][]>>;
  histograms: Record<string, Record<string, unknown[]>>;
  text: Record<string, Record<string, unknown[]>>;
  images: Record<string, Record<string, { wall_time: number; step: number; query: string }[]>>;
}

const RUN = 'mlp_lr1e-3_adam';
const H = { 'x-auth-token': 'tok-a' };
let t: ViewerTestApp;
let root: string;
let expected: Expected;

const url = (path: string): string => `/visualization/proj-a/1/data/${path}`;
const q = (o: Record<string, string>): string => new URLSearchParams(o).toString();

before(async () => {
  expected = JSON.parse(await readFile(join(pytorchFixtureDir, 'expected-tensorboard.json'), 'utf8')) as Expected;
  root = await mkdtemp(join(tmpdir(), 'vizjobs-viewer-'));
  await cp(join(pytorchFixtureDir, RUN), join(root, 'demo', 'logs', RUN), { recursive: true });
  t = await viewerTestApp({ obsRoot: root, tokens: 'tok-a=proj-a,tok-b=proj-b' });
  t.jobs.set(1, { projectId: 'proj-a', status: 8, trainUrl: '/demo/logs/' });
  await t.runtime.start({ jobId: 1, projectId: 'proj-a', jobType: 'tensorboard', trainUrl: '/demo/logs/' });
});

after(async () => {
  await t.close();
  await rm(root, { recursive: true, force: true });
});

async function getJson(path: string): Promise<unknown> {
  const r = await t.app.inject({ url: url(path), headers: H });
  assert.equal(r.statusCode, 200, `${path}: ${r.body.slice(0, 300)}`);
  return r.json();
}

describe('data API answers like TensorBoard for the real PyTorch logs', () => {
  it('lists the runs in TensorBoard order', async () => {
    assert.deepEqual(await getJson('runs'), expected.runs);
  });

  it('lists exactly the scalar tags TensorBoard served, per run', async () => {
    const tags = (await getJson('plugin/scalars/tags')) as Record<string, Record<string, unknown>>;
    assert.deepEqual(
      Object.fromEntries(Object.entries(tags).map(([r, ts]) => [r, Object.keys(ts).sort()])),
      Object.fromEntries(Object.entries(expected.scalars).map(([r, ts]) => [r, Object.keys(ts).sort()])),
    );
  });

  it('serves every scalar series as TensorBoard did, every sample', async () => {
    for (const [run, tags] of Object.entries(expected.scalars)) {
      for (const [tag, series] of Object.entries(tags)) {
        assert.deepEqual(await getJson(`plugin/scalars/scalars?${q({ run, tag })}`), series, `${run} ${tag}`);
      }
    }
  });

  it('serves every histogram as TensorBoard buckets', async () => {
    for (const [run, tags] of Object.entries(expected.histograms)) {
      for (const [tag, series] of Object.entries(tags)) {
        assert.deepEqual(await getJson(`plugin/histograms/histograms?${q({ run, tag })}`), series, `${run} ${tag}`);
      }
    }
  });

  it('renders text summaries to the same sanitized HTML', async () => {
    for (const [run, tags] of Object.entries(expected.text)) {
      for (const [tag, series] of Object.entries(tags)) {
        assert.deepEqual(await getJson(`plugin/text/text?${q({ run, tag })}`), series);
      }
    }
  });

  it('lists images with TensorBoard blob keys whose bytes are PNGs', async () => {
    for (const [run, tags] of Object.entries(expected.images)) {
      for (const [tag, series] of Object.entries(tags)) {
        const got = (await getJson(`plugin/images/images?${q({ run, tag, sample: '0' })}`)) as typeof series;
        assert.deepEqual(got, series);
        for (const e of got) {
          const r = await t.app.inject({ url: url(`plugin/images/individualImage?${e.query}`), headers: H });
          assert.equal(r.statusCode, 200);
          assert.equal(r.headers['content-type'], 'image/png');
          assert.deepEqual([...r.rawPayload.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
          assert.ok(r.rawPayload.length > 100);
        }
      }
    }
  });

  it('lists audio clips whose blob bytes are the WAV PyTorch wrote', async () => {
    const tags = (await getJson('plugin/audio/tags')) as Record<string, Record<string, { samples: number }>>;
    const tag = Object.keys(tags[RUN])[0];
    assert.ok(tag);
    const clips = (await getJson(`plugin/audio/audio?${q({ run: RUN, tag, sample: '0' })}`)) as { step: number; contentType: string; query: string }[];
    assert.ok(clips.length >= 1);
    assert.equal(clips[0].contentType, 'audio/wav');
    const r = await t.app.inject({ url: url(`plugin/audio/individualAudio?${clips[0].query}`), headers: H });
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers['content-type'], 'audio/wav');
    assert.equal(r.rawPayload.subarray(0, 4).toString('latin1'), 'RIFF');
    assert.match(String(r.headers['content-security-policy']), /sandbox/);
  });

  it('serves PR curves as TensorBoard arrays of equal length', async () => {
    const tags = (await getJson('plugin/pr_curves/tags')) as Record<string, Record<string, unknown>>;
    const tag = Object.keys(tags[RUN])[0];
    const body = (await getJson(`plugin/pr_curves/pr_curves?${q({ run: RUN, tag })}`)) as Record<string, Record<string, number[] | number>[]>;
    const [entry] = body[RUN];
    const keys = ['precision', 'recall', 'true_positives', 'false_positives', 'true_negatives', 'false_negatives', 'thresholds'];
    const n = (entry.thresholds as number[]).length;
    assert.ok(n > 1);
    for (const k of keys) assert.equal((entry[k] as number[]).length, n, k);
    for (const p of entry.precision as number[]) assert.ok(p >= 0 && p <= 1);
    const tp = entry.true_positives as number[];
    const fn = entry.false_negatives as number[];
    // TP + FN is the number of positives at every threshold.
    for (let i = 1; i < n; i++) assert.equal(tp[i] + fn[i], tp[0] + fn[0]);
  });

  it('serves each PR curve entry as TensorBoard\'s pr_curves plugin builds it from the [6, n] tensor', async () => {
    const tags = (await getJson('plugin/pr_curves/tags')) as Record<string, Record<string, unknown>>;
    const tag = Object.keys(tags[RUN])[0];
    const body = (await getJson(`plugin/pr_curves/pr_curves?${q({ run: RUN, tag })}`)) as Record<string, Record<string, unknown>[]>;
    const logdir = openLogdir({ storage: new LocalStorage(pytorchFixtureDir), prefix: '' });
    await logdir.reload();
    const s = logdir.prCurves(RUN, tag);
    assert.ok(s && s.length > 0);
    assert.equal(body[RUN].length, s.length);
    for (let k = 0; k < s.length; k++) {
      // TensorBoard's _make_pr_entry: rows TP, FP, TN, FN, precision, recall; the tail where
      // TP + FP = 0 trimmed; thresholds np.arange(1, end + 1) / n.
      const n: number = s.data[k].length / 6;
      const row = (r: number): number[] => Array.from(s.data[k].subarray(r * n, (r + 1) * n));
      let end: number = n - 1;
      while (end > 0 && Math.trunc(row(0)[end]) + Math.trunc(row(1)[end]) === 0) end--;
      end += 1;
      const ints = (r: number): number[] => row(r).slice(0, end).map(Math.trunc);
      assert.deepEqual(body[RUN][k], {
        wall_time: s.wallTimes[k],
        step: s.steps[k],
        precision: row(4).slice(0, end),
        recall: row(5).slice(0, end),
        true_positives: ints(0),
        false_positives: ints(1),
        true_negatives: ints(2),
        false_negatives: ints(3),
        thresholds: Array.from({ length: end }, (_, i) => (i + 1) / n),
      });
    }
    // PyTorch's add_pr_curve writes 127 thresholds: the first label is 1/127, not 0.
    assert.equal((body[RUN][0].thresholds as number[])[0], 1 / 127);
  });

  it('compresses histograms to nine ordered basis points for distributions', async () => {
    const d = (await getJson(`plugin/distributions/distributions?${q({ run: RUN, tag: 'weights/0.weight' })}`)) as [number, number, [number, number][]][];
    assert.equal(d.length, expected.histograms[RUN]['weights/0.weight'].length);
    for (const [, , points] of d) {
      assert.deepEqual(points.map((p) => p[0]), [0, 668, 1587, 3085, 5000, 6915, 8413, 9332, 10000]);
      for (let i = 1; i < points.length; i++) assert.ok(points[i][1] >= points[i - 1][1]);
    }
    // The extremes are the histogram's own edges.
    const first = expected.histograms[RUN]['weights/0.weight'][0] as [number, number, [number, number, number][]];
    assert.equal(d[0][2][0][1], first[2][0][0]);
    assert.equal(d[0][2][8][1], first[2][first[2].length - 1][1]);
  });

  it('answers scalars_multirun for the form-posted runs only', async () => {
    const r = await t.app.inject({
      method: 'POST',
      url: url('plugin/scalars/scalars_multirun'),
      headers: { ...H, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'tag=loss%2Fval&runs=mlp_lr1e-3_adam&runs=no-such-run',
    });
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.json(), { [RUN]: expected.scalars[RUN]['loss/val'] });
  });

  it('answers a run named twice in scalars_multirun once', async () => {
    const r = await t.app.inject({
      method: 'POST',
      url: url('plugin/scalars/scalars_multirun'),
      headers: { ...H, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `tag=loss%2Fval${'&runs=mlp_lr1e-3_adam'.repeat(3)}`,
    });
    assert.equal(r.statusCode, 200);
    // The raw body: a JSON parser would hide a key written three times.
    assert.equal(r.body.split(JSON.stringify(RUN)).length - 1, 1);
    assert.deepEqual(r.json(), { [RUN]: expected.scalars[RUN]['loss/val'] });
  });

  it('serves scalars as TensorBoard CSV', async () => {
    const r = await t.app.inject({ url: url(`plugin/scalars/scalars?${q({ run: RUN, tag: 'lr', format: 'csv' })}`), headers: H });
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers['content-type']), /^text\/csv/);
    const lines = r.body.trimEnd().split('\r\n');
    assert.equal(lines[0], 'Wall time,Step,Value');
    assert.equal(lines.length, expected.scalars[RUN].lr.length + 1);
    assert.deepEqual(lines[1].split(',').map(Number), expected.scalars[RUN].lr[0]);
  });

  it('gzips large bodies when the client accepts gzip, and only then', async () => {
    const path = url(`plugin/scalars/scalars?${q({ run: RUN, tag: 'loss/train' })}`);
    const gz = await t.app.inject({ url: path, headers: { ...H, 'accept-encoding': 'gzip, deflate' } });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.deepEqual(JSON.parse(gunzipSync(gz.rawPayload).toString('utf8')), expected.scalars[RUN]['loss/train']);
    const plain = await t.app.inject({ url: path, headers: { ...H, 'accept-encoding': 'gzip;q=0' } });
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.deepEqual(plain.json(), expected.scalars[RUN]['loss/train']);
  });

  it('answers hparams in proto3 JSON with the session metrics', async () => {
    const exp = (await getJson('plugin/hparams/experiment')) as { hparamInfos: { name: string }[]; metricInfos: { name: { tag: string } }[] };
    assert.deepEqual(exp.hparamInfos.map((h) => h.name).sort(), ['hidden', 'lr', 'optimizer']);
    assert.deepEqual(exp.metricInfos.map((m) => m.name.tag).sort(), ['hparam/accuracy', 'hparam/loss']);
    const r = await t.app.inject({ method: 'POST', url: url('plugin/hparams/session_groups'), headers: H, payload: { startIndex: 0, sliceSize: 10 } });
    const groups = r.json() as { totalSize: number; sessionGroups: { hparams: Record<string, unknown>; metricValues: { name: { tag: string }; value: number }[] }[] };
    assert.equal(groups.totalSize, 1);
    assert.equal(groups.sessionGroups[0].hparams.optimizer, 'adam');
    const acc = groups.sessionGroups[0].metricValues.find((m) => m.name.tag === 'hparam/accuracy');
    assert.equal(acc?.value, expected.scalars[expected.runs[1]]['hparam/accuracy'][0][2]);
  });

  it('serves the run graph as GraphDef text format and lists it in graphs/info', async () => {
    const info = (await getJson('plugin/graphs/info')) as Record<string, { run_graph: boolean }>;
    assert.equal(info[RUN].run_graph, true);
    const r = await t.app.inject({ url: url(`plugin/graphs/graph?${q({ run: RUN })}`), headers: H });
    assert.equal(r.statusCode, 200);
    assert.match(r.body, /^node \{\n  name: "/);
    assert.match(r.body, /op: "aten::linear"/);
    assert.equal((r.body.match(/\{/g) ?? []).length, (r.body.match(/\}/g) ?? []).length);
  });

  it('ignores ill-typed hparams requests instead of failing', async () => {
    for (const payload of [{ colParams: 5 }, { colParams: [null, { hparam: 3, order: 'ORDER_DESC' }] }, [1, 2], { startIndex: 'x' }]) {
      const r = await t.app.inject({ method: 'POST', url: url('plugin/hparams/session_groups'), headers: H, payload });
      assert.equal(r.statusCode, 200, JSON.stringify(payload));
      assert.equal((r.json() as { totalSize: number }).totalSize, 1);
    }
  });

  it('reports load status and an empty problem list for clean logs', async () => {
    const s = (await getJson('status')) as { state: string; points: number; bytes_read: number };
    assert.equal(s.state, 'ready');
    assert.ok(s.bytes_read > 800_000);
    const scalarPoints = Object.values(expected.scalars).flatMap((ts) => Object.values(ts)).reduce((n, s2) => n + s2.length, 0);
    assert.ok(s.points >= scalarPoints, `${s.points} >= ${scalarPoints}`);
    assert.deepEqual(await getJson('problems'), Object.fromEntries(expected.runs.map((r) => [r, []])));
  });

  it('answers bad parameters and unknown series with the error envelope, never a 500', async () => {
    const cases: [string, number][] = [
      ['plugin/scalars/scalars?run=x', 400],
      [`plugin/scalars/scalars?${q({ run: RUN, tag: 'nope' })}`, 404],
      [`plugin/scalars/scalars?${q({ run: RUN, tag: 'lr', samples: '-3' })}`, 400],
      ['plugin/images/individualImage?blob_key=%%%', 400],
      ['plugin/images/individualImage?blob_key=WyJ4Il0', 400],
      [`plugin/images/individualImage?blob_key=${Buffer.from(JSON.stringify(['', 'images', RUN, 'inputs', 7, 2])).toString('base64url')}`, 404],
      ['plugin/hparams/session_groups?request=%7Bnot-json', 400],
      ['plugin/no-such-plugin/x', 404],
    ];
    for (const [path, status] of cases) {
      const r = await t.app.inject({ url: url(path), headers: H });
      assert.equal(r.statusCode, status, path);
      const body = r.json() as { is_success: boolean; error_code: string };
      assert.equal(body.is_success, false);
      assert.match(body.error_code, /^ModelArts\.\d{4}$/);
    }
  });
});
