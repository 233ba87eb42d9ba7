// Decoding is bounded by the bytes present: a tensor's claimed shape, a field's claimed length or
// a hostile nesting never sizes an allocation or a loop. Hostile records load fast, keep what
// their bytes hold (no more), and each lie or cap hit is a problem of the run, never an exception.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { LocalStorage } from '../storage/local.js';
import {
  audioRecord,
  deepRecord,
  doubles,
  DT_DOUBLE,
  DT_FLOAT,
  DT_STRING,
  floats,
  hugeLengthRecord,
  tensorProto,
  tensorRecord,
} from '../testing/hostile.js';
import { EventEncoder, ProtoWriter, encodeRecord } from '../writer/index.js';
import { LIMITS, openLogdir, withLimits, type Logdir, type ProblemKind } from './index.js';

const FILE = 'events.out.tfevents.0000000001.host.1.0';
const tf1 = new EventEncoder('tf1');

async function loadBytes(bytes: Buffer): Promise<{ logdir: Logdir; ms: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'vizjobs-bounds-'));
  try {
    writeFileSync(join(dir, FILE), bytes);
    const logdir = openLogdir({ storage: new LocalStorage(dir), prefix: '' });
    const t0 = performance.now();
    await logdir.reload();
    const ms = performance.now() - t0;
    return { logdir, ms };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function kinds(logdir: Logdir): ProblemKind[] {
  return (logdir.run('.')?.problems ?? []).map((p) => p.kind);
}

test('a text tensor claiming shape [10000000] around one string loads at once as that one string, reported', async () => {
  const rec = tensorRecord('t', 'text', tensorProto({ dtype: DT_STRING, shape: [10_000_000], strings: ['hello'] }));
  assert.ok(rec.length < 120, `${rec.length} bytes`);
  const { logdir, ms } = await loadBytes(rec);
  assert.ok(ms < 1000, `${ms} ms`);
  const text = logdir.text('.', 't');
  assert.equal(text?.length, 1);
  assert.deepEqual(text?.values[0], { shape: [1], strings: ['hello'] });
  const p = logdir.run('.')?.problems ?? [];
  assert.equal(p.length, 1);
  assert.equal(p[0].kind, 'shape');
  assert.equal(p[0].offset, 0);
  assert.match(p[0].message, /10000000.*holds 1 element/);
});

test('a rank-2 text claim of [1e5, 1e5] (1e10 cells) loads at once, reported', async () => {
  const rec = tensorRecord('t', 'text', tensorProto({ dtype: DT_STRING, shape: [100_000, 100_000], strings: ['a', 'b'] }));
  const { logdir, ms } = await loadBytes(rec);
  assert.ok(ms < 1000, `${ms} ms`);
  assert.deepEqual(logdir.text('.', 't')?.values[0], { shape: [2], strings: ['a', 'b'] });
  assert.deepEqual(kinds(logdir), ['shape']);
});

test('a PR-curve tensor claiming 1e8 elements around one float retains nothing, reported', async () => {
  const rec = tensorRecord('pr', 'pr_curves', tensorProto({ dtype: DT_FLOAT, shape: [6, 16_666_667], content: floats([1]) }));
  assert.ok(rec.length < 130, `${rec.length} bytes`);
  const { logdir, ms } = await loadBytes(rec);
  assert.ok(ms < 1000, `${ms} ms`);
  assert.ok((logdir.prCurves('.', 'pr')?.length ?? 0) === 0);
  assert.ok(logdir.stats().memoryBytes < 64 * 1024, `${logdir.stats().memoryBytes} bytes retained`);
  assert.ok(kinds(logdir).includes('shape'));
});

test('a histogram tensor claiming 1e7 elements around one double keeps that one number, reported', async () => {
  const rec = tensorRecord('h', 'histograms', tensorProto({ dtype: DT_DOUBLE, shape: [3_333_334, 3], content: doubles([5]) }));
  const { logdir, ms } = await loadBytes(rec);
  assert.ok(ms < 1000, `${ms} ms`);
  assert.equal(logdir.histograms('.', 'h')?.buckets[0].length, 1);
  assert.ok(logdir.stats().memoryBytes < 64 * 1024);
  assert.deepEqual(kinds(logdir), ['shape']);
});

test('one value repeated over a small shape (TensorFlow constant encoding) is still expanded, silently', async () => {
  const rec = tensorRecord('h', 'histograms', tensorProto({ dtype: DT_DOUBLE, shape: [2, 3], content: doubles([7]) }));
  const { logdir } = await loadBytes(rec);
  assert.deepEqual([...(logdir.histograms('.', 'h')?.buckets[0] ?? [])], [7, 7, 7, 7, 7, 7]);
  assert.deepEqual(kinds(logdir), []);
});

test('an audio tensor whose column count is 0 or negative neither loops nor grows', async () => {
  for (const shape of [[2, 0], [2, -1], [1, 2 ** 40]]) {
    const rec = tensorRecord('a', 'audio', tensorProto({ dtype: DT_STRING, shape, strings: ['RIFF....', 'label'] }));
    const { logdir, ms } = await loadBytes(rec);
    assert.ok(ms < 1000, `${ms} ms`);
    assert.ok((logdir.audio('.', 'a')?.blobs[0]?.length ?? 0) <= 2);
    assert.deepEqual(kinds(logdir), ['shape'], JSON.stringify(shape));
  }
});

/** Product of claimed dims as the engine reads them, exactly (a -1 dim, 10 varint bytes, reads as 0 within 2^53). */
function claimedCount(dims: readonly number[]): bigint {
  let p = 1n;
  for (const d of dims) p *= d === -1 ? 0n : BigInt(d);
  return p;
}

const DECODED_PLUGINS = ['text', 'histograms', 'pr_curves', 'images', 'audio'] as const;

test('random claimed shapes against random content: no exception, lies reported, nothing sized by the claim', async () => {
  const dim = fc.oneof(
    fc.integer({ min: 0, max: 12 }),
    fc.constantFrom(100_000, 10_000_000, 100_000_000, 2 ** 31, 2 ** 40, 2 ** 53 - 1, -1),
  );
  const spec = fc.record({
    plugin: fc.constantFrom(...DECODED_PLUGINS, 'scalars', 'custom'),
    dtype: fc.constantFrom(0, DT_FLOAT, DT_DOUBLE, 3, DT_STRING, 9, 10, 19, 99),
    shape: fc.array(dim, { maxLength: 7 }),
    content: fc.option(fc.uint8Array({ maxLength: 96 }), { nil: undefined }),
    floats: fc.option(fc.array(fc.float({ noNaN: true }), { maxLength: 12 }), { nil: undefined }),
    strings: fc.option(fc.array(fc.string({ maxLength: 8 }), { maxLength: 6 }), { nil: undefined }),
  });
  await fc.assert(
    fc.asyncProperty(spec, async (s) => {
      const hostile = tensorRecord('x', s.plugin, tensorProto({ dtype: s.dtype, shape: s.shape, content: s.content, floats: s.floats, strings: s.strings }), 1, 2);
      // Good records around it must be untouched.
      const bytes = Buffer.concat([tf1.scalar('ok', 1, 0, 1), hostile, tf1.scalar('ok', 2, 2, 3)]);
      const { logdir, ms } = await loadBytes(bytes);
      assert.ok(ms < 2000, `${ms} ms`);
      assert.deepEqual([...(logdir.scalars('.', 'ok')?.steps ?? [])], [0, 2]);
      const problems = logdir.run('.')?.problems ?? [];
      for (const p of problems) assert.ok(['shape', 'decode', 'limit'].includes(p.kind), p.kind);
      const claimed = claimedCount(s.shape);
      const plugin = s.plugin as string;
      // No content of this record can fill (or be expanded to) such a claim: it must be reported.
      if ((DECODED_PLUGINS as readonly string[]).includes(plugin) && claimed > BigInt(hostile.length * LIMITS.broadcastElementsPerByte)) {
        assert.ok(problems.length > 0, `claim ${claimed} over ${hostile.length} bytes not reported`);
      }
      // What was kept is sized by the record's bytes, never by the claim.
      const budget = hostile.length * LIMITS.broadcastElementsPerByte;
      for (const b of logdir.histograms('.', 'x')?.buckets ?? []) assert.ok(b.length <= budget, `${b.length} buckets`);
      for (const d of logdir.prCurves('.', 'x')?.data ?? []) assert.ok(d.length <= budget, `${d.length} PR numbers`);
      for (const v of logdir.text('.', 'x')?.values ?? []) {
        assert.ok(v.strings.length <= hostile.length);
        assert.ok(v.shape.length <= hostile.length);
        assert.ok(v.shape.reduce((a, b) => a * b, 1) <= Math.max(1, v.strings.length));
      }
      for (const blobs of [...(logdir.images('.', 'x')?.blobs ?? []), ...(logdir.audio('.', 'x')?.blobs ?? [])]) {
        assert.ok(blobs.length <= hostile.length);
        for (const r of blobs) assert.ok(r.offset + r.length <= bytes.length);
      }
      assert.ok(logdir.stats().memoryBytes < 64 * 1024 + 64 * bytes.length, `${logdir.stats().memoryBytes} bytes retained`);
    }),
    { numRuns: 300 },
  );
});

test('deeply nested messages and huge claimed lengths at every level: no exception, reported, fast', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 5000 }),
      fc.constantFrom(0, 1, 2, 3),
      fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.constantFrom(2 ** 31, 2 ** 32 + 5, 2 ** 50, 2 ** 62)),
      fc.integer({ min: 0, max: 64 }),
      async (depth, level, claimed, present) => {
        const huge = hugeLengthRecord(level as 0 | 1 | 2 | 3, claimed + present, present);
        const bytes = Buffer.concat([tf1.scalar('ok', 1, 0, 1), deepRecord(depth), huge, tf1.scalar('ok', 2, 1, 2)]);
        const { logdir, ms } = await loadBytes(bytes);
        assert.ok(ms < 2000, `${ms} ms`);
        assert.deepEqual([...(logdir.scalars('.', 'ok')?.steps ?? [])], [0, 1]);
        const problems = logdir.run('.')?.problems ?? [];
        const at = bytes.indexOf(huge);
        assert.ok(problems.some((p) => p.offset === at && p.kind === 'decode'), JSON.stringify(problems));
        logdir.runs();
        logdir.stats();
      },
    ),
    { numRuns: 120 },
  );
});

