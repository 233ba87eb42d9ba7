// Lays out the graph as shown at one expansion: each open group is laid out on its own by dagre
// (its children as boxes: ops, closed groups, and open groups at the size of their own layout),
// innermost first, then placed inside its parent. An edge between two shown items is drawn in the
// layout of their lowest common group, between the two children of that group that hold them, so
// each dagre run sees only one level (tens of nodes for a real model, not 10,000). A group's layout
// depends only on which groups under it are open, which is its cache key: opening one group
// re-lays that group and its ancestors, nothing else.
import dagre from '@dagrejs/dagre';
import { representatives, type Hierarchy } from './hierarchy.js';

export const OP_H = 20;
export const GROUP_H = 34;
export const PAD = 12;
export const HEADER = 24;
/** Above this many children a group is ranked by longest path: network simplex grows too fast. */
const SIMPLEX_MAX = 400;
/**
 * A child feeding more than this many siblings (an attention mask read by every layer, a constant
 * used everywhere) is laid out without those edges, as TensorBoard extracts high-degree nodes: each
 * such edge spans many ranks, and dagre's cost and clutter grow with the dummy nodes they need.
 * They are still answered (`edgeDetached`) and drawn as stubs, in full when an endpoint is selected.
 */
const FAN_OUT_MAX = 5;
const FAN_IN_MAX = 12;

export function itemSize(h: Hierarchy, item: number): { w: number; h: number } {
  const len = h.label[item].length;
  if (h.isGroup[item]) return { w: Math.min(Math.max(6.6 * len + 44, 80), 230), h: GROUP_H };
  return { w: Math.min(Math.max(6.2 * len + 20, 36), 170), h: OP_H };
}

interface GroupLayout {
  width: number;
  height: number;
  /** Per child of the group: its centre, relative to the group's content origin. */
  cx: Float64Array;
  cy: Float64Array;
  edges: Array<{ a: number; b: number; count: number; control: boolean; detached: boolean; points: number[] }>;
}

/** What the page draws: every shown item's box (absolute, top-left) and every drawn edge. */
export interface LayoutResult {
  /** Shown items (open groups, closed groups, ops), parents before children; the root is not among them. */
  items: Int32Array;
  x: Float32Array;
  y: Float32Array;
  w: Float32Array;
  h: Float32Array;
  open: Uint8Array;
  /** Edges between shown items: endpoints (items), how many GraphDef edges each stands for, control only. */
  edgeFrom: Int32Array;
  edgeTo: Int32Array;
  edgeCount: Int32Array;
  edgeControl: Uint8Array;
  /** 1 for an edge left out of the layout (high fan-out or fan-in): no points, drawn as stubs. */
  edgeDetached: Uint8Array;
  /** Edge i's polyline is points[2*edgeStart[i] .. 2*edgeStart[i+1]) as x, y pairs. */
  edgeStart: Int32Array;
  points: Float32Array;
  width: number;
  height: number;
  /** Groups laid out by dagre for this answer (the others came from the cache). */
  groupsLaidOut: number;
}

export class GraphLayouter {
  private readonly cache = new Map<string, GroupLayout>();

  constructor(readonly h: Hierarchy) {}

