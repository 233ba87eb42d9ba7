// npm run bench:encodings — issue 10: every encoding real writers use loads at the same speed.
// A corpus per scalar encoding (bench/ingest-corpus.ts's shape: 4 runs × 10 tags × 25,000 steps =
// 1,000,000 points, written by the project's writer, EventEncoder.scalarAs), and per histogram
// encoding (4 runs × 2 tags × 2,500 steps of 30 buckets: PyTorch/tensorboardX HistogramProto, TF2
// [k, 3] tensor). Each is loaded cold, CRCs verified, in a fresh Node process (the engine as tsc
// built it, dist/), rounds interleaved so the machine's drift hits every encoding alike. Reported:
// the load's own wall (in-process, from first listing to last record) and the process CPU.
// Target: every scalar encoding within 10 % of the fastest (best and median of the load wall).
// A control corpus, simple_value_padded, is simple_value with 11 more bytes in each value (metadata
// holding a display name, which the decoder skips after a tag's first value): double_val's record
// size through simple_value's decoder path, so the bench shows what the bytes alone cost.
// The native floor (bench/encodings-floor.c, built with the machine's C compiler when it has one):
// the same reading, CRCs, decoding and column layout in C, loaded cold right after each scalar
// corpus, so the bench shows what each corpus's bytes cost without JavaScript, and how far the
// engine is from that.
// Flags: --rounds=N (default 7); --compare-scan (each scalar corpus also with frame-scan off).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(fileURLToPath(import.meta.url), '..', '..');
const { SummaryWriter, EventEncoder, ProtoWriter, encodeRecord } = (await import(join(repo, 'dist', 'writer', 'index.js'))) as typeof import('../src/writer/index.js');
type ScalarEncoding = import('../src/writer/index.js').ScalarEncoding;

const ROUNDS = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 7);
const SCALARS: ScalarEncoding[] = ['simple_value', 'tensor_content', 'float_val', 'float_val_unpacked', 'double_val', 'double_content', 'half_val', 'pytorch_new_style'];
const HISTOGRAMS = ['histo_pytorch', 'histo_tf2'] as const;
const CONTROL = 'simple_value_padded';
type Corpus = ScalarEncoding | (typeof HISTOGRAMS)[number] | typeof CONTROL;

function corpus(name: Corpus): string {
  const dir = join(tmpdir(), `vizjobs-enc-${name}`);
  const marker = join(dir, 'corpus.json');
  const spec = JSON.stringify({ name, version: name === CONTROL ? 2 : 1 });
  if (existsSync(marker) && readFileSync(marker, 'utf8') === spec) return dir;
  rmSync(dir, { recursive: true, force: true });
  for (let r = 0; r < 4; r++) {
    const histo = name === 'histo_pytorch' || name === 'histo_tf2';
    const w = new SummaryWriter(join(dir, `run${r}`), { now: () => 1.7e9 + r, flushBytes: 8 << 20, style: name === 'histo_tf2' ? 'tf2' : 'tf1' });
    const enc = new EventEncoder();
    const values = new Float64Array(300);
    for (let step = 0; step < (histo ? 2_500 : 25_000); step++) {
      const wall = 1.7e9 + r + step * 0.01;
      if (histo) {
        for (let t = 0; t < 2; t++) {
          for (let i = 0; i < values.length; i++) values[i] = Math.sin(i * 12.9898 + step + t) * (1 + step / 2_500);
          w.addHistogram(`weights/layer${t}`, values, step, 30, wall);
        }
        continue;
      }
      for (let t = 0; t < 10; t++) {
        const v = Math.exp(-step / 5000) * (1 + 0.1 * Math.sin(step + t)) + r;
        if (name === CONTROL) {
          const value = new ProtoWriter().string(1, `metric/tag${t}`).float(2, v).message(9, new ProtoWriter().string(2, 'padding'));
          w.writeRecords(encodeRecord(new ProtoWriter().double(1, wall).varint(2, step).message(5, new ProtoWriter().message(1, value)).finish()));
        }
        else w.writeRecords(enc.scalarAs(name as ScalarEncoding, `metric/tag${t}`, v, step, wall));
      }
    }
    w.close();
  }
  writeFileSync(marker, spec);
  return dir;
}

