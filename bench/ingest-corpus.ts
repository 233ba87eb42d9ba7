// The ingest benchmark's corpus, written with our SummaryWriter: per run 10 scalar tags (5 as
// TF1 simple_value, 5 as TF2 float tensors) × `steps` steps, plus a histogram every 100 steps.
// 4 runs × 25,000 steps ≈ 52 MB and 1,000,000 scalar points. writeMsCorpus: the same points as MindSpore summaries.
import { SummaryWriter, EventEncoder } from '../src/writer/index.js';
import { join } from 'node:path';
import { MsSummaryWriter } from '../src/testing/mindspore-writer.js';

export interface CorpusSpec {
  runs: number;
  steps: number;
  tags: number;
}

export function writeCorpus(dir: string, spec: CorpusSpec): { points: number } {
  let points = 0;
  for (let r = 0; r < spec.runs; r++) {
    const w = new SummaryWriter(join(dir, `run${r}`), { now: () => 1.7e9 + r, flushBytes: 8 << 20 });
    const tf2 = new EventEncoder('tf2');
    const values = new Float64Array(1000);
    for (let step = 0; step < spec.steps; step++) {
      const wall = 1.7e9 + r + step * 0.01;
      for (let t = 0; t < spec.tags; t++) {
        const v = Math.exp(-step / 5000) * (1 + 0.1 * Math.sin(step + t)) + r;
        if (t < spec.tags / 2) w.addScalar(`loss/tag${t}`, v, step, wall);
        else w.writeRecords(tf2.scalar(`metric/tag${t}`, v, step, wall));
        points++;
      }
      if (step % 100 === 0) {
        for (let i = 0; i < values.length; i++) values[i] = Math.sin(i * 12.9898 + step) * (1 + step / spec.steps);
        w.addHistogram('weights/layer0', values, step, 30, wall);
      }
    }
    w.close();
  }
  return { points };
}

/**
 * The same corpus as MindSpore writes it (src/testing/mindspore-writer.ts): per train job
 * (`run<r>/`, a direct sub-directory as MindInsight wants) one summary file, one event per step
 * holding that step's 10 scalars (and, every 100 steps, the 30-bucket histogram of the same 1,000
 * values) — the same points, values and wall times as writeCorpus.
 */
export function writeMsCorpus(dir: string, spec: CorpusSpec): { points: number } {
  let points = 0;
  for (let r = 0; r < spec.runs; r++) {
    const w = new MsSummaryWriter(join(dir, `run${r}`), { now: () => 1.7e9 + r, flushBytes: 8 << 20, timestamp: 1_700_000_000 + r });
    const values = new Float64Array(1000);
    for (let step = 0; step < spec.steps; step++) {
      const wall = 1.7e9 + r + step * 0.01;
      for (let t = 0; t < spec.tags; t++) {
        const v = Math.exp(-step / 5000) * (1 + 0.1 * Math.sin(step + t)) + r;
        w.addScalar(t < spec.tags / 2 ? `loss/tag${t}` : `metric/tag${t}`, v);
        points++;
      }
      if (step % 100 === 0) {
        for (let i = 0; i < values.length; i++) values[i] = Math.sin(i * 12.9898 + step) * (1 + step / spec.steps);
        w.addHistogram('weights/layer0', values, 30);
      }
      w.record(step, wall);
    }
    w.close();
  }
  return { points };
}
