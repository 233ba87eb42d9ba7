// Property-based damage: truncated, bit-flipped and garbage files never make the engine throw,
// and every sample in a record before the damage is kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { flipBit, loadLogdir, recordFile, withTempDir } from '../testing/damaged-logs.js';
import { EventEncoder } from '../writer/index.js';

const FILE = 'events.out.tfevents.0000000001.host.1.0';

/** A valid file of mixed kinds; record i ≥ 1 is the scalar of step i-1 or another kind. */
function validRecords(): Buffer[] {
  const enc = new EventEncoder('tf2');
  const tf1 = new EventEncoder('tf1');
  const out = [enc.fileVersion(1)];
  for (let i = 0; i < 30; i++) {
    out.push(tf1.scalar('x', i, i, 10 + i));
    if (i % 7 === 0) out.push(enc.histogram('h', [i, i + 1, i * 2], i, 11 + i, 4));
    if (i % 11 === 0) out.push(enc.text('t', `text ${i}`, i, 12 + i));
    if (i % 13 === 0) out.push(enc.image('img', Buffer.from('89504e470d0a1a0a', 'hex'), i, 13 + i, { width: 1, height: 1 }));
  }
  return out;
}

const LOG = recordFile(validRecords());
const { records: RECS, bytes: FILE_BYTES, starts: STARTS } = LOG;
function stepsBefore(offset: number): number[] {
  // Scalar steps of records that end at or before `offset`.
  const steps: number[] = [];
  for (let i = 0; i < RECS.length; i++) {
    if (STARTS[i] + RECS[i].length > offset) break;
    const rec = RECS[i];
    // Scalar records are the tf1 ones: tag 'x' follows "0a 01 78".
    const at = rec.indexOf(Buffer.from([0x0a, 0x01, 0x78]));
    if (at > 0 && rec[at + 3] === 21) steps.push(rec.readFloatLE(at + 4));
  }
  return steps;
}

const load = loadLogdir;
const withDir = <T>(fn: (dir: string) => Promise<T>): Promise<T> => withTempDir('vizjobs-fuzz-', fn);

test('a file truncated anywhere keeps every complete record and reads the rest once it arrives', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: FILE_BYTES.length }), (cut) =>
      withDir(async (dir) => {
        const path = join(dir, FILE);
        writeFileSync(path, FILE_BYTES.subarray(0, cut));
        const logdir = await load(dir);
        assert.deepEqual([...(logdir.scalars('.', 'x')?.steps ?? [])], stepsBefore(cut));
        assert.deepEqual(logdir.run('.')?.problems ?? [], []);
        appendFileSync(path, FILE_BYTES.subarray(cut));
        await logdir.reload();
        assert.deepEqual([...(logdir.scalars('.', 'x')?.steps ?? [])], stepsBefore(FILE_BYTES.length));
        assert.equal(logdir.histograms('.', 'h')?.length, 5);
      }),
    ),
    { numRuns: 60 },
  );
});

test('a flipped bit anywhere never throws and keeps every record before the damaged one', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: FILE_BYTES.length * 8 - 1 }), fc.boolean(), (bit, verify) =>
      withDir(async (dir) => {
        const { bytes, record } = flipBit(LOG, bit);
        writeFileSync(join(dir, FILE), bytes);
        const logdir = await load(dir, { verifyChecksums: verify });
        const kept = stepsBefore(STARTS[record]);
        const steps = [...(logdir.scalars('.', 'x')?.steps ?? [])];
        assert.deepEqual(steps.slice(0, kept.length), kept);
        for (const r of logdir.runs()) for (const t of r.tags) assert.ok(t.count >= 0);
        logdir.stats();
      }),
    ),
    { numRuns: 120 },
  );
});

test('garbage files, and garbage after valid records, never throw and keep the valid prefix', async () => {
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

test('garbage inside records with valid CRCs is reported as a decode problem, never thrown', async () => {
  const { encodeRecord } = await import('../writer/index.js');
  await fc.assert(
    fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 20 }), (bodies) =>
      withDir(async (dir) => {
        writeFileSync(join(dir, FILE), Buffer.concat([...RECS.slice(0, 5), ...bodies.map((b) => encodeRecord(b))]));
        const logdir = await load(dir);
        assert.deepEqual([...(logdir.scalars('.', 'x')?.steps ?? [])].slice(0, stepsBefore(STARTS[5]).length), stepsBefore(STARTS[5]));
        for (const p of logdir.run('.')?.problems ?? []) assert.equal(p.kind, 'decode');
      }),
    ),
    { numRuns: 80 },
  );
});

test('any read size gives the same samples: records split across reads are stitched, never lost or doubled', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 16, max: 3000 }), fc.integer({ min: 0, max: FILE_BYTES.length }), (maxReadBytes, cut) =>
      withDir(async (dir) => {
        const path = join(dir, FILE);
        writeFileSync(path, FILE_BYTES.subarray(0, cut));
        const logdir = await load(dir, { maxReadBytes });
        assert.deepEqual([...(logdir.scalars('.', 'x')?.steps ?? [])], stepsBefore(cut));
        appendFileSync(path, FILE_BYTES.subarray(cut));
        await logdir.reload();
        assert.deepEqual([...(logdir.scalars('.', 'x')?.steps ?? [])], stepsBefore(FILE_BYTES.length));
        assert.equal(logdir.histograms('.', 'h')?.length, 5);
        assert.equal(logdir.text('.', 't')?.length, 3);
        const img = logdir.images('.', 'img');
        assert.equal((await logdir.readBlob(img?.blobs[0][0] as never)).toString('hex'), '89504e470d0a1a0a');
        assert.deepEqual(logdir.run('.')?.problems, []);
        // Only the incomplete tail of the first read is read again.
        assert.ok(logdir.stats().bytesRead <= FILE_BYTES.length + cut);
        assert.ok(logdir.stats().bytesRead >= FILE_BYTES.length);
      }),
    ),
    { numRuns: 80 },
  );
});