// argv[2] === 'off': records checked by the record reader's TypeScript alone (frame-scan.ts off).
const SCAN_SWITCH = `if (process.argv[2] === 'off') (await import(${JSON.stringify(join(repo, 'dist', 'events', 'frame-scan.js'))})).setFrameScan(false);`;
const PROBE = `
${SCAN_SWITCH}
const t0 = performance.now();
const { openLogdir } = await import(${JSON.stringify(join(repo, 'dist', 'events', 'index.js'))});
const { LocalStorage } = await import(${JSON.stringify(join(repo, 'dist', 'storage', 'local.js'))});
const logdir = openLogdir({ storage: new LocalStorage(process.argv[1]), prefix: '' });
const f1 = process.resourceUsage().minorPageFault;
const t1 = performance.now();
const r = await logdir.reload();
const loadMs = performance.now() - t1;
const st = logdir.stats();
const u = process.resourceUsage();
process.stdout.write(JSON.stringify({ loadMs, bytes: r.bytesRead, records: r.records, samples: st.samples, problems: st.problems, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, faults: u.minorPageFault - f1 }));
`;

// Where a scalar load's CPU goes, steady state (the JIT warmed by the first passes, best of 6, the
// files already in memory): framing + CRC alone (a sink that keeps nothing), then framing + CRC +
// decoding into a fresh run. Framing + CRC is what grows with a file's bytes; decoding is per record.
const SPLIT = `
import { readdirSync, readFileSync } from 'node:fs';
${SCAN_SWITCH}
const { RecordReader } = await import(${JSON.stringify(join(repo, 'dist', 'events', 'record-reader.js'))});
const { EventDecoder } = await import(${JSON.stringify(join(repo, 'dist', 'events', 'event-decoder.js'))});
const { RunState, newFileState } = await import(${JSON.stringify(join(repo, 'dist', 'events', 'run.js'))});
const dir = process.argv[1];
const files = [];
for (const r of readdirSync(dir)) if (r.startsWith('run')) for (const f of readdirSync(dir + '/' + r)) files.push(readFileSync(dir + '/' + r + '/' + f));
const noop = { record() {}, problem() { throw new Error('damaged corpus'); } };
function pass(decode) {
  let records = 0;
  for (const f of files) {
    const reader = new RecordReader();
    let sink = noop;
    if (decode) { sink = new EventDecoder(); sink.run = new RunState('run'); sink.file = newFileState('f', ''); }
    for (let at = 0; at < f.length; at += 256 << 10) records += reader.feed(f.subarray(at, Math.min(f.length, at + (256 << 10))), true, sink);
  }
  return records;
}
const best = { frame: Infinity, full: Infinity };
let records = 0;
for (let i = 0; i < 6; i++) for (const mode of ['frame', 'full']) {
  const c0 = process.cpuUsage();
  records = pass(mode === 'full');
  const c = process.cpuUsage(c0);
  best[mode] = Math.min(best[mode], (c.user + c.system) / 1000);
}
process.stdout.write(JSON.stringify({ frameMs: best.frame, fullMs: best.full, records, bytes: files.reduce((a, f) => a + f.length, 0) }));
`;

interface Split {
  frameMs: number;
  fullMs: number;
  records: number;
  bytes: number;
}

interface Probe {
  loadMs: number;
  bytes: number;
  records: number;
  samples: number;
  problems: number;
  cpuMs: number;
  /** Minor page faults during the load (first touches of fresh memory: 12–16 µs each on some VMs). */
  faults: number;
}

const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;
function split(dir: string, scan = true): Split {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', SPLIT, dir, scan ? 'on' : 'off'], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as Split;
}

/**
 * What the machine charges for a page fault: a fresh process touches each 4 KiB page of 64 MiB once.
 * A cold load's fresh memory (series columns, the heap's growth) is paid at this price per page.
 */