test('a tag over the series cap keeps its first samples and reports the cap once (fast and general paths)', async () => {
  await withLimits({ seriesSamples: 5 }, async () => {
    const tf2 = new EventEncoder('tf2');
    const recs: Buffer[] = [];
    for (let i = 0; i < 12; i++) recs.push(tf1.scalar('fast', i, i, i), tf2.scalar('tensor', i, i, i), tf2.histogram('h', [i, i + 1], i, i, 3));
    const { logdir } = await loadBytes(Buffer.concat(recs));
    for (const tag of ['fast', 'tensor']) assert.deepEqual([...(logdir.scalars('.', tag)?.steps ?? [])], [0, 1, 2, 3, 4], tag);
    assert.deepEqual([...(logdir.histograms('.', 'h')?.steps ?? [])], [0, 1, 2, 3, 4]);
    const limits = (logdir.run('.')?.problems ?? []).filter((p) => p.kind === 'limit');
    assert.equal(limits.length, 3, JSON.stringify(limits));
    for (const p of limits) assert.match(p.message, /cap of 5 samples/);
  });
});

test('a tensor over the element cap is skipped and reported; one under it is kept', async () => {
  await withLimits({ tensorElements: 50 }, async () => {
    const big = tensorRecord('h', 'histograms', tensorProto({ dtype: DT_DOUBLE, shape: [20, 3], content: doubles(new Array<number>(60).fill(1)) }), 0);
    const packed = tensorRecord('h', 'histograms', tensorProto({ dtype: DT_FLOAT, shape: [20, 3], floats: new Array<number>(60).fill(1) }), 1);
    const small = tensorRecord('h', 'histograms', tensorProto({ dtype: DT_DOUBLE, shape: [10, 3], content: doubles(new Array<number>(30).fill(1)) }), 2);
    const ones = new Array<number>(60).fill(1);
    const histo = tf1.histogramRaw('proto', { min: 0, max: 1, num: 60, sum: 60, sumSquares: 60, bucketLimits: ones, bucketCounts: ones }, 0, 1);
    const strings = tensorRecord('t', 'text', tensorProto({ dtype: DT_STRING, shape: [60], strings: new Array<string>(60).fill('s') }));
    const { logdir } = await loadBytes(Buffer.concat([big, packed, small, histo, strings]));
    assert.deepEqual([...(logdir.histograms('.', 'h')?.steps ?? [])], [2]);
    assert.equal(logdir.histograms('.', 'proto')?.length, 0);
    assert.equal(logdir.text('.', 't')?.length, 0);
    assert.deepEqual(kinds(logdir), ['limit', 'limit', 'limit', 'limit']);
  });
});