  layout(expandedIn: Iterable<number>): LayoutResult {
    const h = this.h;
    const expanded = new Set<number>();
    for (const g of expandedIn) if (g > 0 && g < h.parent.length && h.isGroup[g]) expanded.add(g);
    const rep = representatives(h, expanded);
    const isOpen = (g: number): boolean => g === 0 || (expanded.has(g) && rep[g] === g);

    // Aggregated edges per lowest common group, between that group's children.
    const perGroup = new Map<number, Map<number, { a: number; b: number; count: number; control: boolean }>>();
    const n = h.parent.length;
    for (let e = 0; e < h.edgeSrc.length; e++) {
      let a = rep[h.itemOfNode[h.edgeSrc[e]]];
      let b = rep[h.itemOfNode[h.edgeDst[e]]];
      if (a === b) continue;
      while (h.depth[a] > h.depth[b]) a = h.parent[a];
      while (h.depth[b] > h.depth[a]) b = h.parent[b];
      if (a === b) continue; // one holds the other: drawn inside it
      while (h.parent[a] !== h.parent[b]) { a = h.parent[a]; b = h.parent[b]; }
      const g = h.parent[a];
      let m = perGroup.get(g);
      if (!m) perGroup.set(g, (m = new Map()));
      const key = a * n + b;
      const known = m.get(key);
      const control = h.edgeControl[e] === 1;
      if (known) { known.count++; known.control &&= control; } else m.set(key, { a, b, count: 1, control });
    }

    // Open groups, innermost first; each one's key names the open groups below it.
    const openGroups: number[] = [0];
    for (const g of expanded) if (rep[g] === g) openGroups.push(g);
    const below = new Map<number, number[]>(openGroups.map((g) => [g, []]));
    for (const g of openGroups) for (let p = h.parent[g]; p >= 0; p = h.parent[p]) below.get(p)?.push(g);
    openGroups.sort((x, y) => h.depth[y] - h.depth[x]);

    const layouts = new Map<number, GroupLayout>();
    let laidOut = 0;
    const boxOf = (c: number): { w: number; h: number } => {
      const inner = layouts.get(c);
      const own = itemSize(h, c);
      return inner ? { w: Math.max(inner.width + 2 * PAD, own.w), h: inner.height + HEADER + PAD } : own;
    };
    for (const g of openGroups) {
      const key = `${g}|${(below.get(g) ?? []).sort((x, y) => x - y).join(',')}`;
      let gl = this.cache.get(key);
      if (!gl) {
        gl = layoutGroup(h.children[g], boxOf, [...(perGroup.get(g)?.values() ?? [])]);
        this.cache.set(key, gl);
        laidOut++;
      }
      layouts.set(g, gl);
    }

    // Absolute boxes, parents before children.
    const items: number[] = [];
    const xs: number[] = [];
    const ys: number[] = [];
    const ws: number[] = [];
    const hs: number[] = [];
    const open: number[] = [];
    const eFrom: number[] = [];
    const eTo: number[] = [];
    const eCount: number[] = [];
    const eCtl: number[] = [];
    const eDet: number[] = [];
    const eStart: number[] = [];
    const pts: number[] = [];
    const stack: Array<[number, number, number]> = [[0, 0, 0]]; // group, content origin x, y
    while (stack.length) {
      const [g, ox, oy] = stack.pop() as [number, number, number];
      const gl = layouts.get(g) as GroupLayout;
      const kids = h.children[g];
      for (let i = 0; i < kids.length; i++) {
        const c = kids[i];
        const box = boxOf(c);
        const x = ox + gl.cx[i] - box.w / 2;
        const y = oy + gl.cy[i] - box.h / 2;
        items.push(c); xs.push(x); ys.push(y); ws.push(box.w); hs.push(box.h);
        const o = isOpen(c) && h.isGroup[c] === 1;
        open.push(o ? 1 : 0);
        if (o) stack.push([c, x + PAD, y + HEADER]);
      }
      for (const e of gl.edges) {
        eFrom.push(e.a); eTo.push(e.b); eCount.push(e.count); eCtl.push(e.control ? 1 : 0); eDet.push(e.detached ? 1 : 0);
        eStart.push(pts.length / 2);
        for (let k = 0; k < e.points.length; k += 2) pts.push(ox + e.points[k], oy + e.points[k + 1]);
      }
    }
    eStart.push(pts.length / 2);
    const root = layouts.get(0) as GroupLayout;
    return {
      items: Int32Array.from(items), x: Float32Array.from(xs), y: Float32Array.from(ys), w: Float32Array.from(ws), h: Float32Array.from(hs),
      open: Uint8Array.from(open), edgeFrom: Int32Array.from(eFrom), edgeTo: Int32Array.from(eTo), edgeCount: Int32Array.from(eCount),
      edgeControl: Uint8Array.from(eCtl), edgeDetached: Uint8Array.from(eDet), edgeStart: Int32Array.from(eStart), points: Float32Array.from(pts),
      width: root.width, height: root.height, groupsLaidOut: laidOut,
    };
  }
}

const NODESEP = 16;
const RANKSEP = 28;

/**
 * A group whose children form one chain (or a lone child) is stacked without dagre: most scopes of
 * a real model are like that (`kernel` holding `(kernel)` and `read`), and a dagre run costs about
 * half a millisecond even for two nodes, which thousands of open scopes add up to.
 */
