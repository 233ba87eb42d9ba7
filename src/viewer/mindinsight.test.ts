// A MindInsight job's viewer over MindSpore summaries written by the test writer: TensorBoard's data
// API over the same series, MindInsight's datavisual routes with its shapes and error codes, and a
// directory holding both formats read by either kind of job.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SummaryWriter } from '../writer/index.js';
import { MsSummaryWriter } from '../testing/mindspore-writer.js';
import { viewerTestApp, type ViewerTestApp } from '../testing/viewer-app.js';
import { parseDims, resample, sliceTensor } from './mindinsight.js';

const H = { 'x-auth-token': 'tok' };
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001', 'hex');
const MI = '/visualization/p/7/v1/mindinsight/datavisual';
let t: ViewerTestApp;
let root: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'vizjobs-mi-'));
  const logs = join(root, 'bkt', 'summary_dir');
  const w = new MsSummaryWriter(join(logs, 'lenet'), { now: () => 1_700_000_000, timestamp: 1_700_000_000 });
  for (let step = 1; step <= 20; step++) {
    w.addScalar('loss', step === 7 ? NaN : 1 / step);
    w.addImage('input_data/auto', PNG, 8, 6);
    // Each step's values spread over another range: MindInsight aligns them on one.
    w.addHistogram('conv1.weight/auto', Array.from({ length: 50 }, (_, i) => step + i / 10), 10);
    w.addTensor('fc.out', [2, 3], [step, 2, 3, 4, 5, NaN]);
    w.record(step, 1_700_000_000 + step);
  }
  w.close();
  const root_ = new MsSummaryWriter(logs, { now: () => 1_690_000_000, timestamp: 1_690_000_000 });
  root_.addScalar('acc', 0.5);
  root_.record(1, 1_690_000_001);
  root_.close();
  const tb = new SummaryWriter(join(logs, 'tb_run'), { now: () => 1_710_000_000 });
  tb.addScalar('loss', 0.25, 3, 1_710_000_000);
  tb.close();
  t = await viewerTestApp({ obsRoot: root, tokens: 'tok=p' });
  t.jobs.set(7, { projectId: 'p', status: 8, trainUrl: '/bkt/summary_dir/', jobType: 'mindinsight' });
  t.jobs.set(8, { projectId: 'p', status: 8, trainUrl: '/bkt/summary_dir/', jobType: 'tensorboard' });
});

after(async () => {
  await t.close();
  await rm(root, { recursive: true, force: true });
});

async function get(url: string, status = 200): Promise<Record<string, unknown>> {
  const r = await t.app.inject({ url, headers: H });
  assert.equal(r.statusCode, status, r.body);
  return r.json() as Record<string, unknown>;
}

