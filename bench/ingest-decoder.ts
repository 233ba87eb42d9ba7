// Micro-benchmark: decoding the hot record (Event → Summary → Value → simple_value / float tensor)
// with our hand-written walker versus @bufbuild/protobuf's reflective fromBinary over the same
// schema (built at runtime from the field numbers in tensorboard-facts.md; generated code in
// protobuf-es v2 is also reflective — it embeds this same descriptor — so this is what codegen
// would run). Framing and CRC are excluded: only decoding is compared.
import { create, fromBinary, createFileRegistry, type DescMessage } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, FieldDescriptorProto_Type as T, FieldDescriptorProto_Label as L } from '@bufbuild/protobuf/wkt';
import { EventEncoder } from '../dist/writer/index.js';
import { EventDecoder } from '../dist/events/event-decoder.js';
import { RunState, newFileState } from '../dist/events/run.js';

const f = (name: string, number: number, type: T, typeName?: string, repeated = false) => ({
  name,
  number,
  type,
  typeName,
  label: repeated ? L.REPEATED : L.OPTIONAL,
  jsonName: name,
});

const file = create(FileDescriptorProtoSchema, {
  name: 'event.proto',
  package: 'tb',
  syntax: 'proto3',
  messageType: [
    { name: 'Event', field: [f('wall_time', 1, T.DOUBLE), f('step', 2, T.INT64), f('file_version', 3, T.STRING), f('summary', 5, T.MESSAGE, '.tb.Summary')] },
    { name: 'Summary', field: [f('value', 1, T.MESSAGE, '.tb.Value', true)] },
    {
      name: 'Value',
      field: [f('tag', 1, T.STRING), f('simple_value', 2, T.FLOAT), f('metadata', 9, T.MESSAGE, '.tb.SummaryMetadata'), f('tensor', 8, T.MESSAGE, '.tb.Tensor')],
    },
    { name: 'SummaryMetadata', field: [f('display_name', 2, T.STRING), f('summary_description', 3, T.STRING)] },
    {
      name: 'Tensor',
      field: [f('dtype', 1, T.INT32), f('tensor_content', 4, T.BYTES), f('float_val', 5, T.FLOAT, undefined, true), f('double_val', 6, T.DOUBLE, undefined, true)],
    },
  ],
});
const registry = createFileRegistry(file, () => undefined);
const EventDesc = registry.getMessage('tb.Event') as DescMessage;

// 200,000 records, half TF1 simple_value, half TF2 tensor_content, as in the ingest corpus.
const tf1 = new EventEncoder('tf1');
const tf2 = new EventEncoder('tf2');
const records: Buffer[] = [];
for (let i = 0; i < 100_000; i++) {
  records.push(tf1.scalar(`loss/tag${i % 5}`, i * 0.001, i, 1.7e9 + i));
  records.push(tf2.scalar(`metric/tag${i % 5}`, i * 0.002, i, 1.7e9 + i));
}
const all = Buffer.concat(records);
const spans: number[] = [];
{
  let o = 0;
  for (const r of records) {
    spans.push(o + 12, o + r.length - 4);
    o += r.length;
  }
}

function hand(): number {
  const run = new RunState('bench');
  const decoder = new EventDecoder();
  decoder.run = run;
  decoder.file = newFileState('k', '');
  for (let i = 0; i < spans.length; i += 2) decoder.record(all, spans[i], spans[i + 1], 0);
  let n = 0;
  for (const t of run.tags.values()) n += t.store.length;
  return n;
}

function reflective(): number {
  let n = 0;
  let sum = 0;
  for (let i = 0; i < spans.length; i += 2) {
    const ev = fromBinary(EventDesc, all.subarray(spans[i], spans[i + 1])) as unknown as {
      summary?: { value: Array<{ tag: string; simpleValue: number; tensor?: { tensorContent: Uint8Array } }> };
    };
    for (const v of ev.summary?.value ?? []) {
      const c = v.tensor?.tensorContent;
      sum += c && c.length === 4 ? new DataView(c.buffer, c.byteOffset, 4).getFloat32(0, true) : v.simpleValue;
      n++;
    }
  }
  return sum === sum ? n : n;
}

function time(fn: () => number, reps: number): { best: number; median: number; n: number } {
  const times: number[] = [];
  let n = 0;
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    n = fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { best: times[0], median: times[Math.floor(times.length / 2)], n };
}

const reps = Number(process.env.REPS ?? 7);
const h = time(hand, reps);
const r = time(reflective, reps);
const perRec = (ms: number) => ((ms * 1e6) / records.length).toFixed(0);
console.log(JSON.stringify({ records: records.length, hand: h, reflective: r }));
console.log(`hand-written walker: best ${h.best.toFixed(1)} ms (${perRec(h.best)} ns/record), median ${h.median.toFixed(1)} ms`);
console.log(`@bufbuild/protobuf fromBinary: best ${r.best.toFixed(1)} ms (${perRec(r.best)} ns/record), median ${r.median.toFixed(1)} ms`);
console.log(`ratio (reflective / hand-written, best): ${(r.best / h.best).toFixed(1)}×`);