function faultCost(): number {
  const src = 'const b = new Uint8Array(64 << 20); const f = process.resourceUsage().minorPageFault; const t = performance.now(); for (let i = 0; i < b.length; i += 4096) b[i] = 1; process.stdout.write(JSON.stringify({ us: (performance.now() - t) * 1000 / (process.resourceUsage().minorPageFault - f) }));';
  const r = spawnSync(process.execPath, ['-e', src], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(r.stderr);
  return (JSON.parse(r.stdout) as { us: number }).us;
}

function probe(dir: string, scan = true): Probe {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', PROBE, dir, scan ? 'on' : 'off'], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as Probe;
}

interface Floor {
  ms: number;
  records: number;
  points: number;
  faults: number;
  crc: string;
}

/** Builds the native floor; undefined (and why, on stderr) where there is no C compiler. */
function buildFloor(): string | undefined {
  const out = join(tmpdir(), 'vizjobs-enc-floor');
  const src = join(repo, 'bench', 'encodings-floor.c');
  for (const flags of [['-O2', '-march=native'], ['-O2']]) {
    const r = spawnSync('cc', [...flags, '-o', out, src], { encoding: 'utf8' });
    if (r.status === 0) return out;
    process.stderr.write(`cc ${flags.join(' ')}: ${r.error?.message ?? r.stderr}\n`);
  }
  return undefined;
}

function floor(bin: string, dir: string): Floor {
  const r = spawnSync(bin, [dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as Floor;
}

const all: Corpus[] = [...SCALARS, ...HISTOGRAMS, CONTROL];
const floorBin = buildFloor();
const FLOORED: Corpus[] = [...SCALARS, CONTROL];
const floors = new Map<Corpus, Floor[]>(FLOORED.map((c) => [c, []]));
const dirs = new Map(all.map((c) => [c, corpus(c)] as const));
const results = new Map<Corpus, Probe[]>(all.map((c) => [c, []]));
// --compare-scan: each scalar corpus also loaded with frame-scan off, right after (or before) it.
const COMPARE = process.argv.includes('--compare-scan');
const withoutScan = new Map<Corpus, Probe[]>(SCALARS.map((c) => [c, []]));
const load0 = loadavg()[0];
for (let round = 0; round < ROUNDS; round++) {
  // A different order each round, so no encoding always runs right after the same other one.
  const order = round % 2 ? [...all].reverse() : all;
  for (const c of order) {
    const off = COMPARE && withoutScan.has(c);
    if (off && round % 2) withoutScan.get(c)?.push(probe(dirs.get(c) as string, false));
    results.get(c)?.push(probe(dirs.get(c) as string));
    if (off && !(round % 2)) withoutScan.get(c)?.push(probe(dirs.get(c) as string, false));
  }
  process.stderr.write(`round ${round + 1}/${ROUNDS}\n`);
}
// The floor in rounds of its own: a 60 ms process run right after an engine's 250 ms one is
// measured while the kernel still frees that one's memory, and moved by it.
const FLOOR_ROUNDS = Math.max(ROUNDS, 41);
for (let round = 0; floorBin !== undefined && round < FLOOR_ROUNDS; round++) {
  for (const c of round % 2 ? [...FLOORED].reverse() : FLOORED) floors.get(c)?.push(floor(floorBin, dirs.get(c) as string));
}
const splits = new Map<ScalarEncoding, Split[]>(SCALARS.map((c) => [c, []]));
const splitsOff = new Map<ScalarEncoding, Split[]>(SCALARS.map((c) => [c, []]));
for (let round = 0; round < 3; round++) {
  for (const c of round % 2 ? [...SCALARS].reverse() : SCALARS) {
    splits.get(c)?.push(split(dirs.get(c) as string));
    if (COMPARE) splitsOff.get(c)?.push(split(dirs.get(c) as string, false));
  }
}
const load1 = loadavg()[0];

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const best = (xs: number[]): number => Math.min(...xs);
const faultUs = median([faultCost(), faultCost(), faultCost()]);
function table(group: readonly Corpus[], unit: string): string[] {
  const stats = group.map((c) => {
    const rs = results.get(c) as Probe[];
    // Each round's load against the same round's first corpus of the group (the machine's drift
    // over minutes moves both alike), then the median over rounds.
    const base = results.get(group[0]) as Probe[];
    const paired = median(rs.map((x, i) => x.loadMs / base[i].loadMs));
    return { c, r: rs[0], best: best(rs.map((x) => x.loadMs)), median: median(rs.map((x) => x.loadMs)), paired, cpu: median(rs.map((x) => x.cpuMs)), faults: median(rs.map((x) => x.faults)) };
  });
  const fastestBest = Math.min(...stats.map((s) => s.best));
  const fastestMedian = Math.min(...stats.map((s) => s.median));
  return [
    `| encoding | data | ${unit} | load wall best (× fastest) | load wall median (× fastest) | same round ÷ ${group[0]} (median of rounds) | process CPU median | page faults in the load (median) | problems |`,
    '|---|---|---|---|---|---|---|---|---|',
    ...stats.map(
      (s) =>
        `| ${s.c} | ${(s.r.bytes / 1e6).toFixed(1)} MB, ${s.r.records.toLocaleString('en')} records | ${s.r.samples.toLocaleString('en')} | ${s.best.toFixed(0)} ms (${(s.best / fastestBest).toFixed(2)}) | ${s.median.toFixed(0)} ms (${(s.median / fastestMedian).toFixed(2)}) | ${s.paired.toFixed(2)} | ${s.cpu.toFixed(0)} ms | ${s.faults.toLocaleString('en')} | ${s.r.problems} |`,
    ),
  ];
}
console.log(
  [
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.versions.node}, load average ${load0.toFixed(1)} → ${load1.toFixed(1)}; ${ROUNDS} fresh processes per encoding, interleaved.`,
    `A page fault (first touch of a fresh 4 KiB page) costs ${faultUs.toFixed(1)} µs on this machine (median of 3 processes touching 64 MiB).`,
    '',
    ...table(SCALARS, 'points'),
    '',
    ...table(HISTOGRAMS, 'histograms'),
    '',
    `Control, the same rounds: ${CONTROL} is simple_value with 11 bytes of metadata in every value (double_val's record size, simple_value's decoder path):`,
    '',
    ...table(['simple_value', CONTROL, 'double_val'], 'points'),
    '',
    ...(floorBin === undefined
      ? ['Native floor: not run (no C compiler).']
      : [
          `Native floor (bench/encodings-floor.c, CRC-32C by ${(floors.get('simple_value') as Floor[])[0].crc}): the engine's reading, CRCs, decoding and column layout in C, each corpus loaded cold ${FLOOR_ROUNDS} times, interleaved, after the engine's rounds:`,
          '',
          '| encoding | floor load median | floor, same round ÷ simple_value (median of rounds) | engine, same round ÷ simple_value (above) | engine median ÷ floor median | floor page faults |',
          '|---|---|---|---|---|---|',
          ...FLOORED.map((c) => {
            const fs = floors.get(c) as Floor[];
            const base = floors.get('simple_value') as Floor[];
            const engine = results.get(c) as Probe[];
            const engineBase = results.get('simple_value') as Probe[];
            if (fs.some((f) => f.points !== engine[0].samples)) throw new Error(`floor decoded ${fs[0].points} points of ${c}, the engine ${engine[0].samples}`);
            return `| ${c} | ${median(fs.map((f) => f.ms)).toFixed(1)} ms | ${median(fs.map((f, i) => f.ms / base[i].ms)).toFixed(2)} | ${median(engine.map((x, i) => x.loadMs / engineBase[i].loadMs)).toFixed(2)} | ${(median(engine.map((x) => x.loadMs)) / median(fs.map((f) => f.ms))).toFixed(1)} | ${median(fs.map((f) => f.faults)).toLocaleString('en')} |`;
          }),
        ]),
    '',
    'Steady state, files in memory, best of 6 passes in each of 3 fresh processes per encoding (CPU):',
    '',
    '| encoding | bytes per record | framing + CRC | per file byte | decoding | per record | both (× fastest) |',
    '|---|---|---|---|---|---|---|',
    ...(() => {
      const rows = SCALARS.map((c) => {
        const ss = splits.get(c) as Split[];
        const frame = best(ss.map((x) => x.frameMs));
        const full = best(ss.map((x) => x.fullMs));
        return { c, s: ss[0], frame, decode: full - frame, full };
      });
      const fastest = Math.min(...rows.map((r) => r.full));
      return rows.map(
        (r) =>
          `| ${r.c} | ${(r.s.bytes / r.s.records).toFixed(1)} | ${r.frame.toFixed(1)} ms | ${((r.frame * 1e6) / r.s.bytes).toFixed(2)} ns | ${r.decode.toFixed(1)} ms | ${((r.decode * 1e6) / r.s.records).toFixed(1)} ns | ${r.full.toFixed(1)} ms (${(r.full / fastest).toFixed(2)}) |`,
      );
    })(),
    ...(COMPARE
      ? [
          '',
          'Frame-scan (WebAssembly checks of the framing) on and off, the same corpora, interleaved:',
          '',
          '| encoding | process CPU median, off → on | × simple_value, off → on | framing + CRC steady state, off → on |',
          '|---|---|---|---|',
          ...(() => {
            const med = (m: Map<Corpus, Probe[]>, c: Corpus): number => median((m.get(c) as Probe[]).map((x) => x.cpuMs));
            const frame = (m: Map<ScalarEncoding, Split[]>, c: ScalarEncoding): number => best((m.get(c) as Split[]).map((x) => x.frameMs));
            const baseOff = med(withoutScan, 'simple_value');
            const baseOn = med(results, 'simple_value');
            return SCALARS.map(
              (c) =>
                `| ${c} | ${med(withoutScan, c).toFixed(0)} → ${med(results, c).toFixed(0)} ms | ${(med(withoutScan, c) / baseOff).toFixed(2)} → ${(med(results, c) / baseOn).toFixed(2)} | ${frame(splitsOff, c).toFixed(1)} → ${frame(splits, c).toFixed(1)} ms |`,
            );
          })(),
        ]
      : []),
  ].join('\n'),
);
