// Test and benchmark support, not production code: event files an attacker would write, each a
// few hundred bytes that *claim* far more than they hold (shape bombs), plus deep and oversized
// protobufs. Every record is framed with valid CRCs, so a reader cannot reject them at the
// framing layer: the claim has to be caught where values are decoded. `hostileLogs` writes one
// directory per case, named so a test or bench can open each through the viewer.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProtoWriter } from '../events/proto.js';
import { encodeRecord } from '../events/writer.js';

const DT_FLOAT = 1;
const DT_STRING = 7;

function shape(dims: number[]): ProtoWriter {
  const s = new ProtoWriter();
  for (const d of dims) s.message(2, new ProtoWriter().varint(1, d));
  return s;
}

function plugin(name: string, content?: Uint8Array): ProtoWriter {
  const pd = new ProtoWriter().string(1, name);
  if (content) pd.bytes(2, content);
  return new ProtoWriter().message(1, pd);
}

function summaryRecord(value: ProtoWriter, step = 1, wallTime = 1_780_000_000): Buffer {
  const e = new ProtoWriter().double(1, wallTime).varint(2, step).message(5, new ProtoWriter().message(1, value));
  return encodeRecord(e.finish());
}

function fileVersion(): Buffer {
  return encodeRecord(new ProtoWriter().double(1, 1_780_000_000).string(3, 'brain.Event:2').finish());
}

/** A text summary whose string tensor claims `dims` but holds one short string. */
export function textShapeBomb(dims: number[]): Buffer[] {
  const t = new ProtoWriter().varint(1, DT_STRING).message(2, shape(dims)).bytes(8, Buffer.from('boom'));
  return [fileVersion(), summaryRecord(new ProtoWriter().string(1, 'bomb/text').message(9, plugin('text')).message(8, t))];
}

/** A PR-curve tensor claiming [6, n] floats while holding one. */
export function prCurveShapeBomb(n: number): Buffer[] {
  const content = new ProtoWriter().varint(2, n).finish();
  const t = new ProtoWriter().varint(1, DT_FLOAT).message(2, shape([6, n])).packedFloats(5, [0.5]);
  return [fileVersion(), summaryRecord(new ProtoWriter().string(1, 'bomb/pr').message(9, plugin('pr_curves', content)).message(8, t))];
}

/** A histogram tensor claiming [n, 3] buckets while holding one bucket. */
export function histogramShapeBomb(n: number): Buffer[] {
  const t = new ProtoWriter().varint(1, DT_FLOAT).message(2, shape([n, 3])).packedFloats(5, [0, 1, 1]);
  return [fileVersion(), summaryRecord(new ProtoWriter().string(1, 'bomb/hist').message(9, plugin('histograms')).message(8, t))];
}

/** A summary value nested `depth` levels deep through the Summary/Value message fields. */
export function deepProto(depth: number): Buffer[] {
  // Field 5 of Event is a Summary; a Summary's field 1 is a Value; an unknown length-delimited
  // field nested inside itself makes a message a naive recursive walker descends `depth` times.
  let inner = new ProtoWriter().string(1, 'deep');
  for (let i = 0; i < depth; i++) inner = new ProtoWriter().message(15, inner);
  const v = new ProtoWriter().string(1, 'bomb/deep').message(9, plugin('text')).message(8, inner);
  return [fileVersion(), summaryRecord(v)];
}

/** An image summary whose claimed width × height is absurd and whose content type is hostile. */
export function imageLies(): Buffer[] {
  const png = Buffer.from('89504e470d0a1a0a', 'hex');
  const img = new ProtoWriter().varint(1, 1_000_000).varint(2, 1_000_000).varint(3, 4).bytes(4, png);
  return [fileVersion(), summaryRecord(new ProtoWriter().string(1, 'bomb/image').message(4, img))];
}

/** An audio summary whose content type would make a browser run it as a page. */
export function audioHtml(): Buffer[] {
  const html = Buffer.from('<script>alert(document.cookie)</script>');
  const au = new ProtoWriter().float(1, 44100).varint(2, 1).varint(3, 1_000_000_000).bytes(4, html).string(5, 'text/html');
  return [fileVersion(), summaryRecord(new ProtoWriter().string(1, 'bomb/audio').message(6, au))];
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
    { name: 'deep', records: deepProto(20_000), routes: ['runs', 'plugin/text/tags'] },
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
