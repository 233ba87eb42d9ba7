// The Graphs tab's pure logic, run under Node as its worker runs it: the pbtxt the data API sends
// parsed back into the GraphDef's nodes, TensorBoard's name-scope grouping, the layout of one
// expansion (boxes nested in their open groups, edges aggregated at their lowest common group),
// and a node's details. Hostile text never throws and never recurses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ProtoWriter } from '../writer/index.js';
import { graphDefToPbtxt } from '../viewer/graph-pbtxt.js';
import { transformerGraphDef } from '../testing/transformer-graph.js';
import { parseGraphPbtxt, parsePbtxt, formatShape } from '../web/viewer/graphs/pbtxt.js';
import { buildHierarchy, representatives } from '../web/viewer/graphs/hierarchy.js';
import { GraphLayouter } from '../web/viewer/graphs/layout.js';
import { GraphModel } from '../web/viewer/graphs/model.js';

function graphDef(nodes: Array<{ name: string; op: string; inputs?: string[] }>): Uint8Array {
  const g = new ProtoWriter();
  for (const n of nodes) {
    const w = new ProtoWriter().string(1, n.name).string(2, n.op);
    for (const i of n.inputs ?? []) w.string(3, i);
    g.message(1, w);
  }
  return g.finish();
}

const textOf = (nodes: Array<{ name: string; op: string; inputs?: string[] }>): string => graphDefToPbtxt(graphDef(nodes));

test('the pbtxt the data API sends parses back into every node with its op, inputs, device and attributes', () => {
  const g = transformerGraphDef(2);
  const parsed = parseGraphPbtxt(graphDefToPbtxt(g.bytes));
  assert.equal(parsed.error, undefined);
  assert.equal(parsed.nodes.length, g.nodes);
  assert.deepEqual(parsed.nodes.map((n) => n.name), g.names);
  const mm = parsed.nodes.find((n) => n.name === 'bert/encoder/layer_1/attention/self/query/MatMul');
  assert.ok(mm);
  assert.equal(mm.op, 'MatMul');
  assert.equal(mm.device, '/job:localhost/replica:0/task:0/device:GPU:0');
  assert.deepEqual(mm.inputs, ['bert/encoder/layer_0/output/LayerNorm/batchnorm/add_1', 'bert/encoder/layer_1/attention/self/query/kernel/read']);
  assert.deepEqual(mm.attrs.map(([k]) => k), ['T', '_output_shapes', 'transpose_a', 'transpose_b']);
});

test('escaped names (octal UTF-8 bytes, quotes, backslashes) decode to the names written', () => {
  const names = ['模型/层/权重', 'a"b/c\\d', 'tab\there/x'];
  const parsed = parseGraphPbtxt(textOf(names.map((name) => ({ name, op: 'Const' }))));
  assert.deepEqual(parsed.nodes.map((n) => n.name), names);
});

test('shapes read as TensorBoard shows them, unknown sizes as ?', () => {
  const { root } = parsePbtxt('shape { dim { size: 2 } dim { size: -1 } dim { } }');
  const shape = root.shape[0];
  assert.ok(typeof shape !== 'string');
  assert.equal(formatShape(shape), '[2, ?, ?]');
  const unknown = parsePbtxt('shape { unknown_rank: true }').root.shape[0];
  assert.ok(typeof unknown !== 'string');
  assert.equal(formatShape(unknown), '<unknown>');
});

test('text cut anywhere keeps the whole nodes before the cut and says it stopped, never throws', () => {
  const text = textOf([{ name: 'a', op: 'X' }, { name: 'b', op: 'Y', inputs: ['a'] }, { name: 'c', op: 'Z', inputs: ['b'] }]);
  for (let cut = 0; cut < text.length; cut++) {
    const p = parseGraphPbtxt(text.slice(0, cut));
    const whole = (text.slice(0, cut).match(/^}$/gm) ?? []).length;
    assert.ok(p.nodes.length >= whole - 0 && p.nodes.length <= whole + 1, `cut ${cut}: ${p.nodes.length} nodes, ${whole} closed`);
    if (cut > 0 && !/}\n?$/.test(text.slice(0, cut))) assert.ok(p.error, `cut ${cut} not reported`);
  }
});

