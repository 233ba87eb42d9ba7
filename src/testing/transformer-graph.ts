// A GraphDef shaped like what TensorFlow writes for a BERT-style encoder: nested name scopes
// (bert/encoder/layer_7/attention/self/query/…), variables read through `kernel/read` (so
// `kernel` is both an op and a scope), dropout subgraphs, layer norms, control inputs and
// `_output_shapes` on every node. `layers` sets the size: 50 layers is ~10,000 nodes, the
// dashboards benchmark's graph; tests use a few.
import { ProtoWriter } from '../writer/index.js';

const DT_FLOAT = 1;
const DT_INT32 = 3;

export interface GeneratedGraph {
  bytes: Uint8Array;
  nodes: number;
  /** Some node names a test may look for. */
  names: string[];
}

export function transformerGraphDef(layers: number, opts: { batch?: number; seq?: number; hidden?: number } = {}): GeneratedGraph {
  const B = opts.batch ?? 8;
  const S = opts.seq ?? 128;
  const H = opts.hidden ?? 768;
  const g = new ProtoWriter();
  const names: string[] = [];
  const device = '/job:localhost/replica:0/task:0/device:GPU:0';

  const shapeMsg = (dims: number[]): ProtoWriter => {
    const s = new ProtoWriter();
    for (const d of dims) s.message(2, new ProtoWriter().varint(1, d));
    return s;
  };
  const add = (name: string, op: string, inputs: string[], shape: number[], dtype = DT_FLOAT): string => {
    const n = new ProtoWriter().string(1, name).string(2, op);
    for (const i of inputs) n.string(3, i);
    n.string(4, device);
    n.message(5, new ProtoWriter().string(1, 'T').message(2, new ProtoWriter().varint(6, dtype)));
    n.message(5, new ProtoWriter().string(1, '_output_shapes').message(2, new ProtoWriter().message(1, new ProtoWriter().message(7, shapeMsg(shape)))));
    if (op === 'MatMul') {
      n.message(5, new ProtoWriter().string(1, 'transpose_a').message(2, new ProtoWriter().varint(5, 0)));
      n.message(5, new ProtoWriter().string(1, 'transpose_b').message(2, new ProtoWriter().varint(5, 0)));
    }
    g.message(1, n);
    names.push(name);
    return name;
  };
  const konst = (name: string, shape: number[] = []): string => add(name, 'Const', [], shape);
  const variable = (scope: string, leaf: string, shape: number[]): string => {
    add(`${scope}/${leaf}`, 'VariableV2', [], shape);
    return add(`${scope}/${leaf}/read`, 'Identity', [`${scope}/${leaf}`], shape);
  };
  const dense = (scope: string, x: string, inDim: number, outDim: number): string => {
    const k = variable(scope, 'kernel', [inDim, outDim]);
    const b = variable(scope, 'bias', [outDim]);
    const mm = add(`${scope}/MatMul`, 'MatMul', [x, k], [B * S, outDim]);
    return add(`${scope}/BiasAdd`, 'BiasAdd', [mm, b], [B * S, outDim]);
  };
  const dropout = (scope: string, x: string, shape: number[]): string => {
    const sh = konst(`${scope}/Shape`, [shape.length]);
    const ru = add(`${scope}/random_uniform/RandomUniform`, 'RandomUniform', [sh], shape);
    const mx = konst(`${scope}/random_uniform/max`);
    const mn = konst(`${scope}/random_uniform/min`);
    const sub = add(`${scope}/random_uniform/sub`, 'Sub', [mx, mn], []);
    const mul = add(`${scope}/random_uniform/mul`, 'Mul', [ru, sub], shape);
    const u = add(`${scope}/random_uniform`, 'Add', [mul, mn], shape);
    const rate = konst(`${scope}/rate`);
    const ge = add(`${scope}/GreaterEqual`, 'GreaterEqual', [u, rate], shape);
    const cast = add(`${scope}/Cast`, 'Cast', [ge], shape);
    const scaled = add(`${scope}/mul`, 'Mul', [x, konst(`${scope}/mul/y`)], shape);
    return add(`${scope}/mul_1`, 'Mul', [scaled, cast], shape);
  };
  const layerNorm = (scope: string, x: string): string => {
    const gamma = variable(scope, 'gamma', [H]);
    const beta = variable(scope, 'beta', [H]);
    const ri = konst(`${scope}/moments/mean/reduction_indices`, [1]);
    const mean = add(`${scope}/moments/mean`, 'Mean', [x, ri], [B * S, 1]);
    const sg = add(`${scope}/moments/StopGradient`, 'StopGradient', [mean], [B * S, 1]);
    const sd = add(`${scope}/moments/SquaredDifference`, 'SquaredDifference', [x, sg], [B * S, H]);
    const vri = konst(`${scope}/moments/variance/reduction_indices`, [1]);
    const v = add(`${scope}/moments/variance`, 'Mean', [sd, vri], [B * S, 1]);
    const eps = konst(`${scope}/batchnorm/add/y`);
    const a = add(`${scope}/batchnorm/add`, 'AddV2', [v, eps], [B * S, 1]);
    const r = add(`${scope}/batchnorm/Rsqrt`, 'Rsqrt', [a], [B * S, 1]);
    const m = add(`${scope}/batchnorm/mul`, 'Mul', [r, gamma], [B * S, H]);
    const m1 = add(`${scope}/batchnorm/mul_1`, 'Mul', [x, m], [B * S, H]);
    const m2 = add(`${scope}/batchnorm/mul_2`, 'Mul', [mean, m], [B * S, H]);
    const s = add(`${scope}/batchnorm/sub`, 'Sub', [beta, m2], [B * S, H]);
    return add(`${scope}/batchnorm/add_1`, 'AddV2', [m1, s], [B * S, H]);
  };
  const heads = 12;
  const dh = H / heads;
  const attention = (scope: string, x: string, mask: string): string => {
    const self = `${scope}/self`;
    const proj = (which: string): string => {
      const d = dense(`${self}/${which}`, x, H, H);
      const r = add(`${self}/Reshape_${which}`, 'Reshape', [d, konst(`${self}/Reshape_${which}/shape`, [4])], [B, S, heads, dh]);
      return add(`${self}/transpose_${which}`, 'Transpose', [r, konst(`${self}/transpose_${which}/perm`, [4])], [B, heads, S, dh]);
    };
    const q = proj('query');
    const k = proj('key');
    const v = proj('value');
    const scores = add(`${self}/MatMul`, 'BatchMatMulV2', [q, k], [B, heads, S, S]);
    const scaled = add(`${self}/Mul`, 'Mul', [scores, konst(`${self}/Mul/y`)], [B, heads, S, S]);
    const masked = add(`${self}/add`, 'AddV2', [scaled, mask], [B, heads, S, S]);
    const probs = add(`${self}/Softmax`, 'Softmax', [masked], [B, heads, S, S]);
    const dropped = dropout(`${self}/dropout`, probs, [B, heads, S, S]);
    const ctx = add(`${self}/MatMul_1`, 'BatchMatMulV2', [dropped, v], [B, heads, S, dh]);
    const t = add(`${self}/transpose_context`, 'Transpose', [ctx, konst(`${self}/transpose_context/perm`, [4])], [B, S, heads, dh]);
    const merged = add(`${self}/Reshape_context`, 'Reshape', [t, konst(`${self}/Reshape_context/shape`, [2])], [B * S, H]);
    const out = dense(`${scope}/output/dense`, merged, H, H);
    const d = dropout(`${scope}/output/dropout`, out, [B * S, H]);
    const res = add(`${scope}/output/add`, 'AddV2', [d, x], [B * S, H]);
    return layerNorm(`${scope}/output/LayerNorm`, res);
  };

  // Embeddings.
  const ids = add('input_ids', 'Placeholder', [], [B, S], DT_INT32);
  const maskIn = add('input_mask', 'Placeholder', [], [B, S], DT_INT32);
  const table = variable('bert/embeddings', 'word_embeddings', [30522, H]);
  const flat = add('bert/embeddings/Reshape', 'Reshape', [ids, konst('bert/embeddings/Reshape/shape', [1])], [B * S], DT_INT32);
  const gathered = add('bert/embeddings/GatherV2', 'GatherV2', [table, flat, konst('bert/embeddings/GatherV2/axis')], [B * S, H]);
  const pos = variable('bert/embeddings', 'position_embeddings', [512, H]);
  const posSlice = add('bert/embeddings/Slice', 'Slice', [pos, konst('bert/embeddings/Slice/begin', [2]), konst('bert/embeddings/Slice/size', [2])], [S, H]);
  const summed = add('bert/embeddings/add', 'AddV2', [gathered, posSlice], [B * S, H]);
  const normed = layerNorm('bert/embeddings/LayerNorm', summed);
  let x = dropout('bert/embeddings/dropout', normed, [B * S, H]);
  const maskF = add('bert/encoder/Cast', 'Cast', [maskIn], [B, 1, 1, S]);
  const maskSub = add('bert/encoder/sub', 'Sub', [konst('bert/encoder/sub/x'), maskF], [B, 1, 1, S]);
  const mask = add('bert/encoder/mul', 'Mul', [maskSub, konst('bert/encoder/mul/y')], [B, 1, 1, S]);

  for (let l = 0; l < layers; l++) {
    const scope = `bert/encoder/layer_${l}`;
    const attn = attention(`${scope}/attention`, x, mask);
    const inter = dense(`${scope}/intermediate/dense`, attn, H, 4 * H);
    const p3 = add(`${scope}/intermediate/dense/Pow`, 'Pow', [inter, konst(`${scope}/intermediate/dense/Pow/y`)], [B * S, 4 * H]);
    const m = add(`${scope}/intermediate/dense/mul`, 'Mul', [konst(`${scope}/intermediate/dense/mul/x`), p3], [B * S, 4 * H]);
    const a = add(`${scope}/intermediate/dense/add`, 'AddV2', [inter, m], [B * S, 4 * H]);
    const m1 = add(`${scope}/intermediate/dense/mul_1`, 'Mul', [konst(`${scope}/intermediate/dense/mul_1/x`), a], [B * S, 4 * H]);
    const th = add(`${scope}/intermediate/dense/Tanh`, 'Tanh', [m1], [B * S, 4 * H]);
    const a1 = add(`${scope}/intermediate/dense/add_1`, 'AddV2', [konst(`${scope}/intermediate/dense/add_1/x`), th], [B * S, 4 * H]);
    const m2 = add(`${scope}/intermediate/dense/mul_2`, 'Mul', [konst(`${scope}/intermediate/dense/mul_2/x`), a1], [B * S, 4 * H]);
    const gelu = add(`${scope}/intermediate/dense/mul_3`, 'Mul', [inter, m2], [B * S, 4 * H]);
    const out = dense(`${scope}/output/dense`, gelu, 4 * H, H);
    const d = dropout(`${scope}/output/dropout`, out, [B * S, H]);
    const res = add(`${scope}/output/add`, 'AddV2', [d, attn], [B * S, H]);
    x = layerNorm(`${scope}/output/LayerNorm`, res);
  }

  // Pooler and loss; the train op waits on the loss by a control input.
  const first = add('bert/pooler/strided_slice', 'StridedSlice', [x, konst('bert/pooler/strided_slice/stack', [2])], [B, H]);
  const pooled = add('bert/pooler/dense/Tanh', 'Tanh', [dense('bert/pooler/dense', first, H, H)], [B, H]);
  const logits = dense('loss/output', pooled, H, 2);
  const labels = add('label_ids', 'Placeholder', [], [B], DT_INT32);
  const xent = add('loss/SparseSoftmaxCrossEntropyWithLogits', 'SparseSoftmaxCrossEntropyWithLogits', [logits, labels], [B]);
  const loss = add('loss/Mean', 'Mean', [xent, konst('loss/Const', [1])], []);
  add('train_op', 'NoOp', [`^${loss}`], []);

  g.message(4, new ProtoWriter().varint(1, 1205));
  return { bytes: g.finish(), nodes: names.length, names };
}
