// `vizjobs view`'s server over real files through real HTTP: the real PyTorch fixture answers
// exactly what a job's viewer answers (TensorBoard's own answers, expected-tensorboard.json),
// --logdir_spec prefixes runs, a growing directory shows its new runs and steps, a missing one is
// served once it appears, the page and its assets are at `/`, and beyond loopback the token rules.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pytorchFixtureDir } from '../testing/paths.js';
import { SummaryWriter } from '../writer/index.js';
import { MsSummaryWriter } from '../testing/mindspore-writer.js';
import { startViewServer, type ViewServer } from './server.js';

interface Expected {
  runs: string[];
  scalars: Record<string, Record<string, [number, number, number][]>>;
  histograms: Record<string, Record<string, unknown[]>>;
  text: Record<string, Record<string, unknown[]>>;
  images: Record<string, Record<string, { wall_time: number; step: number; query: string }[]>>;
}

const RUN = 'mlp_lr1e-3_adam';
const q = (o: Record<string, string>): string => new URLSearchParams(o).toString();
let root: string;
let expected: Expected;

before(async () => {
  expected = JSON.parse(await readFile(join(pytorchFixtureDir, 'expected-tensorboard.json'), 'utf8')) as Expected;
  root = await mkdtemp(join(tmpdir(), 'vizjobs-view-'));
  await cp(join(pytorchFixtureDir, RUN), join(root, 'logs', RUN), { recursive: true });
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function getJson(s: ViewServer, path: string, headers: Record<string, string> = {}): Promise<unknown> {
  const r = await fetch(new URL(path, s.url), { headers });
  const body = await r.text();
  assert.equal(r.status, 200, `${path}: ${body.slice(0, 300)}`);
  return JSON.parse(body) as unknown;
}

async function eventually<T>(f: () => Promise<T>, ok: (v: T) => boolean, what: string, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v)) return v;
    if (Date.now() > end) assert.fail(`${what}: still ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('vizjobs view answers like TensorBoard for the real PyTorch logs', () => {
  let s: ViewServer;
  before(async () => {
    s = await startViewServer({ logdirs: [{ name: undefined, path: join(root, 'logs') }], port: 0 });
  });
  after(async () => s.close());

  it('serves at the root: runs, scalars, histograms, text, images as TensorBoard did', async () => {
    assert.deepEqual(await getJson(s, 'data/runs'), expected.runs);
    for (const [run, tags] of Object.entries(expected.scalars)) {
      for (const [tag, series] of Object.entries(tags)) assert.deepEqual(await getJson(s, `data/plugin/scalars/scalars?${q({ run, tag })}`), series);
    }
    for (const [run, tags] of Object.entries(expected.histograms)) {
      for (const [tag, series] of Object.entries(tags)) assert.deepEqual(await getJson(s, `data/plugin/histograms/histograms?${q({ run, tag })}`), series);
    }
    for (const [run, tags] of Object.entries(expected.text)) {
      for (const [tag, series] of Object.entries(tags)) assert.deepEqual(await getJson(s, `data/plugin/text/text?${q({ run, tag })}`), series);
    }
    for (const [run, tags] of Object.entries(expected.images)) {
      for (const [tag, series] of Object.entries(tags)) {
        const got = (await getJson(s, `data/plugin/images/images?${q({ run, tag, sample: '0' })}`)) as typeof series;
        assert.deepEqual(got, series);
        const r = await fetch(new URL(`data/plugin/images/individualImage?${got[0].query}`, s.url));
        assert.equal(r.status, 200);
        assert.equal(r.headers.get('content-type'), 'image/png');
      }
    }
  });

  it('answers data/status and data/problems, and 404 for unknown data paths', async () => {
    const st = (await getJson(s, 'data/status')) as { state: string; runs: number };
    assert.equal(st.state, 'ready');
    assert.ok(st.runs >= 1);
    assert.deepEqual(Object.keys((await getJson(s, 'data/problems')) as object).sort(), [...expected.runs].sort());
    assert.equal((await fetch(new URL('data/nope', s.url))).status, 404);
  });

  it('serves the viewer page at / with relative asset URLs that load', async () => {
    const r = await fetch(s.url);
    assert.equal(r.status, 200);
    const html = await r.text();
    assert.match(html, /<title>vizjobs viewer<\/title>/);
    const asset = /"\.\/(assets\/[^"]+\.js)"/.exec(html);
    assert.ok(asset, 'the page names its bundle relatively');
    const a = await fetch(new URL(asset[1], s.url));
    assert.equal(a.status, 200);
    assert.match(String(a.headers.get('content-type')), /javascript/);
  });
});

describe('vizjobs view over several directories', () => {
  it('prefixes each part\'s runs with its name, as --logdir_spec does, and serves their data', async () => {
    const other = join(root, 'other');
    const w = new SummaryWriter(join(other, 'b'));
    w.addScalar('loss', 1.5, 3);
    w.close();
    const s = await startViewServer({
      logdirs: [
        { name: 'tb', path: join(root, 'logs') },
        { name: 'mine', path: other },
      ],
      port: 0,
    });
    try {
      const runs = (await getJson(s, 'data/runs')) as string[];
      assert.deepEqual(runs.filter((r) => r.startsWith('tb/')), expected.runs.map((r) => `tb/${r}`));
      assert.ok(runs.includes('mine/b'));
      const pts = (await getJson(s, `data/plugin/scalars/scalars?${q({ run: 'mine/b', tag: 'loss' })}`)) as [number, number, number][];
      assert.deepEqual(pts.map((p) => [p[1], p[2]]), [[3, 1.5]]);
      assert.deepEqual(await getJson(s, `data/plugin/scalars/scalars?${q({ run: `tb/${RUN}`, tag: 'lr' })}`), expected.scalars[RUN].lr);
      // A blob of a prefixed run is read from its own part.
      const [run, tags] = Object.entries(expected.images)[0];
      const tag = Object.keys(tags)[0];
      const imgs = (await getJson(s, `data/plugin/images/images?${q({ run: `tb/${run}`, tag, sample: '0' })}`)) as { query: string }[];
      const r = await fetch(new URL(`data/plugin/images/individualImage?${imgs[0].query}`, s.url));
      assert.equal(r.headers.get('content-type'), 'image/png');
    } finally {
      await s.close();
    }
  });
});

/** A directory whose run1 has one step of `loss`, its writer left open, served with this interval. */
async function viewedWhileWritten(dir: string, reloadIntervalS: number): Promise<{ w: SummaryWriter; s: ViewServer }> {
  const w = new SummaryWriter(join(dir, 'run1'), { flushBytes: 0 });
  w.addScalar('loss', 1, 0);
  w.flush();
  return { w, s: await startViewServer({ logdirs: [{ name: undefined, path: dir }], port: 0, reloadIntervalS }) };
}

describe('vizjobs view is live', () => {
  it('shows new steps and new runs of a directory written while viewed', async () => {
    const dir = join(root, 'growing');
    const { w, s } = await viewedWhileWritten(dir, 0.05);
    try {
      assert.deepEqual(await getJson(s, 'data/runs'), ['run1']);
      w.addScalar('loss', 0.5, 1);
      w.flush();
      await eventually(
        async () => ((await getJson(s, `data/plugin/scalars/scalars?${q({ run: 'run1', tag: 'loss' })}`)) as unknown[]).length,
        (n) => n === 2,
        'the new step',
      );
      const w2 = new SummaryWriter(join(dir, 'run2'));
      w2.addScalar('loss', 2, 0);
      w2.close();
      await eventually(async () => (await getJson(s, 'data/runs')) as string[], (r) => r.includes('run2'), 'the new run');
    } finally {
      w.close();
      await s.close();
    }
  });

  it('loads once with --reload_interval 0: requests after the first load read nothing again', async () => {
    const { w, s } = await viewedWhileWritten(join(root, 'once'), 0);
    try {
      const scalars = (): Promise<unknown> => getJson(s, `data/plugin/scalars/scalars?${q({ run: 'run1', tag: 'loss' })}`);
      assert.equal(((await scalars()) as unknown[]).length, 1);
      w.addScalar('loss', 0.5, 1);
      w.flush();
      for (let i = 0; i < 5; i++) {
        await new Promise((r) => setTimeout(r, 20));
        assert.equal(((await scalars()) as unknown[]).length, 1);
      }
      assert.equal(((await getJson(s, 'data/status')) as { reloads: number }).reloads, 1);
    } finally {
      w.close();
      await s.close();
    }
  });

  it('serves a directory that does not exist yet once it appears', async () => {
    const dir = join(root, 'later');
    const s = await startViewServer({ logdirs: [{ name: undefined, path: dir }], port: 0, reloadIntervalS: 0.05 });
    try {
      assert.deepEqual(await getJson(s, 'data/runs'), []);
      const w = new SummaryWriter(join(dir, 'r'));
      w.addScalar('acc', 0.9, 7);
      w.close();
      await eventually(async () => (await getJson(s, 'data/runs')) as string[], (r) => r.includes('r'), 'the run written later');
    } finally {
      await s.close();
    }
  });
});

describe('vizjobs view beyond loopback', () => {
  it('requires the token: header, or ?token= once and then the cookie', async () => {
    const s = await startViewServer({ logdirs: [{ name: undefined, path: join(root, 'logs') }], host: '0.0.0.0', port: 0 });
    try {
      assert.ok(s.token && s.token.length >= 20);
      const base = `http://127.0.0.1:${s.port}/`;
      assert.equal((await fetch(`${base}data/runs`)).status, 401);
      assert.equal((await fetch(`${base}`)).status, 401);
      assert.equal((await fetch(`${base}data/runs`, { headers: { 'x-auth-token': 'wrong' } })).status, 401);
      assert.equal((await fetch(`${base}data/runs`, { headers: { 'x-auth-token': s.token } })).status, 200);
      const r = await fetch(`${base}?token=${s.token}`, { redirect: 'manual' });
      assert.equal(r.status, 303);
      assert.equal(r.headers.get('location'), '/');
      const cookie = String(r.headers.get('set-cookie')).split(';')[0];
      assert.equal((await fetch(`${base}data/runs`, { headers: { cookie } })).status, 200);
      assert.equal((await fetch(`${base}`, { headers: { cookie } })).status, 200);
    } finally {
      await s.close();
    }
  });
});