test('random text, deep nesting and a 100,000-segment name neither throw nor recurse', () => {
  fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => { parseGraphPbtxt(s); }), { numRuns: 500 });
  fc.assert(fc.property(fc.array(fc.constantFrom('node', '{', '}', ':', '"x"', 'name', '<', '>', '#c\n', ' ', "'y'", '\\'), { maxLength: 60 }), (parts) => {
    parseGraphPbtxt(parts.join(''));
  }), { numRuns: 500 });
  const deep = 'a {'.repeat(200_000);
  assert.ok(parsePbtxt(deep).error);
  const longName = Array.from({ length: 100_000 }, (_, i) => `s${i}`).join('/');
  const h = buildHierarchy(parseGraphPbtxt(textOf([{ name: longName, op: 'X' }, { name: 'y', op: 'Y', inputs: [longName] }])).nodes);
  assert.equal(h.depth[h.itemOfNode[0]], 100_000);
  const result = new GraphLayouter(h).layout([]);
  assert.equal(result.items.length, 2);
});

test('a node a/b/c lives in group a/b; a node that is also a scope goes inside it as (name)', () => {
  const h = buildHierarchy(parseGraphPbtxt(textOf([
    { name: 'a/b/c', op: 'X' },
    { name: 'dense', op: 'MatMul', inputs: ['a/b/c'] },
    { name: 'dense/kernel', op: 'VariableV2' },
    { name: 'top', op: 'Y', inputs: ['^dense', 'a/b/c:1', 'missing'] },
  ])).nodes);
  const item = (full: string): number => h.fullName.indexOf(full);
  const c = h.itemOfNode[0];
  assert.equal(h.fullName[h.parent[c]], 'a/b');
  assert.equal(h.fullName[h.parent[h.parent[c]]], 'a');
  assert.equal(h.parent[item('a')], 0);
  const dense = h.itemOfNode[1];
  assert.equal(h.label[dense], '(dense)');
  assert.equal(h.isGroup[h.parent[dense]], 1);
  assert.equal(h.fullName[h.parent[dense]], 'dense');
  assert.equal(h.opCount[item('a')], 1);
  assert.equal(h.opCount[0], 4);
  // ^dense is a control input, a/b/c:1 the node a/b/c, 'missing' names nothing.
  const edges = Array.from(h.edgeSrc, (s, i) => [s, h.edgeDst[i], h.edgeControl[i]]);
  assert.deepEqual(edges, [[0, 1, 0], [1, 3, 1], [0, 3, 0]]);
  assert.equal(h.danglingInputs, 1);
  // Closed, everything under `a` is shown as `a`; opened, each item stands for itself.
  assert.equal(representatives(h, new Set())[c], item('a'));
  assert.equal(representatives(h, new Set([item('a')]))[c], item('a/b'));
  assert.equal(representatives(h, new Set([item('a'), item('a/b')]))[c], c);
});

