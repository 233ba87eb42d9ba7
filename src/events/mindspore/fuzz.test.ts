// Property-based damage to MindSpore summaries, as src/events/fuzz.test.ts does for TensorBoard
// files: truncated, bit-flipped, garbage-filled files and garbage event bodies with valid CRCs
// never make the engine throw, and every sample in a record before the damage is kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { flipBit, loadLogdir, recordFile, withTempDir } from '../../testing/damaged-logs.js';
import { msEvent, msHistogramOf, tinyGraphProto, type MsValue } from '../../testing/mindspore-writer.js';
import { encodeRecord } from '../../writer/record.js';

const FILE = 'events.out.events.summary.1700000000.0.worker-01_MS';
const PNG = Buffer.from('89504e470d0a1a0a', 'hex');

/** Record i ≥ 1 (after the version and a graph) is step i-2's event; its scalar `x` is the step. */
function validRecords(): Buffer[] {
  const out = [encodeRecord(msEvent.version(1)), encodeRecord(msEvent.graph(1, tinyGraphProto('g')))];
  for (let i = 0; i < 30; i++) {
    const values: MsValue[] = [{ tag: 'x', scalar: i }];
    if (i % 7 === 0) values.push({ tag: 'h', histogram: msHistogramOf([i, i + 1, i * 2], 4) });
    if (i % 11 === 0) values.push({ tag: 't', tensor: { dims: [3], values: [i, i, i] } });
    if (i % 13 === 0) values.push({ tag: 'img', image: { png: PNG, width: 1, height: 1 } });
    out.push(encodeRecord(msEvent.summary(10 + i, i, values)));
  }
  return out;
}

const LOG = recordFile(validRecords());
const { records: RECS, bytes: FILE_BYTES, starts: STARTS } = LOG;
/** Steps of the scalar `x` in records that end at or before `offset`. */
function stepsBefore(offset: number): number[] {
  const steps: number[] = [];
  for (let i = 2; i < RECS.length; i++) if (STARTS[i] + RECS[i].length <= offset) steps.push(i - 2);
  return steps;
}

const load = (dir: string, verify = true): ReturnType<typeof loadLogdir> => loadLogdir(dir, { verifyChecksums: verify });
const withDir = <T>(fn: (dir: string) => Promise<T>): Promise<T> => withTempDir('vizjobs-msfuzz-', fn);

test('a MindSpore summary truncated anywhere keeps every complete record and reads the rest once it arrives', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: FILE_BYTES.length }), fc.integer({ min: 16, max: 4000 }), (cut, maxReadBytes) =>
      withDir(async (dir) => {
        const path = join(dir, FILE);
        writeFileSync(path, FILE_BYTES.subarray(0, cut));
        const logdir = await loadLogdir(dir, { maxReadBytes });
        assert.deepEqual([...(logdir.scalars('.', 'x')?.steps ?? [])], stepsBefore(cut));
        assert.deepEqual(logdir.run('.')?.problems ?? [], []);
        appendFileSync(path, FILE_BYTES.subarray(cut));
        await logdir.reload();
        assert.deepEqual([...(logdir.scalars('.', 'x')?.steps ?? [])], stepsBefore(FILE_BYTES.length));
        assert.equal(logdir.histograms('.', 'h')?.length, 5);
        assert.equal(logdir.tensors('.', 't')?.length, 3);
        const img = logdir.images('.', 'img');
        assert.deepEqual(await logdir.readBlob(img!.blobs[0][0]), PNG);
        assert.deepEqual(logdir.run('.')?.problems, []);
      }),
    ),
    { numRuns: 80 },
  );
});

test('a flipped bit anywhere in a MindSpore summary never throws and keeps every record before the damaged one', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: FILE_BYTES.length * 8 - 1 }), fc.boolean(), (bit, verify) =>
      withDir(async (dir) => {
        const { bytes, record } = flipBit(LOG, bit);
        writeFileSync(join(dir, FILE), bytes);
        const logdir = await load(dir, verify);
        const kept = stepsBefore(STARTS[record]);
        const steps = [...(logdir.scalars('.', 'x')?.steps ?? [])];
        // Unverified, a flip in a step may make it smaller, which purges (MindInsight's rule): the
        // steps kept are then still increasing, but not necessarily the whole prefix.
        if (verify) assert.deepEqual(steps.slice(0, kept.length), kept);
        else for (let i = 1; i < steps.length; i++) assert.ok(steps[i] > steps[i - 1]);
        if (verify) assert.ok((logdir.run('.')?.problems.length ?? 0) > 0, 'a flipped bit is reported when CRCs are verified');
        for (const r of logdir.runs()) for (const t of r.tags) assert.ok(t.count >= 0);
        logdir.stats();
      }),
    ),
    { numRuns: 120 },
  );
});

test('garbage MindSpore files, and garbage after valid records, never throw and keep the valid prefix', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 3000 }), fc.boolean(), (garbage, withPrefix) =>
      withDir(async (dir) => {
        const prefix = withPrefix ? FILE_BYTES : Buffer.alloc(0);
        writeFileSync(join(dir, FILE), Buffer.concat([prefix, garbage]));
        const logdir = await load(dir);
        const steps = [...(logdir.scalars('.', 'x')?.steps ?? [])];
        const kept = stepsBefore(prefix.length);
        assert.deepEqual(steps.slice(0, kept.length), kept);
        await logdir.reload();
        logdir.runs();
      }),
    ),
    { numRuns: 80 },
  );
});

test('garbage MindSpore events with valid CRCs are reported as problems of their records, never thrown', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 20 }), (bodies) =>
      withDir(async (dir) => {
        writeFileSync(join(dir, FILE), Buffer.concat([...RECS.slice(0, 7), ...bodies.map((b) => encodeRecord(b))]));
        const logdir = await load(dir);
        const kept = stepsBefore(STARTS[7]);
        assert.deepEqual([...(logdir.scalars('.', 'x')?.steps ?? [])].slice(0, kept.length), kept);
        for (const p of logdir.run('.')?.problems ?? []) assert.ok(['decode', 'shape', 'limit'].includes(p.kind), p.kind);
      }),
    ),
    { numRuns: 80 },
  );
});
