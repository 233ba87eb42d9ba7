// The sweep corpus of issues 8 and 10: `runs` runs × 10 scalar tags × 10 steps, one event file per
// run, in directories lrNN/seedM (100 learning rates × runs/100 seeds), as a hyper-parameter sweep
// lays them out. 10,000 runs ≈ 52 MB. Written with the project's SummaryWriter (PyTorch style).
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SummaryWriter } from '../src/writer/index.js';

export function writeSweep(dir: string, runs: number, writer: typeof SummaryWriter = SummaryWriter): void {
  for (let r = 0; r < runs; r++) {
    const w = new writer(join(dir, `lr${(r % 100).toString().padStart(2, '0')}`, `seed${Math.floor(r / 100)}`), { now: () => 1.78e9 + r });
    for (let step = 0; step < 10; step++) for (let t = 0; t < 10; t++) w.addScalar(`metrics/m${t}`, Math.exp(-step / 5) + r * 1e-4 + t, step, 1.78e9 + r + step);
    w.close();
  }
}

/**
 * Writes a corpus once: `write` fills `<obsRoot>/<bucket>/<name>`, and a marker in `benchDir` says
 * it is complete (an interrupted write is started again). Answers its train_url, `/<bucket>/<name>/`.
 */
export function corpusOnce(benchDir: string, obsRoot: string, bucket: string, name: string, write: (dir: string) => void): string {
  const dir = join(obsRoot, bucket, name);
  const done = join(benchDir, `${name}.done`);
  if (!existsSync(done)) {
    rmSync(dir, { recursive: true, force: true });
    console.log(`writing ${name} …`);
    write(dir);
    writeFileSync(done, new Date().toISOString());
  }
  return `/${bucket}/${name}/`;
}

/** Every file under `dir`, depth first. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

/** Puts every file under `dir` into `bucket` as `keyPrefix` + its path there, 16 at a time; answers the files. */
export async function uploadDir(client: S3Client, bucket: string, keyPrefix: string, dir: string): Promise<string[]> {
  const files = filesUnder(dir);
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < files.length) {
        const f = files[next++];
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: `${keyPrefix}${relative(dir, f)}`, Body: readFileSync(f) }));
      }
    }),
  );
  console.log(`uploaded ${files.length} objects to s3rver in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return files;
}