describe('MindInsight job viewer', () => {
  it('serves MindSpore series through TensorBoard\'s data API, job_type reported as given', async () => {
    for (const job of [7, 8]) {
      const runs = await get(`/visualization/p/${job}/data/runs`);
      assert.deepEqual(runs, ['.', 'lenet', 'tb_run']);
      const s = (await get(`/visualization/p/${job}/data/plugin/scalars/scalars?run=lenet&tag=loss`)) as unknown as [number, number, number | string][];
      assert.equal(s.length, 20);
      assert.deepEqual(s[0], [1_700_000_001, 1, 1]);
      assert.equal(s[6][2], 'NaN');
      const tags = (await get(`/visualization/p/${job}/data/plugin/scalars/tags`)) as Record<string, Record<string, { displayName: string }>>;
      assert.equal(tags.lenet.loss.displayName, 'loss/scalar');
      assert.equal(tags.tb_run.loss.displayName, '');
      const h = (await get(`/visualization/p/${job}/data/plugin/histograms/histograms?run=lenet&tag=conv1.weight/auto`)) as unknown as unknown[];
      assert.equal(h.length, 20);
    }
    assert.equal((await get('/visualization/p/7/data/environment')).job_type, 'mindinsight');
    assert.equal((await get('/visualization/p/8/data/environment')).job_type, 'tensorboard');
  });

  it('train-jobs and plugins: runs as train jobs (./ and ./child), series named {tag}/{plugin}, both formats', async () => {
    const r = await get(`${MI}/train-jobs?offset=0&limit=10`);
    assert.equal(r.name, 'summary_dir');
    assert.equal(r.total, 3);
    const jobs = r.train_jobs as Array<Record<string, unknown>>;
    assert.deepEqual(jobs.map((j) => j.train_id).sort(), ['./', './lenet', './tb_run']);
    const lenet = jobs.find((j) => j.train_id === './lenet') as Record<string, unknown>;
    assert.equal(lenet.summary_files, 1);
    assert.equal(lenet.is_integrity, true);
    assert.deepEqual(lenet.plugins, {
      image: ['input_data/auto/image'],
      scalar: ['loss/scalar'],
      graph: [],
      optimized_graph: [],
      histogram: ['conv1.weight/auto/histogram'],
      tensor: ['fc.out/tensor'],
      loss_landscape: [],
    });
    const page = await get(`${MI}/train-jobs?offset=1&limit=2`);
    assert.equal((page.train_jobs as unknown[]).length, 1);
    assert.deepEqual(((await get(`${MI}/plugins?train_id=./tb_run`)).plugins as Record<string, string[]>).scalar, ['loss/scalar']);
    assert.deepEqual(((await get(`${MI}/plugins?train_id=./`)).plugins as Record<string, string[]>).scalar, ['acc/scalar']);
  });

  it('scalar/metadata and scalars: every step, NaN as null', async () => {
    const m = (await get(`${MI}/scalar/metadata?train_id=./lenet&tag=loss/scalar`)).metadatas as Array<Record<string, number | null>>;
    assert.equal(m.length, 20);
    assert.deepEqual(m[1], { wall_time: 1_700_000_002, step: 2, value: Math.fround(0.5) });
    assert.equal(m[6].value, null);
    const s = (await get(`${MI}/scalars?train_id=./lenet&train_id=./tb_run&train_id=./nope&tag=loss/scalar`)).scalars as Array<Record<string, unknown>>;
    assert.deepEqual(s.map((x) => [x.train_id, x.tag, (x.values as unknown[]).length]), [['./lenet', 'loss/scalar', 20], ['./tb_run', 'loss/scalar', 1]]);
  });

  it('image/metadata and image/single-image: the PNG bytes of a step, -1 for the last', async () => {
    const m = (await get(`${MI}/image/metadata?train_id=./lenet&tag=input_data/auto/image`)).metadatas as Array<Record<string, number>>;
    assert.equal(m.length, 20);
    assert.deepEqual(m[0], { wall_time: 1_700_000_001, step: 1, width: 8, height: 6 });
    for (const step of ['3', '-1']) {
      const r = await t.app.inject({ url: `${MI}/image/single-image?train_id=./lenet&tag=input_data/auto/image&step=${step}`, headers: H });
      assert.equal(r.statusCode, 200);
      assert.equal(r.headers['content-type'], 'image/png');
      assert.deepEqual(r.rawPayload, PNG);
    }
    const missing = await get(`${MI}/image/single-image?train_id=./lenet&tag=input_data/auto/image&step=99`, 400);
    assert.equal(missing.error_code, '5054500D');
  });

  it('histograms: every step re-binned onto one shared range, counts kept', async () => {
    const r = await get(`${MI}/histograms?train_id=./lenet&tag=conv1.weight/auto/histogram`);
    assert.equal(r.tag, 'conv1.weight/auto/histogram');
    const hs = r.histograms as Array<{ step: number; buckets: [number, number, number][] }>;
    assert.equal(hs.length, 20);
    // 50 values a step: MindInsight's bins for count 50 are ceil(50 / 10) + 1 = 6, over [1, 24.9].
    for (const h of hs) {
      assert.equal(h.buckets.length, 6);
      assert.equal(h.buckets[0][0], hs[0].buckets[0][0]);
      const total = h.buckets.reduce((a, b) => a + b[2], 0);
      assert.ok(total >= 50 && total <= 52, `step ${h.step}: ${total}`); // each bucket rounded up
    }
    assert.ok(Math.abs(hs[0].buckets[0][0] - 1) < 1e-9);
  });

  it('tensors: stats, data sliced by dims (NaN as "NAN"), histogram', async () => {
    const st = (await get(`${MI}/tensors?train_id=./lenet&tag=fc.out/tensor&detail=stats`)).tensors as Array<{ values: Array<{ step: number; value: Record<string, unknown> }> }>;
    assert.equal(st[0].values.length, 20);
    const v0 = st[0].values[0].value;
    assert.deepEqual(v0.dims, [2, 3]);
    assert.equal(v0.data_type, 'DT_FLOAT32');
    const stats = v0.statistics as Record<string, number>;
    assert.deepEqual([stats.max, stats.min, stats.count, stats.nan_count], [5, 1, 6, 1]);
    const data = (await get(`${MI}/tensors?train_id=./lenet&tag=fc.out/tensor&detail=data&step=4&dims=[1,:]`)).tensors as Array<{ values: Array<{ value: { data: unknown } }> }>;
    assert.deepEqual(data[0].values[0].value.data, [4, 5, 'NAN']);
    const hist = (await get(`${MI}/tensors?train_id=./lenet&tag=fc.out/tensor&detail=histogram`)).tensors as Array<{ values: Array<{ value: { histogram_buckets: number[][] } }> }>;
    assert.equal(hist[0].values[0].value.histogram_buckets.reduce((a, b) => a + b[2], 0), 5);
    const nostep = await get(`${MI}/tensors?train_id=./lenet&tag=fc.out/tensor&detail=data&step=99&dims=[0,:]`, 400);
    assert.equal(nostep.error_code, '50545014');
  });

  it('errors in MindInsight\'s shape; the access rule before them in the API\'s', async () => {
    assert.deepEqual(await get(`${MI}/scalar/metadata?train_id=./lenet`, 400), { error_code: '50540003', error_msg: "Param missing. 'tag' is required." });
    assert.equal((await get(`${MI}/scalar/metadata?train_id=./lenet&tag=nope/scalar`, 400)).error_code, '5054500E');
    assert.equal((await get(`${MI}/histograms?train_id=./lenet&tag=loss/scalar`, 400)).error_code, '5054500F');
    assert.equal((await get(`${MI}/plugins?train_id=./missing`, 400)).error_code, '50545005');
    assert.equal((await get(`${MI}/train-jobs?limit=0`, 400)).error_code, '50540002');
    assert.equal((await get(`${MI}/graphs/nodes?train_id=./`, 404)).error_code, '50545001');
    const r = await t.app.inject({ url: `${MI}/plugins?train_id=./` });
    assert.equal(r.statusCode, 401);
    assert.equal((r.json() as { error_code: string }).error_code, 'ModelArts.0201');
  });
});

