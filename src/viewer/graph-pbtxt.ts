// GraphDef bytes → protobuf text format, what TensorBoard's `graphs/graph` route sends and its
// graph dashboard parses. Hand-written over the wire format (the engine keeps graphs as byte
// ranges, and a full proto runtime for one route is not worth a dependency): nodes with name, op,
// inputs, device and attrs (scalars, strings, types, shapes and lists of them), plus versions.
// Unknown fields are skipped, truncated input ends the output early but never throws — except
// when the text would pass its caps (nodes, bytes: limits.ts), which throws ResponseTooLarge as
// soon as a piece being built passes the byte cap (lists and escapes expand bytes up to ~30×, so
// the check is on the text, not the input). Nesting is fixed (node → attr → list → shape), so
// hostile depth cannot recurse.
import { LIMITS } from '../events/index.js';
import { ResponseTooLarge } from './tb-json.js';

const DATA_TYPES: Record<number, string> = {
  1: 'DT_FLOAT', 2: 'DT_DOUBLE', 3: 'DT_INT32', 4: 'DT_UINT8', 5: 'DT_INT16', 6: 'DT_INT8', 7: 'DT_STRING',
  8: 'DT_COMPLEX64', 9: 'DT_INT64', 10: 'DT_BOOL', 14: 'DT_BFLOAT16', 17: 'DT_UINT16', 19: 'DT_HALF',
  22: 'DT_UINT32', 23: 'DT_UINT64',
};

interface Field {
  no: number;
  wire: number;
  varint?: bigint;
  bytes?: Uint8Array;
  fixed?: Buffer;
}

/** The fields of a message one at a time: a list of them would cost ~50× a graph of tiny fields. */
function* fields(buf: Uint8Array): Generator<Field> {
  let p = 0;
  const varint = (): bigint | undefined => {
    let r = 0n;
    let shift = 0n;
    while (p < buf.length) {
      const b = buf[p++];
      r |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return r;
      shift += 7n;
      if (shift > 70n) return undefined;
    }
    return undefined;
  };
  while (p < buf.length) {
    const key = varint();
    if (key === undefined) break;
    const no = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) {
      const v = varint();
      if (v === undefined) break;
      yield { no, wire, varint: v };
    } else if (wire === 2) {
      const len = varint();
      if (len === undefined || p + Number(len) > buf.length) break;
      const at = p;
      p += Number(len);
      yield { no, wire, bytes: buf.subarray(at, p) };
    } else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      if (p + n > buf.length) break;
      const at = p;
      p += n;
      yield { no, wire, fixed: Buffer.from(buf.subarray(at, p)) };
    } else break;
  }
}

/** The first field numbered `no` of a message. */
function firstField(buf: Uint8Array, no: number): Field | undefined {
  for (const f of fields(buf)) if (f.no === no) return f;
  return undefined;
}

/** Byte cap of the conversion under way (graphDefToPbtxt is synchronous: one at a time). */
let maxText = Infinity;

/** Throws once a piece of text under construction passes the cap. */
function check(s: string): string {
  if (s.length > maxText) throw new ResponseTooLarge(s.length);
  return s;
}

function quote(bytes: Uint8Array): string {
  if (bytes.length * 4 + 2 > maxText) throw new ResponseTooLarge(bytes.length * 4 + 2);
  let s = '"';
  for (const b of bytes) {
    if (b === 0x22) s += '\\"';
    else if (b === 0x5c) s += '\\\\';
    else if (b === 0x0a) s += '\\n';
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += '\\' + b.toString(8).padStart(3, '0');
  }
  return s + '"';
}

const signed = (v: bigint): bigint => BigInt.asIntN(64, v);

function* packedVarints(f: Field): Generator<bigint> {
  if (f.varint !== undefined) {
    yield f.varint;
    return;
  }
  // Packed: the bytes are a run of varints.
  const b = f.bytes ?? new Uint8Array();
  let p = 0;
  while (p < b.length) {
    let r = 0n;
    let shift = 0n;
    for (;;) {
      const x = b[p++];
      // Bits past a varint's 10 bytes are dropped: a long run would otherwise grow one BigInt quadratically.
      if (shift < 70n) r |= BigInt(x & 0x7f) << shift;
      if ((x & 0x80) === 0 || p >= b.length) break;
      shift += 7n;
    }
    yield r;
  }
}

function* packedFloats(f: Field): Generator<number> {
  if (f.fixed) {
    yield f.fixed.readFloatLE(0);
    return;
  }
  const b = Buffer.from(f.bytes ?? new Uint8Array());
  for (let i = 0; i + 4 <= b.length; i += 4) yield b.readFloatLE(i);
}

