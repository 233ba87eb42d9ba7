// The custom_scalars plugin's answers, as TensorBoard serves them. `layout`: every run's
// `custom_scalars__config__` Layout proto (its latest sample), runs in sorted order, merged — a
// category seen before gains the charts it lacks — in the JSON of json_format.MessageToJson with
// default fields ({} when no run has one). `scalars`: a run's scalar tags that the tag regex
// matches at their start (Python's re.match), each tag's [wall_time, step, value] list.
// Invariant: the layout bytes come from a log file: every field is bounds-checked (proto.ts) and a
// malformed layout is skipped, never a crash.
import { decodeTensorProto } from '../events/tensor.js';
import { lengthDelimited, pos, ProtoError, skipField, utf8, varint } from '../events/proto.js';
import type { Logdir } from '../events/index.js';

export const CONFIG_TAG = 'custom_scalars__config__';

export interface ChartJson {
  title: string;
  multiline?: { tag: string[] };
  margin?: { series: { value: string; lower: string; upper: string }[] };
}
export interface CategoryJson {
  title: string;
  chart: ChartJson[];
  closed: boolean;
}
export interface LayoutJson {
  version: number;
  category: CategoryJson[];
}

/** Calls `field(number, start, end)` for each length-delimited field and `vint(number, value)` for varints. */
function walk(buf: Uint8Array, s: number, e: number, field: (n: number, a: number, b: number) => void, vint?: (n: number, v: number) => void): void {
  let p = s;
  while (p < e) {
    const key = varint(buf, p, e);
    p = pos;
    const n = Math.floor(key / 8);
    const wt = key & 7;
    if (wt === 2) {
      const end = lengthDelimited(buf, p, e);
      field(n, pos, end);
      p = end;
    } else if (wt === 0) {
      const v = varint(buf, p, e);
      p = pos;
      vint?.(n, v);
    } else {
      p = skipField(buf, p, e, wt);
    }
  }
}

/** A serialized Layout proto as TensorBoard's JSON (throws ProtoError when malformed). */
export function decodeLayout(buf: Uint8Array): LayoutJson {
  const out: LayoutJson = { version: 0, category: [] };
  walk(buf, 0, buf.length, (n, a, b) => {
    if (n !== 2) return;
    const cat: CategoryJson = { title: '', chart: [], closed: false };
    walk(buf, a, b, (cn, ca, cb) => {
      if (cn === 1) cat.title = utf8(buf, ca, cb);
      if (cn !== 2) return;
      const chart: ChartJson = { title: '' };
      walk(buf, ca, cb, (hn, ha, hb) => {
        if (hn === 1) chart.title = utf8(buf, ha, hb);
        else if (hn === 2) {
          const tag: string[] = [];
          walk(buf, ha, hb, (tn, ta, tb) => { if (tn === 1) tag.push(utf8(buf, ta, tb)); });
          chart.multiline = { tag };
          chart.margin = undefined;
        } else if (hn === 3) {
          const series: { value: string; lower: string; upper: string }[] = [];
          walk(buf, ha, hb, (sn, sa, sb) => {
            if (sn !== 1) return;
            const x = { value: '', lower: '', upper: '' };
            walk(buf, sa, sb, (fn, fa, fb) => {
              if (fn === 1) x.value = utf8(buf, fa, fb);
              else if (fn === 2) x.lower = utf8(buf, fa, fb);
              else if (fn === 3) x.upper = utf8(buf, fa, fb);
            });
            series.push(x);
          });
          chart.margin = { series };
          chart.multiline = undefined;
        }
      });
      cat.chart.push(chart);
    }, (cn, v) => { if (cn === 3) cat.closed = v !== 0; });
    out.category.push(cat);
  }, (n, v) => { if (n === 1) out.version = v; });
  return out;
}

/** MessageToJson leaves an unset oneof out: so do we (and keep key order title, content). */
function chartJson(c: ChartJson): ChartJson {
  return c.multiline ? { title: c.title, multiline: c.multiline } : c.margin ? { title: c.title, margin: c.margin } : { title: c.title };
}

/** The merged layout of every run, or {} (TensorBoard's answer when no run has one). */
export async function layoutJson(logdir: Logdir): Promise<LayoutJson | Record<string, never>> {
  const runs = logdir.runs().filter((r) => r.tags.some((t) => t.tag === CONFIG_TAG && t.metadata.pluginName === 'custom_scalars')).map((r) => r.name).sort();
  let merged: LayoutJson | undefined;
  const byTitle = new Map<string, CategoryJson>();
  for (const run of runs) {
    const series = logdir.tensors(run, CONFIG_TAG);
    if (!series || series.length === 0) continue;
    let layout: LayoutJson;
    try {
      const t = decodeTensorProto(await logdir.readBlob(series.tensors[series.length - 1]));
      if (t.strings.length === 0) continue;
      layout = decodeLayout(t.strings[0]);
    } catch (err) {
      if (err instanceof ProtoError) continue;
      throw err;
    }
    if (!merged) {
      merged = layout;
      for (const c of layout.category) byTitle.set(c.title, c);
      continue;
    }
    for (const c of layout.category) {
      const seen = byTitle.get(c.title);
      if (seen) {
        const have = new Set(seen.chart.map((x) => JSON.stringify(chartJson(x))));
        seen.chart.push(...c.chart.filter((x) => !have.has(JSON.stringify(chartJson(x)))));
      } else {
        merged.category.push(c);
        byTitle.set(c.title, c);
      }
    }
  }
  if (!merged) return {};
  return { version: merged.version, category: merged.category.map((c) => ({ title: c.title, chart: c.chart.map(chartJson), closed: c.closed })) };
}
