// The viewer's answers over hostile logs stay fast and small: each case reproduced against the
// data API (a shape bomb of a few bytes once blocked the process for minutes or killed it) answers
// in well under a second with a sane body and the problem listed in data/problems; answers over
// the response cap are refused with the API's envelope; blob content types come from an allowlist.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LIMITS, withLimits, type Problem } from '../events/index.js';
import { EventEncoder, ProtoWriter } from '../writer/index.js';
import { audioRecord, doubles, DT_DOUBLE, DT_FLOAT, DT_STRING, floats, tensorProto, tensorRecord } from '../testing/hostile.js';
import { viewerTestApp, type ViewerTestApp } from '../testing/viewer-app.js';

const H = { 'x-auth-token': 'tok' };
const FILE = 'events.out.tfevents.0000000001.host.1.0';
const tf1 = new EventEncoder('tf1');
const tf2 = new EventEncoder('tf2');
let t: ViewerTestApp;
let root: string;

const url = (path: string): string => `/visualization/p/1/data/${path}`;
const q = (o: Record<string, string>): string => new URLSearchParams(o).toString();

function graphDef(nodes: number): Uint8Array {
  const g = new ProtoWriter();
  for (let i = 0; i < nodes; i++) g.message(1, new ProtoWriter().string(1, `n${i}`).string(2, 'Const'));
  return g.finish();
}

const RUNS: Record<string, Buffer[]> = {
  text_bomb: [tensorRecord('t', 'text', tensorProto({ dtype: DT_STRING, shape: [10_000_000], strings: ['hello'] }))],
  text_rank2: [tensorRecord('t', 'text', tensorProto({ dtype: DT_STRING, shape: [100_000, 100_000], strings: ['a'] }))],
  pr_bomb: [
    tensorRecord('pr', 'pr_curves', tensorProto({ dtype: DT_FLOAT, shape: [6, 16_666_667], content: floats([1]) }), 0),
    tf2.prCurve('pr', [1, 0, 1], [0.9, 0.2, 0.6], 1, 2, 5),
  ],
  hist_bomb: [tensorRecord('h', 'histograms', tensorProto({ dtype: DT_DOUBLE, shape: [3_333_334, 3], content: doubles([5]) }))],
  audio: [audioRecord('a', Buffer.from('RIFF0000WAVE'), 'text/html', 0), audioRecord('a', Buffer.from('RIFF0000WAVE'), 'audio/x-wav', 1)],
  images: [tf1.image('svg', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), 0, 1, { width: 1, height: 1 })],
  many: Array.from({ length: 2000 }, (_, i) => tf1.scalar('s', i / 3, i, 1000 + i)),
  graph: [tf1.graph(graphDef(3), 1)],
};

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'vizjobs-bounded-'));
  for (const [run, recs] of Object.entries(RUNS)) {
    await mkdir(join(root, 'b', 'logs', run), { recursive: true });
    await writeFile(join(root, 'b', 'logs', run, FILE), Buffer.concat(recs));
  }
  t = await viewerTestApp({ obsRoot: root, tokens: 'tok=p' });
  t.jobs.set(1, { projectId: 'p', status: 8, trainUrl: '/b/logs/' });
  await t.runtime.start({ jobId: 1, projectId: 'p', jobType: 'tensorboard', trainUrl: '/b/logs/' });
});

after(async () => {
  await t.close();
  await rm(root, { recursive: true, force: true });
});

/** GET, asserting it answered within `ms` (generous: the machine is shared; the bug took minutes). */
async function get(path: string, ms = 1000): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const t0 = performance.now();
  const r = await t.app.inject({ url: url(path), headers: H });
  const took = performance.now() - t0;
  assert.ok(took < ms, `${path} took ${took.toFixed(0)} ms`);
  return { status: r.statusCode, body: r.body, headers: r.headers };
}

async function problems(run: string): Promise<Problem[]> {
  const r = await get('problems');
  assert.equal(r.status, 200);
  return (JSON.parse(r.body) as Record<string, Problem[]>)[run] ?? [];
}

describe('answers over hostile logs are fast, small and list the problem', () => {
  it('a text tensor claiming [10000000] around one string: one cell, answered at once', async () => {
    const r = await get(`plugin/text/text?${q({ run: 'text_bomb', tag: 't' })}`);
    assert.equal(r.status, 200, r.body);
    assert.ok(r.body.length < 2000, `${r.body.length} bytes`);
    const [sample] = JSON.parse(r.body) as { text: string }[];
    assert.match(sample.text, /<td><p>hello<\/p><\/td>/);
    assert.deepEqual((await problems('text_bomb')).map((p) => p.kind), ['shape']);
  });

  it('a rank-2 claim of [1e5, 1e5] cells: answered at once', async () => {
    const r = await get(`plugin/text/text?${q({ run: 'text_rank2', tag: 't' })}`);
    assert.equal(r.status, 200, r.body);
    assert.ok(r.body.length < 2000, `${r.body.length} bytes`);
    assert.deepEqual((await problems('text_rank2')).map((p) => p.kind), ['shape']);
  });

  it('a PR-curve tensor claiming 1e8 elements: only the genuine curve is served', async () => {
    const r = await get(`plugin/pr_curves/pr_curves?${q({ run: 'pr_bomb', tag: 'pr' })}`);
    assert.equal(r.status, 200, r.body);
    assert.ok(r.body.length < 4000, `${r.body.length} bytes`);
    const body = JSON.parse(r.body) as Record<string, { step: number; precision: unknown[] }[]>;
    assert.deepEqual(body.pr_bomb.map((e) => e.step), [1]);
    assert.ok(body.pr_bomb[0].precision.length <= 5);
    assert.ok((await problems('pr_bomb')).some((p) => p.kind === 'shape' && p.offset === 0));
  });

  it('a histogram tensor claiming 1e7 elements: a small answer', async () => {
    for (const plugin of ['histograms', 'distributions']) {
      const r = await get(`plugin/${plugin}/${plugin}?${q({ run: 'hist_bomb', tag: 'h' })}`);
      assert.equal(r.status, 200, r.body);
      assert.ok(r.body.length < 2000, `${plugin}: ${r.body.length} bytes`);
    }
    assert.deepEqual((await problems('hist_bomb')).map((p) => p.kind), ['shape']);
  });

  it('the data of other runs is served as before', async () => {
    const r = await get(`plugin/scalars/scalars?${q({ run: 'many', tag: 's', samples: '10' })}`);
    assert.equal(r.status, 200);
    const n = (JSON.parse(r.body) as unknown[]).length;
    assert.ok(n > 0 && n <= 10, `${n} points`);
  });
});