function chainLayout(
  kids: number[],
  boxOf: (c: number) => { w: number; h: number },
  edges: Array<{ a: number; b: number; count: number; control: boolean }>,
): GroupLayout | undefined {
  if (kids.length > 1 && edges.length !== kids.length - 1) return undefined;
  const next = new Map<number, number>();
  const hasIn = new Set<number>();
  for (const e of edges) {
    if (next.has(e.a) || hasIn.has(e.b)) return undefined;
    next.set(e.a, e.b);
    hasIn.add(e.b);
  }
  let start = kids.find((k) => !hasIn.has(k));
  const order: number[] = [];
  while (start !== undefined && order.length <= kids.length) {
    order.push(start);
    start = next.get(start);
  }
  if (order.length !== kids.length) return undefined;
  const boxes = order.map(boxOf);
  const width = Math.max(60, ...boxes.map((b) => b.w));
  const height = boxes.reduce((s, b) => s + b.h, 0) + RANKSEP * (boxes.length - 1);
  const pos = new Map<number, { x: number; y: number; h: number }>();
  // Bottom to top, as dagre's 'BT': the chain's first node at the bottom.
  let y = height;
  order.forEach((k, i) => {
    pos.set(k, { x: width / 2, y: y - boxes[i].h / 2, h: boxes[i].h });
    y -= boxes[i].h + RANKSEP;
  });
  const cx = new Float64Array(kids.length);
  const cy = new Float64Array(kids.length);
  kids.forEach((k, i) => {
    const p = pos.get(k) as { x: number; y: number };
    cx[i] = p.x;
    cy[i] = p.y;
  });
  return {
    width, height, cx, cy,
    edges: edges.map((e) => {
      const a = pos.get(e.a) as { x: number; y: number; h: number };
      const b = pos.get(e.b) as { x: number; y: number; h: number };
      return { ...e, detached: false, points: [a.x, a.y - a.h / 2, b.x, b.y + b.h / 2] };
    }),
  };
}

function layoutGroup(
  kids: number[],
  boxOf: (c: number) => { w: number; h: number },
  edges: Array<{ a: number; b: number; count: number; control: boolean }>,
): GroupLayout {
  const chain = chainLayout(kids, boxOf, edges);
  if (chain) return chain;
  const g = new dagre.graphlib.Graph({ multigraph: false });
  g.setGraph({
    rankdir: 'BT', nodesep: NODESEP, ranksep: RANKSEP, edgesep: 8, marginx: 0, marginy: 0,
    ranker: kids.length > SIMPLEX_MAX ? 'longest-path' : 'network-simplex',
  });
  g.setDefaultEdgeLabel(() => ({}));
  const outs = new Map<number, number>();
  const ins = new Map<number, number>();
  for (const e of edges) {
    outs.set(e.a, (outs.get(e.a) ?? 0) + 1);
    ins.set(e.b, (ins.get(e.b) ?? 0) + 1);
  }
  const detached = (e: { a: number; b: number }): boolean => (outs.get(e.a) ?? 0) > FAN_OUT_MAX || (ins.get(e.b) ?? 0) > FAN_IN_MAX;
  for (const c of kids) {
    const box = boxOf(c);
    g.setNode(String(c), { width: box.w, height: box.h });
  }
  for (const e of edges) if (!detached(e)) g.setEdge(String(e.a), String(e.b), { weight: e.control ? 1 : Math.min(e.count, 10), minlen: 1 });
  dagre.layout(g);
  const cx = new Float64Array(kids.length);
  const cy = new Float64Array(kids.length);
  kids.forEach((c, i) => {
    const nl = g.node(String(c)) as { x?: number; y?: number };
    cx[i] = nl.x ?? 0;
    cy[i] = nl.y ?? 0;
  });
  const label = g.graph() as { width?: number; height?: number };
  return {
    width: Math.max(label.width ?? 0, 60),
    height: Math.max(label.height ?? 0, 20),
    cx,
    cy,
    edges: edges.map((e) => {
      if (detached(e)) return { ...e, detached: true, points: [] };
      const el = g.edge(String(e.a), String(e.b)) as { points?: Array<{ x: number; y: number }> } | undefined;
      return { ...e, detached: false, points: (el?.points ?? []).flatMap((p) => [p.x, p.y]) };
    }),
  };
}