describe('MindInsight helpers', () => {
  it('resample spreads counts by overlap onto equal buckets and rounds each up', () => {
    assert.deepEqual(resample(Float64Array.of(0, 2, 4), 0, 4, 2), [[0, 2, 4], [2, 2, 0]]);
    assert.deepEqual(resample(Float64Array.of(0, 2, 4), 0, 4, 4), [[0, 1, 2], [1, 1, 2], [2, 1, 0], [3, 1, 0]]);
    assert.deepEqual(resample(Float64Array.of(0, 3, 3), 0, 2, 2), [[0, 1, 1], [1, 1, 1]]);
  });
  it('dims are parsed and sliced as numpy would, bounded', () => {
    assert.deepEqual(parseDims('[0, :]'), [0, [undefined, undefined]]);
    assert.deepEqual(sliceTensor(Float64Array.of(1, 2, 3, 4, 5, 6), [2, 3], parseDims('[:, 1:3]')), [[2, 3], [5, 6]]);
    assert.deepEqual(sliceTensor(Float64Array.of(1, 2, 3, 4, 5, 6), [2, 3], parseDims('[-1, 0]')), 4);
    assert.throws(() => parseDims('[:, :, :]'));
    assert.throws(() => parseDims('0,1'));
    assert.throws(() => sliceTensor(Float64Array.of(1, 2), [2], parseDims('[5]')));
  });
});