describe('blob content types come from an allowlist', () => {
  it('an audio content_type from the log is not echoed unless it is an audio type', async () => {
    const r = await get(`plugin/audio/audio?${q({ run: 'audio', tag: 'a' })}`);
    const clips = JSON.parse(r.body) as { contentType: string; query: string }[];
    assert.deepEqual(clips.map((c) => c.contentType), ['application/octet-stream', 'audio/x-wav']);
    const hostile = await get(`plugin/audio/individualAudio?${clips[0].query}`);
    assert.equal(hostile.status, 200);
    assert.equal(hostile.headers['content-type'], 'application/octet-stream');
    assert.equal(hostile.headers['x-content-type-options'], 'nosniff');
    const fine = await get(`plugin/audio/individualAudio?${clips[1].query}`);
    assert.equal(fine.headers['content-type'], 'audio/x-wav');
    assert.equal(fine.headers['x-content-type-options'], 'nosniff');
    for (const asked of ['text/html', 'audio/x-evil', 'image/svg+xml']) {
      const r2 = await get(`plugin/audio/individualAudio?${clips[1].query}&${q({ content_type: asked })}`);
      assert.equal(r2.headers['content-type'], 'application/octet-stream', asked);
    }
    const asked = await get(`plugin/audio/individualAudio?${clips[0].query}&${q({ content_type: 'audio/ogg' })}`);
    assert.equal(asked.headers['content-type'], 'audio/ogg');
  });

  it('an SVG "image" is served as octet-stream with nosniff', async () => {
    const r = await get(`plugin/images/images?${q({ run: 'images', tag: 'svg' })}`);
    const [img] = JSON.parse(r.body) as { query: string }[];
    const bytes = await get(`plugin/images/individualImage?${img.query}`);
    assert.equal(bytes.status, 200);
    assert.equal(bytes.headers['content-type'], 'application/octet-stream');
    assert.equal(bytes.headers['x-content-type-options'], 'nosniff');
  });
});

describe('answers over the response cap are refused in the envelope and reported', () => {
  it('scalars, histograms and text over the cap: 400 ModelArts.0101, problem listed', async () => {
    await withLimits({ responseBytes: 10_000 }, async () => {
      const r = await get(`plugin/scalars/scalars?${q({ run: 'many', tag: 's', samples: 'all' })}`);
      assert.equal(r.status, 400, r.body.slice(0, 200));
      const body = JSON.parse(r.body) as { is_success: boolean; error_code: string; error_message: string };
      assert.equal(body.is_success, false);
      assert.equal(body.error_code, 'ModelArts.0101');
      assert.match(body.error_message, /cap of 10000/);
      const csv = await get(`plugin/scalars/scalars?${q({ run: 'many', tag: 's', samples: 'all', format: 'csv' })}`);
      assert.equal(csv.status, 400);
      const small = await get(`plugin/scalars/scalars?${q({ run: 'many', tag: 's', samples: '50' })}`);
      assert.equal(small.status, 200);
      await get(`plugin/scalars/scalars?${q({ run: 'many', tag: 's', samples: '1999' })}`);
      // Asked again and again (other sizes, other formats), the refusal is one entry of the problem list.
      assert.equal((await problems('many')).filter((p) => p.kind === 'limit' && /scalars of s/.test(p.message)).length, 1);
    });
  });

  it('a graph over the node cap is refused, reported; under it is served', async () => {
    await withLimits({ graphNodes: 2 }, async () => {
      const r = await get(`plugin/graphs/graph?${q({ run: 'graph' })}`);
      assert.equal(r.status, 400, r.body.slice(0, 200));
      assert.ok((await problems('graph')).some((p) => p.kind === 'limit' && /graph/.test(p.message)));
    });
    const ok = await get(`plugin/graphs/graph?${q({ run: 'graph' })}`);
    assert.equal(ok.status, 200);
    assert.match(ok.body, /name: "n2"/);
  });

  it('the caps are the documented ones', () => {
    assert.equal(LIMITS.responseBytes, 64 << 20);
    assert.equal(LIMITS.tensorElements, 10_000_000);
  });
});