test('layout: closed groups are single boxes, edges meet at their lowest common group with counts, open groups hold their children', () => {
  const g = transformerGraphDef(7);
  const h = buildHierarchy(parseGraphPbtxt(graphDefToPbtxt(g.bytes)).nodes);
  const L = new GraphLayouter(h);
  const item = (full: string): number => h.fullName.indexOf(full);
  const closed = L.layout([]);
  assert.deepEqual([...closed.items].map((i) => h.fullName[i]).sort(), ['bert', 'input_ids', 'input_mask', 'label_ids', 'loss', 'train_op']);
  // bert → loss stands for the one edge from the pooler into loss/output.
  const e = [...closed.edgeFrom].findIndex((a, i) => a === item('bert') && closed.edgeTo[i] === item('loss'));
  assert.ok(e >= 0);
  assert.equal(closed.edgeCount[e], 1);
  assert.equal(closed.edgeControl[[...closed.edgeFrom].findIndex((a) => a === item('loss'))], 1, 'loss → train_op is a control edge');

  const open = [item('bert'), item('bert/encoder'), item('bert/encoder/layer_1')];
  const r = L.layout(open);
  const at = (i: number): number => [...r.items].indexOf(i);
  for (let k = 0; k < r.items.length; k++) {
    const p = h.parent[r.items[k]];
    if (p === 0) continue;
    const q = at(p);
    assert.ok(q >= 0 && q < k, 'a shown item comes after its shown parent');
    assert.equal(r.open[q], 1);
    const inside = r.x[k] >= r.x[q] && r.y[k] >= r.y[q] && r.x[k] + r.w[k] <= r.x[q] + r.w[q] + 0.01 && r.y[k] + r.h[k] <= r.y[q] + r.h[q] + 0.01;
    assert.ok(inside, `${h.fullName[r.items[k]]} inside ${h.fullName[p]}`);
  }
  assert.ok(at(item('bert/encoder/layer_1/attention')) >= 0);
  assert.equal(at(item('bert/encoder/layer_0/attention')), -1, 'closed layer_0 hides its children');
  // Every drawn (not detached) edge has a polyline; the layers are chained, and an edge into the
  // open layer_1 is drawn to its box.
  for (let k = 0; k < r.edgeFrom.length; k++) {
    if (!r.edgeDetached[k]) assert.ok(r.edgeStart[k + 1] - r.edgeStart[k] >= 2);
  }
  const pairs = new Set([...r.edgeFrom].map((a, k) => `${h.fullName[a]}>${h.fullName[r.edgeTo[k]]}`));
  assert.ok(pairs.has('bert/encoder/layer_0>bert/encoder/layer_1'), [...pairs].join('\n'));
  assert.ok(pairs.has('bert/encoder/layer_1/attention>bert/encoder/layer_1/intermediate'));
  // The encoder's attention mask feeds all 7 layers: laid out without those edges, still answered.
  const mask = [...r.edgeFrom].map((a, k) => k).filter((k) => r.edgeFrom[k] === item('bert/encoder/mul'));
  assert.equal(mask.length, 7);
  for (const k of mask) assert.equal(r.edgeDetached[k], 1);
  assert.equal(r.edgeDetached[[...r.edgeFrom].findIndex((a, k) => a === item('bert/encoder/layer_0') && r.edgeTo[k] === item('bert/encoder/layer_1'))], 0);
  // Opening one more group lays out only it and its ancestors again.
  const again = L.layout([...open, item('bert/encoder/layer_2')]);
  assert.equal(again.groupsLaidOut, 4, "layer_2, bert/encoder, bert and the root");
});

test('details of a node: op, inputs and consumers by item, output shapes, attributes without _output_shapes', () => {
  const m = new GraphModel(graphDefToPbtxt(transformerGraphDef(1).bytes));
  const soft = m.summary.fullName.indexOf('bert/encoder/layer_0/attention/self/Softmax');
  const d = m.details(soft);
  assert.ok(d);
  assert.equal(d.op, 'Softmax');
  assert.deepEqual(d.shapes, ['[8, 12, 128, 128]']);
  assert.deepEqual(d.inputs.map((i) => [i.name, m.summary.fullName[i.item]]), [['bert/encoder/layer_0/attention/self/add', 'bert/encoder/layer_0/attention/self/add']]);
  assert.deepEqual(d.outputs.map((o) => o.name), ['bert/encoder/layer_0/attention/self/dropout/mul']);
  assert.deepEqual(d.attrs, [['T', 'float32']]);
  const g = m.details(m.summary.fullName.indexOf('bert/encoder/layer_0/attention/self/query'));
  assert.ok(g?.group);
  assert.equal(g.opCount, 6);
  assert.deepEqual(g.opTypes.find(([op]) => op === 'VariableV2'), ['VariableV2', 2]);
  assert.equal(m.details(0), undefined);
  assert.equal(m.details(10 ** 9), undefined);
});
