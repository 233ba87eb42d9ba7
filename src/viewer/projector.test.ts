// The projector routes answer as TensorBoard's projector plugin does for PyTorch's add_embedding
// files: the real PyTorch fixture (one embedding, one-column metadata, no sprite), a log written
// the way PyTorch writes one with a sprite and a metadata header, and hostile configs and files
// (paths leaving the log directory, ragged or absurd tensors), which are clear 400s, never a crash.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withLimits } from '../events/index.js';
import { writeClusteredEmbedding } from '../testing/embeddings.js';
import { pytorchFixtureDir } from '../testing/paths.js';
import { viewerTestApp, type ViewerTestApp } from '../testing/viewer-app.js';
import { SummaryWriter } from '../writer/index.js';

const RUN = 'mlp_lr1e-3_adam';
const NAME = 'val_inputs:02000';
const H = { 'x-auth-token': 'tok-a' };
let t: ViewerTestApp;
let root: string;
let fixtureTsv: string;

const q = (o: Record<string, string>): string => new URLSearchParams(o).toString();
const url = (job: number, path: string): string => `/visualization/proj-a/${job}/data/plugin/projector/${path}`;

async function get(job: number, path: string): Promise<{ status: number; body: Buffer; type: string; json: () => unknown }> {
  const r = await t.app.inject({ url: url(job, path), headers: H });
  return { status: r.statusCode, body: r.rawPayload, type: String(r.headers['content-type']), json: () => r.json() };
}

async function job(id: number, trainUrl: string): Promise<void> {
  t.jobs.set(id, { projectId: 'proj-a', status: 8, trainUrl });
  await t.runtime.start({ jobId: id, projectId: 'proj-a', jobType: 'tensorboard', trainUrl });
}

/** Values of a TSV as Python's float() then float32 would read them: an oracle independent of the parser. */
function float32Rows(tsv: string): number[][] {
  return tsv.split('\n').filter((l) => l !== '').map((l) => l.split('\t').map((v) => Math.fround(Number(v))));
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'vizjobs-projector-'));
  await cp(join(pytorchFixtureDir, RUN), join(root, 'b', 'fixture', RUN), { recursive: true });
  fixtureTsv = await readFile(join(pytorchFixtureDir, RUN, '02000', 'val_inputs', 'tensors.tsv'), 'utf8');
  writeClusteredEmbedding(join(root, 'b', 'written', 'run1'), { points: 50, dims: 8, clusters: 3, sprite: 4, step: 10, tag: 'feat/x' });
  t = await viewerTestApp({ obsRoot: root, tokens: 'tok-a=proj-a' });
  await job(1, '/b/fixture/');
  await job(2, '/b/written/');
});

after(async () => {
  await t.close();
  await rm(root, { recursive: true, force: true });
});

describe('projector routes over the real PyTorch logs', () => {
  it('lists the run that has an embedding, and the plugin as active', async () => {
    assert.deepEqual((await get(1, 'runs')).json(), [RUN]);
    const r = await t.app.inject({ url: '/visualization/proj-a/1/data/plugins_listing', headers: H });
    const listing = r.json() as Record<string, { enabled: boolean; loading_mechanism: { type: string } }>;
    assert.equal(listing.projector.enabled, true);
    assert.equal(listing.projector.loading_mechanism.type, 'IFRAME');
  });

  it('answers info as TensorBoard: the config in proto3 JSON with the tensor shape read from the file', async () => {
    assert.deepEqual((await get(1, `info?${q({ run: RUN })}`)).json(), {
      embeddings: [
        {
          tensorName: NAME,
          metadataPath: '02000/val_inputs/metadata.tsv',
          tensorShape: [200, 64],
          tensorPath: '02000/val_inputs/tensors.tsv',
        },
      ],
    });
  });

  it('sends the tensor as float32 little-endian rows, all or num_rows of them', async () => {
    const all = await get(1, `tensor?${q({ run: RUN, name: NAME })}`);
    assert.equal(all.status, 200);
    assert.equal(all.type, 'application/octet-stream');
    const expected = float32Rows(fixtureTsv);
    assert.equal(all.body.length, 200 * 64 * 4);
    for (const [i, row] of expected.entries()) {
      for (const [k, v] of row.entries()) assert.equal(all.body.readFloatLE((i * 64 + k) * 4), v);
    }
    const some = await get(1, `tensor?${q({ run: RUN, name: NAME, num_rows: '10' })}`);
    assert.deepEqual(some.body, all.body.subarray(0, 10 * 64 * 4));
    // A name without ":<n>" matches as TensorBoard's canonical ":0" form only.
    assert.equal((await get(1, `tensor?${q({ run: RUN, name: 'val_inputs' })}`)).status, 400);
  });

  it('sends metadata as the file, or its first num_rows lines', async () => {
    const file = await readFile(join(pytorchFixtureDir, RUN, '02000', 'val_inputs', 'metadata.tsv'), 'utf8');
    const all = await get(1, `metadata?${q({ run: RUN, name: NAME })}`);
    assert.equal(all.type, 'text/plain; charset=utf-8');
    assert.equal(all.body.toString(), file);
    const five = await get(1, `metadata?${q({ run: RUN, name: NAME, num_rows: '5' })}`);
    assert.equal(five.body.toString(), file.split('\n').slice(0, 5).join('\n') + '\n');
  });

  it("refuses as TensorBoard does: missing parameters, unknown run, bad num_rows, no sprite", async () => {
    const cases: [string, RegExp][] = [
      ['info', /"run" is required/],
      [`info?${q({ run: 'nope' })}`, /Unknown run: "nope"/],
      [`tensor?${q({ run: RUN })}`, /"name" is required/],
      [`tensor?${q({ run: RUN, name: NAME, num_rows: '0' })}`, /num_rows must be integer > 0/],
      [`metadata?${q({ run: RUN, name: NAME, num_rows: 'x' })}`, /num_rows must be integer > 0/],
      [`sprite_image?${q({ run: RUN, name: NAME })}`, /No sprite image file found/],
      [`bookmarks?${q({ run: RUN, name: NAME })}`, /No bookmarks file found/],
    ];
    for (const [path, message] of cases) {
      const r = await get(1, path);
      assert.equal(r.status, 400, path);
      const body = r.json() as { error_code: string; error_message: string };
      assert.match(body.error_message, message, path);
      assert.match(body.error_code, /^ModelArts\.01/);
    }
  });
});