describe('vizjobs view reads a MindSpore summary directory', () => {
  let s: ViewServer;
  before(async () => {
    const w = new MsSummaryWriter(join(root, 'ms', 'job1'), { now: () => 1_700_000_000 });
    for (let step = 1; step <= 30; step++) {
      w.addScalar('loss', step / 2);
      w.record(step, 1_700_000_000 + step);
    }
    w.close();
    s = await startViewServer({ logdirs: [{ name: undefined, path: join(root, 'ms') }], port: 0 });
  });
  after(async () => s.close());

  it('serves its train jobs through TensorBoard\'s data API and MindInsight\'s routes', async () => {
    assert.deepEqual(await getJson(s, '/data/runs'), ['job1']);
    const points = (await getJson(s, `/data/plugin/scalars/scalars?${q({ run: 'job1', tag: 'loss' })}`)) as unknown[];
    assert.equal(points.length, 30);
    const jobs = (await getJson(s, '/v1/mindinsight/datavisual/train-jobs')) as { name: string; train_jobs: Array<{ train_id: string }> };
    assert.equal(jobs.name, 'ms');
    assert.deepEqual(jobs.train_jobs.map((j) => j.train_id), ['./job1']);
    const meta = (await getJson(s, `/v1/mindinsight/datavisual/scalar/metadata?${q({ train_id: './job1', tag: 'loss/scalar' })}`)) as { metadatas: Array<{ step: number; value: number }> };
    assert.deepEqual(meta.metadatas[29], { wall_time: 1_700_000_030, step: 30, value: 15 });
  });
});