test('text over the cell and byte caps keeps whole first rows and the first bytes, reported', async () => {
  await withLimits({ textCells: 4, textValueBytes: 10 }, async () => {
    const table = tf1.text('table', [['a', 'b', 'c'], ['d', 'e', 'f'], ['g', 'h', 'i']], 0, 1);
    const long = tf1.text('long', 'x'.repeat(100), 0, 1);
    const { logdir } = await loadBytes(Buffer.concat([table, long]));
    assert.deepEqual(logdir.text('.', 'table')?.values[0], { shape: [1, 3], strings: ['a', 'b', 'c'] });
    assert.deepEqual(logdir.text('.', 'long')?.values[0].strings, ['x'.repeat(10)]);
    assert.deepEqual(kinds(logdir), ['limit', 'limit']);
  });
});

test('images over the per-value cap keep the first ones; a graph over its cap is not kept; both reported', async () => {
  await withLimits({ blobsPerValue: 2, graphBytes: 10 }, async () => {
    const imgs = tensorRecord('img', 'images', tensorProto({ dtype: DT_STRING, shape: [7], strings: ['1', '1', 'p1', 'p2', 'p3', 'p4', 'p5'] }));
    const graph = tf1.graph(new Uint8Array(100), 1);
    const { logdir } = await loadBytes(Buffer.concat([imgs, graph]));
    assert.equal(logdir.images('.', 'img')?.blobs[0].length, 2);
    assert.equal(logdir.run('.')?.hasGraph, false);
    assert.deepEqual(kinds(logdir), ['limit', 'limit']);
  });
});