describe('projector routes over a log written as PyTorch writes one', () => {
  const run = 'run1';
  const name = 'feat/x:00010';

  it('lays out the files as PyTorch does', async () => {
    const config = await readFile(join(root, 'b', 'written', run, 'projector_config.pbtxt'), 'utf8');
    assert.equal(
      config,
      'embeddings {\n  tensor_name: "feat/x:00010"\n  metadata_path: "00010/feat%2fx/metadata.tsv"\n' +
        '  sprite {\n    image_path: "00010/feat%2fx/sprite.png"\n    single_image_dim: 4\n    single_image_dim: 4\n  }\n' +
        '  tensor_path: "00010/feat%2fx/tensors.tsv"\n}\n',
    );
  });

  it('answers info with the sprite, and serves the sprite image and the metadata header', async () => {
    const info = (await get(2, `info?${q({ run })}`)).json() as { embeddings: Record<string, unknown>[] };
    assert.deepEqual(info.embeddings[0], {
      tensorName: name,
      metadataPath: '00010/feat%2fx/metadata.tsv',
      tensorShape: [50, 8],
      sprite: { imagePath: '00010/feat%2fx/sprite.png', singleImageDim: [4, 4] },
      tensorPath: '00010/feat%2fx/tensors.tsv',
    });
    const sprite = await get(2, `sprite_image?${q({ run, name })}`);
    assert.equal(sprite.status, 200);
    assert.equal(sprite.type, 'image/png');
    assert.deepEqual(sprite.body, await readFile(join(root, 'b', 'written', run, '00010', 'feat%2fx', 'sprite.png')));
    const meta = (await get(2, `metadata?${q({ run, name, num_rows: '2' })}`)).body.toString();
    assert.equal(meta, 'name\tcluster\tparity\np0\tapple\teven\np1\tbanana\todd\n');
  });

  it('writes tensors.tsv byte for byte as PyTorch did for the same float32 values', async () => {
    const dir = join(root, 'rewrite');
    const w = new SummaryWriter(dir);
    w.addEmbedding({ mat: float32Rows(fixtureTsv), step: 2000, tag: 'val_inputs' });
    w.close();
    assert.equal(await readFile(join(dir, '02000', 'val_inputs', 'tensors.tsv'), 'utf8'), fixtureTsv);
  });
});

