// Test and benchmark support, not production code: event files an attacker would write, each a
// few hundred bytes that *claim* far more than they hold (shape bombs), plus deep and oversized
// protobufs. Every record is framed with valid CRCs, so a reader cannot reject them at the
// framing layer: the claim has to be caught where values are decoded. `hostileLogs` writes one
// directory per case, named so a test or bench can open each through the viewer.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProtoWriter, encodeRecord } from '../writer/index.js';
import { audioRecord, deepRecord, DT_FLOAT, DT_STRING, tensorProto, tensorRecord } from './hostile.js';

function summaryRecord(value: ProtoWriter, step = 1, wallTime = 1_780_000_000): Buffer {
  const e = new ProtoWriter().double(1, wallTime).varint(2, step).message(5, new ProtoWriter().message(1, value));
  return encodeRecord(e.finish());
}

function fileVersion(): Buffer {
  return encodeRecord(new ProtoWriter().double(1, 1_780_000_000).string(3, 'brain.Event:2').finish());
}

/** A text summary whose string tensor claims `dims` but holds one short string. */
export function textShapeBomb(dims: number[]): Buffer[] {
  return [fileVersion(), tensorRecord('bomb/text', 'text', tensorProto({ dtype: DT_STRING, shape: dims, strings: ['boom'] }), 1)];
}

/** A PR-curve tensor claiming [6, n] floats while holding one. */
export function prCurveShapeBomb(n: number): Buffer[] {
  const content = new ProtoWriter().varint(2, n).finish();
  const meta = new ProtoWriter().message(1, new ProtoWriter().string(1, 'pr_curves').bytes(2, content));
  const value = new ProtoWriter().string(1, 'bomb/pr').message(9, meta).message(8, tensorProto({ dtype: DT_FLOAT, shape: [6, n], floats: [0.5] }));
  return [fileVersion(), summaryRecord(value)];
}

/** A histogram tensor claiming [n, 3] buckets while holding one bucket. */
export function histogramShapeBomb(n: number): Buffer[] {
  return [fileVersion(), tensorRecord('bomb/hist', 'histograms', tensorProto({ dtype: DT_FLOAT, shape: [n, 3], floats: [0, 1, 1] }), 1)];
}

/** An image summary whose claimed width × height is absurd and whose content type is hostile. */
export function imageLies(): Buffer[] {
  const png = Buffer.from('89504e470d0a1a0a', 'hex');
  const img = new ProtoWriter().varint(1, 1_000_000).varint(2, 1_000_000).varint(3, 4).bytes(4, png);
  return [fileVersion(), summaryRecord(new ProtoWriter().string(1, 'bomb/image').message(4, img))];
}

/** An audio summary whose content type would make a browser run it as a page. */
export function audioHtml(): Buffer[] {
  return [fileVersion(), audioRecord('bomb/audio', Buffer.from('<script>alert(document.cookie)</script>'), 'text/html', 1)];
}

/** A record whose framing claims ~4 GiB of data in a file of a few bytes. */
export function truncatedHugeClaim(): Buffer {
  const r = encodeRecord(new ProtoWriter().double(1, 1).finish());
  r.writeUInt32LE(0xffff_fff0, 0);
  return r;
}

export interface HostileCase {
  /** Directory under the written root, also the train_url's last segment. */
  name: string;
  /** Data API route (under the viewer's `data/`) that makes the viewer decode the hostile value. */
  routes: string[];
}

/** Every case above, one directory (one run) each, under `root`. */
export function hostileLogs(root: string): HostileCase[] {
  const cases: Array<HostileCase & { records: Buffer[] }> = [
    { name: 'text-1e7', records: textShapeBomb([10_000_000]), routes: ['plugin/text/tags', 'plugin/text/text?run=.&tag=bomb%2Ftext'] },
    { name: 'text-1e5x1e5', records: textShapeBomb([100_000, 100_000]), routes: ['plugin/text/text?run=.&tag=bomb%2Ftext'] },
    { name: 'pr-1e8', records: prCurveShapeBomb(16_666_667), routes: ['plugin/pr_curves/tags', 'plugin/pr_curves/pr_curves?run=.&tag=bomb%2Fpr'] },
    { name: 'hist-1e7', records: histogramShapeBomb(10_000_000), routes: ['plugin/histograms/histograms?run=.&tag=bomb%2Fhist', 'plugin/distributions/distributions?run=.&tag=bomb%2Fhist'] },
    { name: 'deep', records: [fileVersion(), deepRecord(20_000)], routes: ['runs', 'plugin/text/tags'] },
    { name: 'image', records: imageLies(), routes: ['plugin/images/images?run=.&tag=bomb%2Fimage'] },
    { name: 'audio', records: audioHtml(), routes: ['plugin/audio/audio?run=.&tag=bomb%2Faudio'] },
    { name: 'huge-claim', records: [fileVersion(), truncatedHugeClaim()], routes: ['runs', 'problems'] },
  ];
  for (const c of cases) {
    const dir = join(root, c.name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'events.out.tfevents.1780000000.hostile'), Buffer.concat(c.records));
  }
  return cases.map(({ name, routes }) => ({ name, routes }));
}

/** An hparams value on which `^(a+)+$` backtracks exponentially in a backtracking regex engine. */
export const REDOS_PATTERN = '^(a+)+$';
export const REDOS_VALUE = 'a'.repeat(31) + '!';