test('an audio content type from the log is kept only when short (the viewer allowlists it)', async () => {
  const { logdir } = await loadBytes(Buffer.concat([audioRecord('a', Buffer.from('RIFF'), 'text/html', 0), audioRecord('a', Buffer.from('RIFF'), 'x'.repeat(10_000), 1)]));
  const blobs = logdir.audio('.', 'a')?.blobs ?? [];
  assert.equal(blobs[0][0].contentType, 'text/html');
  assert.equal(blobs[1][0].contentType, 'audio/wav');
});

test('a record claiming more than it holds inside valid framing is one decode problem (sanity of the helpers)', async () => {
  const body = new ProtoWriter().double(1, 1).finish();
  const { logdir } = await loadBytes(Buffer.concat([encodeRecord(body), hugeLengthRecord(3, 1_000_000, 4)]));
  assert.deepEqual(kinds(logdir), ['decode']);
});

test('a log directory listing over the cap is cut: the runs listed load, the cut is reported once, not the rest', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vizjobs-bounds-'));
  try {
    for (let r = 0; r < 30; r++) {
      mkdirSync(join(dir, `run${String(r).padStart(2, '0')}`));
      writeFileSync(join(dir, `run${String(r).padStart(2, '0')}`, FILE), tf1.scalar('loss', r, 1, 1.7e9));
    }
    await withLimits({ listedEntries: 20 }, async () => {
      const logdir = openLogdir({ storage: new LocalStorage(dir), prefix: '' });
      await logdir.reload();
      await logdir.reload();
      const runs = logdir.runs();
      // 20 entries of a depth-first walk: about half run directories, half their files.
      assert.ok(runs.length >= 9 && runs.length <= 10, `${runs.length} runs`);
      for (const run of runs) assert.equal(logdir.scalars(run.name, 'loss')?.values.length, 1);
      const cut = runs.flatMap((run) => run.problems).filter((p) => p.kind === 'limit');
      assert.equal(cut.length, 1, 'reported once, over two reloads');
      assert.match(cut[0].message, /listing .* stopped at 20 entries .*narrower directory/);
    });
    const whole = openLogdir({ storage: new LocalStorage(dir), prefix: '' });
    await whole.reload();
    assert.equal(whole.runs().length, 30);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
