// `vizjobs view` over object storage, as a process configured the way the service is
// (VIZJOBS_S3_ENDPOINT and AWS_* in the environment): an s3:// LOGDIR beside a local one in one run
// list, the S3 run's scalars and images served from the bucket.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { s3ClientConfig } from '../storage/s3.js';
import { cliPath, pytorchFixtureDir } from '../testing/paths.js';
import { startS3rver, S3RVER_ACCESS_KEY_ID, S3RVER_SECRET_ACCESS_KEY, type S3rverHandle } from '../testing/s3rver.js';

const RUN = 'mlp_lr1e-3_adam';
let s3: S3rverHandle;
let tmp: string;
let child: ChildProcess | undefined;

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else out.push(p);
  }
  return out;
}

before(async () => {
  s3 = await startS3rver({ buckets: ['logs'] });
  const client = new S3Client(s3ClientConfig({ endpoint: s3.endpoint, accessKeyId: S3RVER_ACCESS_KEY_ID, secretAccessKey: S3RVER_SECRET_ACCESS_KEY }));
  const src = join(pytorchFixtureDir, RUN);
  for (const f of await filesUnder(src)) {
    await client.send(new PutObjectCommand({ Bucket: 'logs', Key: `exp/${RUN}/${relative(src, f).split('\\').join('/')}`, Body: await readFile(f) }));
  }
  client.destroy();
  tmp = await mkdtemp(join(tmpdir(), 'vizjobs-view-s3-'));
  await cp(src, join(tmp, 'local', RUN), { recursive: true });
});

after(async () => {
  child?.kill('SIGINT');
  await s3?.close();
  await rm(tmp, { recursive: true, force: true });
});

it('serves s3:// and a local directory as one run list', async () => {
  const env = {
    ...process.env,
    VIZJOBS_S3_ENDPOINT: s3.endpoint,
    AWS_ACCESS_KEY_ID: S3RVER_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: S3RVER_SECRET_ACCESS_KEY,
    AWS_REGION: 'us-east-1',
  };
  const c = spawn(process.execPath, [cliPath, 'view', '--logdir_spec', `remote:s3://logs/exp,here:${join(tmp, 'local')}`, '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child = c;
  let out = '';
  c.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  c.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`did not start: ${out}`)), 20_000);
    c.stdout?.on('data', () => {
      const m = /serving (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]);
      }
    });
  });
  const runs = (await (await fetch(new URL('data/runs', url))).json()) as string[];
  assert.ok(runs.includes(`remote/${RUN}`) && runs.includes(`here/${RUN}`), JSON.stringify(runs));
  const q = (o: Record<string, string>): string => new URLSearchParams(o).toString();
  const remote = await (await fetch(new URL(`data/plugin/scalars/scalars?${q({ run: `remote/${RUN}`, tag: 'lr' })}`, url))).json();
  const local = await (await fetch(new URL(`data/plugin/scalars/scalars?${q({ run: `here/${RUN}`, tag: 'lr' })}`, url))).json();
  assert.deepEqual(remote, local);
  const imgs = (await (await fetch(new URL(`data/plugin/images/images?${q({ run: `remote/${RUN}`, tag: 'inputs', sample: '0' })}`, url))).json()) as { query: string }[];
  const img = await fetch(new URL(`data/plugin/images/individualImage?${imgs[0].query}`, url));
  assert.equal(img.headers.get('content-type'), 'image/png');
  await img.arrayBuffer();

  // The projector reads add_embedding's files through the same storage seam, in both parts alike.
  const projectorRuns = (await (await fetch(new URL('data/plugin/projector/runs', url))).json()) as string[];
  assert.deepEqual([...projectorRuns].sort(), [`here/${RUN}`, `remote/${RUN}`]);
  const tensor = async (run: string): Promise<Buffer> => {
    const r = await fetch(new URL(`data/plugin/projector/tensor?${q({ run, name: 'val_inputs:02000' })}`, url));
    assert.equal(r.status, 200, run);
    return Buffer.from(await r.arrayBuffer());
  };
  const remoteTensor = await tensor(`remote/${RUN}`);
  assert.equal(remoteTensor.length, 200 * 64 * 4);
  assert.deepEqual(remoteTensor, await tensor(`here/${RUN}`));
  const meta = await (await fetch(new URL(`data/plugin/projector/metadata?${q({ run: `remote/${RUN}`, name: 'val_inputs:02000', num_rows: '3' })}`, url))).text();
  assert.equal(meta.split('\n').filter(Boolean).length, 3);
});
