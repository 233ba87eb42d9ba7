// The sweep corpus of issues 8 and 10: `runs` runs × 10 scalar tags × 10 steps, one event file per
// run, in directories lrNN/seedM (100 learning rates × runs/100 seeds), as a hyper-parameter sweep
// lays them out. 10,000 runs ≈ 52 MB. Written with the project's SummaryWriter (PyTorch style).
import { join } from 'node:path';
import { SummaryWriter } from '../src/writer/index.js';

export function writeSweep(dir: string, runs: number, writer: typeof SummaryWriter = SummaryWriter): void {
  for (let r = 0; r < runs; r++) {
    const w = new writer(join(dir, `lr${(r % 100).toString().padStart(2, '0')}`, `seed${Math.floor(r / 100)}`), { now: () => 1.78e9 + r });
    for (let step = 0; step < 10; step++) for (let t = 0; t < 10; t++) w.addScalar(`metrics/m${t}`, Math.exp(-step / 5) + r * 1e-4 + t, step, 1.78e9 + r + step);
    w.close();
  }
}
