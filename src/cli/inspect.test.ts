// `vizjobs inspect` end to end: the compiled CLI on real files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath, pytorchFixtureDir } from '../testing/paths.js';
import { EventEncoder } from '../writer/index.js';
import type { InspectReport } from '../events/inspect.js';
import { DT_STRING, tensorProto, tensorRecord } from '../testing/hostile.js';
import { MsSummaryWriter, tinyGraphProto } from '../testing/mindspore-writer.js';

test('inspect --json reports the real fixture’s runs, tags by kind and step ranges', () => {
  const out = execFileSync(process.execPath, [cliPath, 'inspect', '--json', pytorchFixtureDir], { encoding: 'utf8' });
  const report = JSON.parse(out) as InspectReport;
  assert.deepEqual(
    report.runs.map((r) => r.name),
    ['mlp_lr1e-3_adam', 'mlp_lr1e-3_adam/1795820169.1177986'],
  );
  const loss = report.runs[0].tags.scalars?.find((t) => t.tag === 'loss/train');
  assert.deepEqual(loss && [loss.count, loss.firstStep, loss.lastStep], [2000, 0, 1999]);
  assert.equal(report.runs[0].tags.histograms?.length, 4);
  assert.equal(report.runs[1].tags.hparams?.length, 3);
  assert.ok(report.runs[0].hasGraph);
  assert.equal(report.stats.problems, 0);
});

test('inspect prints tags like tensorboard --inspect and lists the problems of a damaged file', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vizjobs-inspect-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const enc = new EventEncoder();
  const recs = [enc.fileVersion(1), enc.scalar('acc', 1, 1, 1), enc.scalar('acc', 2, 2, 2), enc.scalar('acc', 3, 3, 3)];
  const bytes = Buffer.concat(recs);
  bytes[recs[0].length + recs[1].length + 20] ^= 1; // data of the second scalar
  writeFileSync(join(dir, 'events.out.tfevents.0000000001.h.1.0'), bytes);
  const out = execFileSync(process.execPath, [cliPath, 'inspect', dir], { encoding: 'utf8' });
  assert.match(out, /These tags are in \.:\nscalars\n {3}acc\n/);
  assert.match(out, /num_steps {12}2\n/);
  assert.match(out, /data_crc at events\.out\.tfevents\.0000000001\.h\.1\.0:\d+: record data CRC mismatch/);
});

test('inspect lists a shape bomb as a shape problem of its record, at once', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vizjobs-inspect-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bomb = tensorRecord('t', 'text', tensorProto({ dtype: DT_STRING, shape: [100_000, 100_000], strings: ['x'] }));
  writeFileSync(join(dir, 'events.out.tfevents.0000000001.h.1.0'), bomb);
  const out = execFileSync(process.execPath, [cliPath, 'inspect', dir], { encoding: 'utf8', timeout: 20_000 });
  assert.match(out, /shape at events\.out\.tfevents\.0000000001\.h\.1\.0:0: tensor claims shape \[100000, 100000\] but holds 1 element/);
});

test('inspect reports a MindSpore summary directory: train jobs, tags with MindInsight names, the graph, problems', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vizjobs-inspect-ms-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const w = new MsSummaryWriter(join(dir, 'job1'), { now: () => 1_700_000_000, timestamp: 1_700_000_000 });
  w.addGraph(tinyGraphProto('net'));
  for (let step = 1; step <= 3; step++) {
    w.addScalar('loss', 1 / step);
    w.addHistogram('conv1.weight/auto', [1, 2, step]);
    w.record(step);
  }
  w.writePayload(Buffer.from([0x09, 0, 0, 0, 0, 0, 0, 0, 0, 0x2a, 0x7f]));
  w.close();
  const report = JSON.parse(execFileSync(process.execPath, [cliPath, 'inspect', '--json', dir], { encoding: 'utf8' })) as InspectReport;
  assert.deepEqual(report.runs.map((r) => r.name), ['job1']);
  const loss = report.runs[0].tags.scalars?.find((x) => x.tag === 'loss');
  assert.deepEqual(loss && [loss.count, loss.firstStep, loss.lastStep, loss.mindinsightName], [3, 1, 3, 'loss/scalar']);
  assert.equal(report.runs[0].tags.histograms?.[0].mindinsightName, 'conv1.weight/auto/histogram');
  assert.ok(report.runs[0].hasGraph);
  assert.deepEqual(report.runs[0].problems.map((p) => p.kind), ['decode']);
  const text = execFileSync(process.execPath, [cliPath, 'inspect', dir], { encoding: 'utf8' });
  assert.match(text, /scalars\n {3}loss {3}\(MindInsight: loss\/scalar\)\n/);
  assert.match(text, /graph yes/);
});
