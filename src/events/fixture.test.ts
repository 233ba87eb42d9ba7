// The real PyTorch logs must give, sample for sample, what TensorBoard 2.21 served for them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalStorage } from '../storage/local.js';
import { pytorchFixtureDir } from '../testing/paths.js';
import { openLogdir } from './index.js';

interface Expected {
  runs: string[];
  scalars: Record<string, Record<string, Array<[number, number, number]>>>;
  histograms: Record<string, Record<string, Array<[number, number, Array<[number, number, number]>]>>>;
  text: Record<string, Record<string, Array<{ wall_time: number; step: number; text: string }>>>;
  images: Record<string, Record<string, Array<{ wall_time: number; step: number; query: string }>>>;
}

const expected = JSON.parse(readFileSync(join(pytorchFixtureDir, 'expected-tensorboard.json'), 'utf8')) as Expected;

async function load() {
  const logdir = openLogdir({ storage: new LocalStorage(pytorchFixtureDir), prefix: '' });
  await logdir.reload();
  return logdir;
}

test('runs come in the order TensorBoard listed them, with no problems', async () => {
  const logdir = await load();
  assert.deepEqual(
    logdir.runs().map((r) => r.name),
    expected.runs,
  );
  for (const r of logdir.runs()) assert.deepEqual(r.problems, []);
});

test('every scalar series equals what TensorBoard served, sample for sample', async () => {
  const logdir = await load();
  let checked = 0;
  for (const [run, tags] of Object.entries(expected.scalars)) {
    const kinds = new Map(logdir.run(run)?.tags.map((t) => [t.tag, t.kind]));
    for (const [tag, rows] of Object.entries(tags)) {
      assert.equal(kinds.get(tag), 'scalars', `${run}/${tag} is a scalar tag`);
      const s = logdir.scalars(run, tag);
      assert.ok(s, `${run}/${tag}`);
      assert.equal(s.length, rows.length, `${run}/${tag} keeps every sample`);
      const got = Array.from({ length: s.length }, (_, i) => [s.wallTimes[i], s.steps[i], s.values[i]]);
      assert.deepEqual(got, rows, `${run}/${tag}`);
      checked += rows.length;
    }
  }
  assert.ok(checked > 2000);
});

test('histograms give TensorBoard’s [left, right, count] buckets for every sample', async () => {
  const logdir = await load();
  for (const [run, tags] of Object.entries(expected.histograms)) {
    for (const [tag, rows] of Object.entries(tags)) {
      const h = logdir.histograms(run, tag);
      assert.ok(h, `${run}/${tag}`);
      assert.equal(h.length, rows.length);
      for (let i = 0; i < rows.length; i++) {
        const [wall, step, buckets] = rows[i];
        assert.equal(h.wallTimes[i], wall);
        assert.equal(h.steps[i], step);
        const triples: number[][] = [];
        for (let k = 0; k < h.buckets[i].length; k += 3) triples.push(Array.from(h.buckets[i].subarray(k, k + 3)));
        assert.deepEqual(triples, buckets, `${run}/${tag} sample ${i}`);
      }
    }
  }
});

test('text samples carry the markdown TensorBoard rendered, at the same steps and times', async () => {
  const logdir = await load();
  for (const [run, tags] of Object.entries(expected.text)) {
    for (const [tag, rows] of Object.entries(tags)) {
      const t = logdir.text(run, tag);
      assert.ok(t);
      assert.equal(t.length, rows.length);
      rows.forEach((row, i) => {
        assert.equal(t.wallTimes[i], row.wall_time);
        assert.equal(t.steps[i], row.step);
        assert.deepEqual(t.values[i].shape, [1]);
        // TensorBoard renders `**x**` as <strong>x</strong> and `code` spans as <code>.
        const md = t.values[i].strings[0];
        const html = md.replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>').replace(/`(.+?)`/g, '<code>$1</code>');
        assert.ok(row.text.includes(`<p>${html}</p>`), `${md} ~ ${row.text}`);
      });
    }
  }
});

test('images are references to PNG bytes at the steps and times TensorBoard served', async () => {
  const logdir = await load();
  for (const [run, tags] of Object.entries(expected.images)) {
    for (const [tag, rows] of Object.entries(tags)) {
      const im = logdir.images(run, tag);
      assert.ok(im);
      assert.equal(im.length, rows.length);
      for (let i = 0; i < rows.length; i++) {
        assert.equal(im.wallTimes[i], rows[i].wall_time);
        assert.equal(im.steps[i], rows[i].step);
        const bytes = await logdir.readBlob(im.blobs[i][0]);
        assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
        assert.ok(im.blobs[i][0].width > 0 && im.blobs[i][0].height > 0);
      }
    }
  }
});

test('graph, audio, PR curve and hparams of the real run are decoded', async () => {
  const logdir = await load();
  const run = logdir.run('mlp_lr1e-3_adam');
  assert.ok(run?.hasGraph);
  const graph = logdir.graph('mlp_lr1e-3_adam');
  assert.ok(graph && graph.length > 0);
  const audioTag = run.tags.find((t) => t.kind === 'audio');
  assert.ok(audioTag);
  const audio = logdir.audio('mlp_lr1e-3_adam', audioTag.tag);
  assert.ok(audio);
  const wav = await logdir.readBlob(audio.blobs[0][0]);
  assert.equal(wav.subarray(0, 4).toString('latin1'), 'RIFF');
  const prTag = run.tags.find((t) => t.kind === 'pr_curves');
  assert.ok(prTag);
  const pr = logdir.prCurves('mlp_lr1e-3_adam', prTag.tag);
  assert.ok(pr);
  assert.equal(pr.data[0].length, 6 * pr.thresholds[0]);
  const hp = logdir.hparams('mlp_lr1e-3_adam/1795820169.1177986');
  assert.deepEqual(hp.sessionStart?.hparams, { optimizer: 'adam', hidden: 128, lr: 0.001 });
  assert.deepEqual(
    hp.experiment?.metricInfos.map((m) => m.tag),
    ['hparam/accuracy', 'hparam/loss'],
  );
  assert.equal(hp.sessionEnd?.status, 1);
});