function shape(buf: Uint8Array, ind: string): string {
  let s = '';
  for (const f of fields(buf)) {
    if (f.no === 2 && f.bytes) {
      const size = firstField(f.bytes, 1)?.varint;
      const name = firstField(f.bytes, 2)?.bytes;
      s = check(s + `${ind}dim {\n${size !== undefined ? `${ind}  size: ${signed(size)}\n` : ''}${name ? `${ind}  name: ${quote(name)}\n` : ''}${ind}}\n`);
    } else if (f.no === 3 && f.varint) s = check(s + `${ind}unknown_rank: true\n`);
  }
  return s;
}

function listValue(buf: Uint8Array, ind: string): string {
  let s = '';
  for (const f of fields(buf)) {
    if (f.no === 2 && f.bytes) s += `${ind}s: ${quote(f.bytes)}\n`;
    else if (f.no === 3) for (const v of packedVarints(f)) s = check(s + `${ind}i: ${signed(v)}\n`);
    else if (f.no === 4) for (const v of packedFloats(f)) s = check(s + `${ind}f: ${v}\n`);
    else if (f.no === 5) for (const v of packedVarints(f)) s = check(s + `${ind}b: ${v !== 0n}\n`);
    else if (f.no === 6) for (const v of packedVarints(f)) s = check(s + `${ind}type: ${DATA_TYPES[Number(v)] ?? Number(v)}\n`);
    else if (f.no === 7 && f.bytes) s += `${ind}shape {\n${shape(f.bytes, ind + '  ')}${ind}}\n`;
    check(s);
  }
  return s;
}

function attrValue(buf: Uint8Array, ind: string): string {
  let s = '';
  for (const f of fields(buf)) {
    if (f.no === 1 && f.bytes) s += `${ind}list {\n${listValue(f.bytes, ind + '  ')}${ind}}\n`;
    else if (f.no === 2 && f.bytes) s += `${ind}s: ${quote(f.bytes)}\n`;
    else if (f.no === 3 && f.varint !== undefined) s += `${ind}i: ${signed(f.varint)}\n`;
    else if (f.no === 4 && f.fixed) s += `${ind}f: ${f.fixed.readFloatLE(0)}\n`;
    else if (f.no === 5 && f.varint !== undefined) s += `${ind}b: ${f.varint !== 0n}\n`;
    else if (f.no === 6 && f.varint !== undefined) s += `${ind}type: ${DATA_TYPES[Number(f.varint)] ?? Number(f.varint)}\n`;
    else if (f.no === 7 && f.bytes) s += `${ind}shape {\n${shape(f.bytes, ind + '  ')}${ind}}\n`;
    else if (f.no === 9 && f.bytes) s += `${ind}placeholder: ${quote(f.bytes)}\n`;
  }
  return s;
}

function node(buf: Uint8Array): string {
  let s = 'node {\n';
  for (const f of fields(buf)) {
    if (!f.bytes) continue;
    if (f.no === 1) s += `  name: ${quote(f.bytes)}\n`;
    else if (f.no === 2) s += `  op: ${quote(f.bytes)}\n`;
    else if (f.no === 3) s += `  input: ${quote(f.bytes)}\n`;
    else if (f.no === 4) s += `  device: ${quote(f.bytes)}\n`;
    else if (f.no === 5) {
      const key = firstField(f.bytes, 1)?.bytes;
      const value = firstField(f.bytes, 2)?.bytes;
      s += `  attr {\n    key: ${quote(key ?? new Uint8Array())}\n    value {\n${attrValue(value ?? new Uint8Array(), '      ')}    }\n  }\n`;
    }
    check(s);
  }
  return s + '}\n';
}

export function graphDefToPbtxt(buf: Uint8Array, maxBytes = LIMITS.responseBytes, maxNodes = LIMITS.graphNodes): string {
  let s = '';
  let nodes = 0;
  maxText = maxBytes;
  try {
    for (const f of fields(buf)) {
      if (f.no === 1 && f.bytes) {
        if (++nodes > maxNodes) throw new ResponseTooLarge(Infinity);
        s = check(s + node(f.bytes));
      } else if (f.no === 4 && f.bytes) {
        const producer = firstField(f.bytes, 1)?.varint;
        s = check(s + `versions {\n${producer !== undefined ? `  producer: ${producer}\n` : ''}}\n`);
      }
    }
  } finally {
    maxText = Infinity;
  }
  return s;
}
