// What the worker keeps of one graph and answers about it: the hierarchy the page draws from, the
// layout at an expansion, and one node's details (op, device, inputs, consumers, output shapes,
// attributes). Pure, so Node's tests run it as the worker does.
import { formatAttr, outputShapes, parseGraphPbtxt, type GraphNodeDef } from './pbtxt.js';
import { buildHierarchy, inputNode, type Hierarchy } from './hierarchy.js';
import { GraphLayouter, type LayoutResult } from './layout.js';

/** The part of the hierarchy the page needs (sent once per graph). */
export interface GraphSummary {
  label: string[];
  fullName: string[];
  op: string[];
  parent: Int32Array;
  isGroup: Uint8Array;
  opCount: Int32Array;
  nodes: number;
  edges: number;
  danglingInputs: number;
  /** Set when the text stopped parsing early: the nodes before that point are shown. */
  error?: string;
}

export interface NodeLink { name: string; item: number; control: boolean }

export interface ItemDetails {
  item: number;
  name: string;
  group: boolean;
  op: string;
  device: string;
  inputs: NodeLink[];
  outputs: NodeLink[];
  shapes: string[];
  attrs: Array<[string, string]>;
  /** For a group: how many ops it holds (all depths) and its op types, most frequent first. */
  opCount: number;
  opTypes: Array<[string, number]>;
}

export class GraphModel {
  readonly nodes: GraphNodeDef[];
  readonly h: Hierarchy;
  readonly summary: GraphSummary;
  private readonly layouter: GraphLayouter;
  private consumers?: number[][];
  private byName?: Map<string, number>;

  constructor(text: string) {
    const parsed = parseGraphPbtxt(text);
    this.nodes = parsed.nodes;
    this.h = buildHierarchy(parsed.nodes);
    this.layouter = new GraphLayouter(this.h);
    const h = this.h;
    this.summary = {
      label: h.label, fullName: h.fullName, op: Array.from(h.nodeOf, (n) => (n < 0 ? '' : this.nodes[n].op)),
      parent: h.parent, isGroup: h.isGroup, opCount: h.opCount, nodes: parsed.nodes.length, edges: h.edgeSrc.length,
      danglingInputs: h.danglingInputs, ...(parsed.error ? { error: parsed.error } : {}),
    };
  }

  layout(expanded: number[]): LayoutResult {
    return this.layouter.layout(expanded);
  }

  details(item: number): ItemDetails | undefined {
    const h = this.h;
    if (!(item > 0 && item < h.parent.length)) return undefined;
    const base = { item, name: h.fullName[item], group: h.isGroup[item] === 1, opCount: h.opCount[item] };
    if (h.isGroup[item]) {
      const types = new Map<string, number>();
      const stack = [item];
      while (stack.length) {
        const g = stack.pop() as number;
        for (const c of h.children[g]) {
          if (h.isGroup[c]) stack.push(c);
          else { const op = this.nodes[h.nodeOf[c]].op; types.set(op, (types.get(op) ?? 0) + 1); }
        }
      }
      return { ...base, op: '', device: '', inputs: [], outputs: [], shapes: [], attrs: [], opTypes: [...types].sort((a, b) => b[1] - a[1]) };
    }
    const node = this.nodes[h.nodeOf[item]];
    this.byName ??= new Map(this.nodes.map((n, i) => [n.name, i]));
    if (!this.consumers) {
      this.consumers = this.nodes.map(() => []);
      for (let e = 0; e < h.edgeSrc.length; e++) this.consumers[h.edgeSrc[e]].push(e);
    }
    const inputs = node.inputs.map((input) => {
      const { node: n, control } = inputNode(input, this.byName as Map<string, number>);
      return { name: input.replace(/^\^/, ''), item: n === undefined ? -1 : h.itemOfNode[n], control };
    });
    const outputs = this.consumers[h.nodeOf[item]].map((e) => ({ name: this.nodes[h.edgeDst[e]].name, item: h.itemOfNode[h.edgeDst[e]], control: h.edgeControl[e] === 1 }));
    return {
      ...base, op: node.op, device: node.device, inputs, outputs, shapes: outputShapes(node),
      attrs: node.attrs.filter(([k]) => k !== '_output_shapes').map(([k, v]) => [k, formatAttr(v)]), opTypes: [],
    };
  }
}