describe('projector routes on hostile configs and files', () => {
  let n = 10;
  /** A job over one run whose projector_config.pbtxt is `config`, with `files` beside it. */
  async function hostile(config: string, files: Record<string, string | Buffer> = {}): Promise<number> {
    const id = ++n;
    const dir = join(root, 'h', String(id), 'run');
    const w = new SummaryWriter(dir);
    w.addScalar('x', 1, 0);
    w.close();
    await writeFile(join(dir, 'projector_config.pbtxt'), config);
    for (const [p, body] of Object.entries(files)) {
      await mkdir(join(dir, p, '..'), { recursive: true });
      await writeFile(join(dir, p), body);
    }
    await job(id, `/h/${id}/`);
    return id;
  }
  const emb = (fields: string): string => `embeddings {\n  tensor_name: "e"\n  ${fields}\n}\n`;
  const msg = async (id: number, path: string): Promise<string> => {
    const r = await get(id, path);
    assert.equal(r.status, 400, `${path}: ${r.body.toString().slice(0, 200)}`);
    return (r.json() as { error_message: string }).error_message;
  };

  it('refuses paths that leave the log directory, relative or absolute', async () => {
    await mkdir(join(root, 'h', 'secret'), { recursive: true });
    await writeFile(join(root, 'h', 'secret', 't.tsv'), '1\t2\n');
    const id = await hostile(emb('tensor_path: "../../secret/t.tsv"\n  metadata_path: "/etc/passwd"'));
    assert.match(await msg(id, `tensor?${q({ run: 'run', name: 'e' })}`), /not a file under the log directory/);
    assert.match(await msg(id, `metadata?${q({ run: 'run', name: 'e' })}`), /only paths relative to the config file/);
    // The shape of a tensor that cannot be read is left out, not guessed.
    assert.deepEqual((await get(id, `info?${q({ run: 'run' })}`)).json(), {
      embeddings: [{ tensorName: 'e', metadataPath: '/etc/passwd', tensorPath: '../../secret/t.tsv' }],
    });
  });

  it('names the line of a ragged or non-numeric tensors file', async () => {
    const ragged = await hostile(emb('tensor_path: "t.tsv"'), { 't.tsv': '1\t2\n3\t4\n5\n' });
    assert.match(await msg(ragged, `tensor?${q({ run: 'run', name: 'e' })}`), /line 3 has 1 values, the rows before it have 2/);
    const words = await hostile(emb('tensor_path: "t.tsv"'), { 't.tsv': '1\t2\n3\tfour\n' });
    assert.match(await msg(words, `tensor?${q({ run: 'run', name: 'e' })}`), /line 2, value 2: "four" is not a number/);
    const binary = await hostile(emb('tensor_path: "t.tsv"'), { 't.tsv': Buffer.from([0xff, 0xfe, 0x00, 0x80]) });
    assert.match(await msg(binary, `tensor?${q({ run: 'run', name: 'e' })}`), /not UTF-8 text/);
  });

  it('reads Python float spellings: nan, inf, exponents, underscores, padding', async () => {
    const id = await hostile(emb('tensor_path: "t.tsv"'), { 't.tsv': 'nan\t-inf\t1e-05\t1_000\t 2.5 \r\n' });
    const r = await get(id, `tensor?${q({ run: 'run', name: 'e' })}`);
    assert.equal(r.status, 200);
    const v = [0, 1, 2, 3, 4].map((i) => r.body.readFloatLE(i * 4));
    assert.ok(Number.isNaN(v[0]));
    assert.deepEqual(v.slice(1), [-Infinity, Math.fround(1e-5), 1000, 2.5]);
  });

  it('refuses files over the caps before reading them, and tensors over the element cap while parsing', async () => {
    const big = await hostile(emb('tensor_path: "t.tsv"\n  metadata_path: "m.tsv"'), { 't.tsv': '1\t2\n'.repeat(1000), 'm.tsv': 'a\n'.repeat(1000) });
    await withLimits({ projectorFileBytes: 1000 }, async () => {
      assert.match(await msg(big, `tensor?${q({ run: 'run', name: 'e' })}`), /"run\/t.tsv" is 4000 bytes, over the cap of 1000 bytes/);
      assert.match(await msg(big, `metadata?${q({ run: 'run', name: 'e' })}`), /over the cap/);
    });
    await withLimits({ tensorElements: 100 }, async () => {
      assert.match(await msg(big, `tensor?${q({ run: 'run', name: 'e' })}`), /more than 100 values/);
    });
  });

  it('never sizes anything by a claimed tensor_shape', async () => {
    const id = await hostile(emb('tensor_shape: [4000000000, 4000000000]\n  tensor_path: "t.tsv"'), { 't.tsv': '1\t2\n' });
    const info = (await get(id, `info?${q({ run: 'run' })}`)).json() as { embeddings: { tensorShape: number[] }[] };
    assert.deepEqual(info.embeddings[0].tensorShape, [4000000000, 4000000000]);
    const r = await get(id, `tensor?${q({ run: 'run', name: 'e' })}`);
    assert.equal(r.body.length, 8);
  });

  it('leaves a run with a broken config out, and reports why in its problems', async () => {
    const id = await hostile('embeddings {\n  tensor_name: "e"\n  colour: "red"\n}\n');
    assert.deepEqual((await get(id, 'runs')).json(), []);
    const problems = (await t.app.inject({ url: `/visualization/proj-a/${id}/data/problems`, headers: H })).json() as Record<string, { message: string }[]>;
    assert.match(problems.run[0].message, /projector config not read: line 3: unknown field "colour"/);
  });

  it('serves a bookmarks file only when it is JSON', async () => {
    const good = await hostile(emb('bookmarks_path: "b.json"\n  tensor_path: "t.tsv"'), { 't.tsv': '1\n', 'b.json': '[{"label":"x"}]' });
    const r = await get(good, `bookmarks?${q({ run: 'run', name: 'e' })}`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json(), [{ label: 'x' }]);
    const bad = await hostile(emb('bookmarks_path: "b.json"\n  tensor_path: "t.tsv"'), { 't.tsv': '1\n', 'b.json': '<script>' });
    assert.match(await msg(bad, `bookmarks?${q({ run: 'run', name: 'e' })}`), /is not JSON/);
  });
});
