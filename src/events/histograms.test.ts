// The histogram fast paths (tensorHistogram for TensorFlow 2's [k, 3] tensors, the packed
// HistogramProto reader) give exactly what the general decoders give, and leave every shape they
// do not take to them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtoWriter } from '../writer/index.js';
import { decodeTensor, DT_DOUBLE, DT_FLOAT, DT_INT32, tensorHistogram } from './tensor.js';
import { histoBuckets } from './values.js';

const ROWS = [-1.5, -0.5, 3, -0.5, 0.1, 0, 0.1, 1e300, 7, 1e300, Infinity, NaN, -0, 2 ** -149, 1];

function shape(dims: number[]): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of dims) w.message(2, new ProtoWriter().varint(1, d));
  return w;
}

function asBuffer(w: ProtoWriter): Buffer {
  const b = w.finish();
  // Not at offset 0 of its buffer, as a record inside a read is.
  const padded = Buffer.alloc(b.length + 7);
  padded.set(b, 3);
  return padded.subarray(3, 3 + b.length);
}

function general(buf: Buffer): number[] {
  return [...decodeTensor(buf, 0, buf.length).numbers.map(Math.fround)];
}

function contentOf(dtype: number, vs: number[]): Buffer {
  const b = Buffer.alloc(vs.length * (dtype === DT_DOUBLE ? 8 : 4));
  vs.forEach((v, i) => (dtype === DT_DOUBLE ? b.writeDoubleLE(v, i * 8) : b.writeFloatLE(v, i * 4)));
  return b;
}

test('tensorHistogram: [k, 3] float and double tensors, in tensor_content or a packed field, read as the general decoder reads them', () => {
  const k = ROWS.length / 3;
  const cases: [string, ProtoWriter][] = [
    ['double packed double_val', new ProtoWriter().varint(1, DT_DOUBLE).message(2, shape([k, 3])).packedDoubles(6, ROWS)],
    ['double tensor_content', new ProtoWriter().varint(1, DT_DOUBLE).message(2, shape([k, 3])).bytes(4, contentOf(DT_DOUBLE, ROWS))],
    ['float packed float_val', new ProtoWriter().varint(1, DT_FLOAT).message(2, shape([k, 3])).packedFloats(5, ROWS)],
    ['float tensor_content', new ProtoWriter().varint(1, DT_FLOAT).message(2, shape([k, 3])).bytes(4, contentOf(DT_FLOAT, ROWS))],
    ['content before shape', new ProtoWriter().varint(1, DT_DOUBLE).bytes(4, contentOf(DT_DOUBLE, ROWS)).message(2, shape([k, 3]))],
  ];
  for (const [name, w] of cases) {
    const buf = asBuffer(w);
    const fast = tensorHistogram(buf, 0, buf.length);
    assert.ok(fast, name);
    assert.deepEqual([...fast], general(buf), name);
  }
  const many = Array.from({ length: 300 }, (_, i) => Math.sin(i) * 1e3);
  const big = asBuffer(new ProtoWriter().varint(1, DT_DOUBLE).message(2, shape([100, 3])).packedDoubles(6, many));
  assert.deepEqual([...(tensorHistogram(big, 0, big.length) ?? [])], general(big));
});

test('tensorHistogram leaves every other tensor to the general decoder', () => {
  const rows6 = ROWS.slice(0, 6);
  const others: [string, ProtoWriter][] = [
    ['[k, 4]', new ProtoWriter().varint(1, DT_DOUBLE).message(2, shape([3, 4])).packedDoubles(6, [...ROWS.slice(0, 12)])],
    ['[k]', new ProtoWriter().varint(1, DT_DOUBLE).message(2, shape([6])).packedDoubles(6, rows6)],
    ['[1, k, 3]', new ProtoWriter().varint(1, DT_DOUBLE).message(2, shape([1, 2, 3])).packedDoubles(6, rows6)],
    ['more rows claimed than present', new ProtoWriter().varint(1, DT_DOUBLE).message(2, shape([1000, 3])).packedDoubles(6, rows6)],
    ['fewer rows claimed than present', new ProtoWriter().varint(1, DT_DOUBLE).message(2, shape([1, 3])).packedDoubles(6, rows6)],
    ['unpacked double_val', (() => { const w = new ProtoWriter().varint(1, DT_DOUBLE).message(2, shape([2, 3])); for (const v of rows6) w.double(6, v); return w; })()],
    ['elements split over two fields', new ProtoWriter().varint(1, DT_DOUBLE).message(2, shape([2, 3])).packedDoubles(6, rows6.slice(0, 3)).packedDoubles(6, rows6.slice(3))],
    ['double tensor with float_val', new ProtoWriter().varint(1, DT_DOUBLE).message(2, shape([2, 3])).packedFloats(5, rows6)],
    ['int32', new ProtoWriter().varint(1, DT_INT32).message(2, shape([2, 3])).bytes(4, Buffer.alloc(24))],
    ['no dtype', new ProtoWriter().message(2, shape([2, 3])).packedDoubles(6, rows6)],
    ['no shape', new ProtoWriter().varint(1, DT_DOUBLE).packedDoubles(6, rows6)],
    ['no elements', new ProtoWriter().varint(1, DT_DOUBLE).message(2, shape([0, 3]))],
    ['a named dim', new ProtoWriter().varint(1, DT_DOUBLE).message(2, new ProtoWriter().message(2, new ProtoWriter().varint(1, 2).string(2, 'rows')).message(2, new ProtoWriter().varint(1, 3))).packedDoubles(6, rows6)],
  ];
  for (const [name, w] of others) {
    const buf = asBuffer(w);
    assert.equal(tensorHistogram(buf, 0, buf.length), undefined, name);
  }
  // Cut anywhere: never an exception, never a wrong answer.
  const whole = asBuffer(new ProtoWriter().varint(1, DT_DOUBLE).message(2, shape([2, 3])).packedDoubles(6, rows6));
  for (let cut = 0; cut < whole.length; cut++) assert.equal(tensorHistogram(whole, 0, cut), undefined, `cut at ${cut}`);
});

function histo(limits: number[], counts: number[], packed: boolean, min = -3, max = 9): Buffer {
  const w = new ProtoWriter().double(1, min).double(2, max).double(3, 10).double(4, 5).double(5, 25);
  if (packed) w.packedDoubles(6, limits).packedDoubles(7, counts);
  else {
    for (const l of limits) w.double(6, l);
    for (const c of counts) w.double(7, c);
  }
  return asBuffer(w);
}

test('HistogramProto: packed buckets read as the field-by-field walk reads them', () => {
  const cases: [number[], number[]][] = [
    [[-1, 0, 1, 2, 1e300], [0, 0, 3, 4, 0]],
    [[-1, 0, 1], [5, 0, 7]],
    [[0.1, 0.2], [0, 0]],
    [[], []],
    [[1, 2], [1, 2, 3, 4]], // fewer limits than counts
    [[1, 2, 3, 4], [NaN, 2, -0, 1]],
  ];
  for (const [limits, counts] of cases) {
    const walked = histoBuckets(histo(limits, counts, false), 0, histo(limits, counts, false).length);
    const packed = histo(limits, counts, true);
    assert.deepEqual([...histoBuckets(packed, 0, packed.length)], [...walked], JSON.stringify([limits, counts]));
  }
});
