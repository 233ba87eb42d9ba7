// GraphDef → pbtxt over hostile bytes: garbage, deep nesting and huge claimed lengths never throw
// anything but ResponseTooLarge, and the text never passes its byte or node cap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ProtoWriter } from '../writer/index.js';
import { graphDefToPbtxt } from './graph-pbtxt.js';
import { ResponseTooLarge } from './tb-json.js';

function node(name: string, attrs: Uint8Array[]): ProtoWriter {
  const n = new ProtoWriter().string(1, name).string(2, 'Op');
  for (const a of attrs) n.bytes(5, new ProtoWriter().string(1, 'k').bytes(2, a).finish());
  return n;
}

function convert(bytes: Uint8Array, maxBytes: number, maxNodes: number): string | undefined {
  try {
    return graphDefToPbtxt(bytes, maxBytes, maxNodes);
  } catch (err) {
    assert.ok(err instanceof ResponseTooLarge, String(err));
    return undefined;
  }
}

test('random, nested and lying GraphDefs convert within the caps or are refused', () => {
  const attr = fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    // A list of packed types: the text's worst case per byte.
    fc.uint8Array({ minLength: 1, maxLength: 400 }).map((b) => new ProtoWriter().message(1, new ProtoWriter().bytes(6, b.map((x) => x & 0x7f))).finish()),
    // Nested shapes inside lists inside attrs, and a length that claims more than is there.
    fc.integer({ min: 1, max: 2 ** 40 }).map((claimed) => Buffer.concat([Uint8Array.of(0x3a), Buffer.from(new ProtoWriter().varint(1, claimed).finish().subarray(1)), Buffer.alloc(3)])),
  );
  const graph = fc.array(fc.tuple(fc.string({ maxLength: 20 }), fc.array(attr, { maxLength: 4 })), { maxLength: 40 }).map((nodes) => {
    const g = new ProtoWriter();
    for (const [name, attrs] of nodes) g.message(1, node(name, attrs));
    return g.finish();
  });
  fc.assert(
    fc.property(graph, fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 256, max: 20_000 }), fc.integer({ min: 1, max: 50 }), (g, garbage, maxBytes, maxNodes) => {
      for (const bytes of [g, Buffer.concat([g, garbage]), garbage]) {
        const out = convert(bytes, maxBytes, maxNodes);
        if (out !== undefined) {
          assert.ok(out.length <= maxBytes, `${out.length} > ${maxBytes}`);
          assert.ok((out.match(/^node \{$/gm) ?? []).length <= maxNodes);
        }
      }
    }),
    { numRuns: 300 },
  );
});

test('a long varint run and millions of tiny fields convert in bounded time and memory', () => {
  const run = new Uint8Array(1 << 20).fill(0xff);
  const list = new ProtoWriter().message(1, new ProtoWriter().bytes(3, run)).finish();
  const tiny = new Uint8Array(4 << 20);
  for (let i = 0; i < tiny.length; i += 2) tiny[i] = 0x78; // field 15, varint 0: skipped
  const t0 = performance.now();
  const out = convert(Buffer.concat([new ProtoWriter().message(1, node('n', [list])).finish(), tiny]), 1 << 20, 10);
  assert.ok(out?.includes('name: "n"'));
  assert.ok(performance.now() - t0 < 5000, `${performance.now() - t0} ms`);
});
