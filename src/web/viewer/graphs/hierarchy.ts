// GraphDef nodes → TensorBoard's name-scope hierarchy: a node `a/b/c` lives in group `a/b`, which
// lives in `a`, which lives in the root. A node whose name is also a scope (`dense` beside
// `dense/kernel`) goes inside that scope, labelled `(dense)`, as TensorBoard does. Items are
// numbered so that a parent always comes before its children (index 0 is the root group), which
// lets one forward pass answer "which item stands for this node at this expansion".
import type { GraphNodeDef } from './pbtxt.js';

export interface Hierarchy {
  /** Per item: its label (last name segment), full name ('' for the root), parent (-1 for the root). */
  label: string[];
  fullName: string[];
  parent: Int32Array;
  /** 1 for a group (name scope), 0 for an op. */
  isGroup: Uint8Array;
  depth: Int32Array;
  /** The op's node index in the GraphDef, -1 for a group. */
  nodeOf: Int32Array;
  /** Ops under a group (all depths); 1 for an op. */
  opCount: Int32Array;
  children: number[][];
  /** Per op (GraphDef node index): its item. */
  itemOfNode: Int32Array;
  /** Data edges between GraphDef nodes, as node indices: src[i] → dst[i]; control[i] = 1 for `^x` inputs. */
  edgeSrc: Int32Array;
  edgeDst: Int32Array;
  edgeControl: Uint8Array;
  /** Inputs naming no node of the graph (PyTorch's traces have some). */
  danglingInputs: number;
}

/** The node an input names: `^x` (control), `x:1` (second output) and plain `x` all mean node x. */
export function inputNode(input: string, byName: Map<string, number>): { node: number | undefined; control: boolean } {
  const control = input.startsWith('^');
  const name = control ? input.slice(1) : input;
  let node = byName.get(name);
  if (node === undefined) {
    const colon = name.lastIndexOf(':');
    if (colon > 0 && /^\d+$/.test(name.slice(colon + 1))) node = byName.get(name.slice(0, colon));
  }
  return { node, control };
}

export function buildHierarchy(nodes: GraphNodeDef[]): Hierarchy {
  const scopes = new Set<string>();
  for (const n of nodes) {
    let i = n.name.indexOf('/');
    while (i > 0) {
      scopes.add(n.name.slice(0, i));
      i = n.name.indexOf('/', i + 1);
    }
  }
  const label: string[] = [''];
  const fullName: string[] = [''];
  const parents: number[] = [-1];
  const groupFlag: number[] = [1];
  const nodeOf: number[] = [-1];
  const groupIndex = new Map<string, number>([['', 0]]);

  // Iterative: a name of 100,000 segments must not recurse 100,000 deep.
  const group = (path: string): number => {
    const known = groupIndex.get(path);
    if (known !== undefined) return known;
    let cur = 0;
    let at = 0;
    for (;;) {
      const slash = path.indexOf('/', at);
      const prefix = slash < 0 ? path : path.slice(0, slash);
      let id = groupIndex.get(prefix);
      if (id === undefined) {
        id = label.length;
        label.push(prefix.slice(at));
        fullName.push(prefix);
        parents.push(cur);
        groupFlag.push(1);
        nodeOf.push(-1);
        groupIndex.set(prefix, id);
      }
      cur = id;
      if (slash < 0) return cur;
      at = slash + 1;
    }
  };

  const itemOfNode = new Int32Array(nodes.length).fill(-1);
  const byName = new Map<string, number>();
  nodes.forEach((n, i) => {
    if (byName.has(n.name)) return; // a duplicate name: the first wins, as in TensorFlow's import
    byName.set(n.name, i);
    let parent: number;
    let own: string;
    if (scopes.has(n.name)) {
      parent = group(n.name);
      const slash = n.name.lastIndexOf('/');
      own = `(${slash < 0 ? n.name : n.name.slice(slash + 1)})`;
    } else {
      const slash = n.name.lastIndexOf('/');
      parent = slash < 0 ? 0 : group(n.name.slice(0, slash));
      own = slash < 0 ? n.name : n.name.slice(slash + 1);
    }
    itemOfNode[i] = label.length;
    label.push(own);
    fullName.push(n.name);
    parents.push(parent);
    groupFlag.push(0);
    nodeOf.push(i);
  });

  const count = label.length;
  const parent = Int32Array.from(parents);
  const depth = new Int32Array(count);
  const children: number[][] = Array.from({ length: count }, () => []);
  for (let i = 1; i < count; i++) {
    depth[i] = depth[parent[i]] + 1;
    children[parent[i]].push(i);
  }
  const opCount = new Int32Array(count);
  for (let i = count - 1; i > 0; i--) {
    if (!groupFlag[i]) opCount[i] = 1;
    opCount[parent[i]] += opCount[i];
  }

  const src: number[] = [];
  const dst: number[] = [];
  const ctl: number[] = [];
  let danglingInputs = 0;
  nodes.forEach((n, i) => {
    if (itemOfNode[i] < 0) return;
    for (const input of n.inputs) {
      const { node, control } = inputNode(input, byName);
      if (node === undefined) { danglingInputs++; continue; }
      src.push(node);
      dst.push(i);
      ctl.push(control ? 1 : 0);
    }
  });

  return {
    label, fullName, parent, isGroup: Uint8Array.from(groupFlag), depth, nodeOf: Int32Array.from(nodeOf),
    opCount, children, itemOfNode, edgeSrc: Int32Array.from(src), edgeDst: Int32Array.from(dst), edgeControl: Uint8Array.from(ctl), danglingInputs,
  };
}

/** Which item stands for each item when only `expanded` groups are open (the root always is). */
export function representatives(h: Hierarchy, expanded: ReadonlySet<number>): Int32Array {
  const rep = new Int32Array(h.parent.length);
  for (let i = 1; i < rep.length; i++) {
    const p = h.parent[i];
    rep[i] = rep[p] === p && (p === 0 || expanded.has(p)) ? i : rep[p];
  }
  return rep;
}

/** The groups to open so that `item` is shown: each of its ancestors but the root. */
export function ancestorsOf(h: Hierarchy, item: number): number[] {
  const out: number[] = [];
  for (let p = h.parent[item]; p > 0; p = h.parent[p]) out.push(p);
  return out;
}
