// The HParams tab: the session groups of TensorBoard's hparams API (proto3 JSON) as a sortable
// table, parallel coordinates (one line per session group, an axis per hparam and metric) and a
// scatter-plot matrix (metrics against every column), filtered by hparam values (a checkbox per
// discrete value, a min–max range for numbers) and metric ranges. Invariants:
// - A session group is the run its name names (TensorBoard: the group name is the run path); a
//   group whose run is not in the run list follows its session's run name.
// - Linked both ways with the run selection: a run switched off in the sidebar is neither listed
//   nor drawn here; a filter here switches the runs it excludes off in the run selection (and back
//   on when the filter lets them through again — only the runs this tab switched off), so the
//   other dashboards show exactly what passes the HParams filters.
// - Clicking a row, line or dot highlights that run in all three views (kept across redraws).
import { h, clear } from '../lib/dom.js';
import { formatValue } from '../lib/format.js';
import { tbNumber } from '../lib/tb-values.js';
import type { DataClient } from './data.js';
import type { Change, ViewerState } from './state.js';
import type { Tab } from './tab.js';

interface MetricName { group?: string; tag?: string }
interface Experiment {
  hparamInfos?: Array<{ name: string; displayName?: string; type?: string; domainDiscrete?: unknown[] }>;
  metricInfos?: Array<{ name: MetricName; displayName?: string }>;
}
interface SessionGroup {
  name: string;
  hparams?: Record<string, unknown>;
  metricValues?: Array<{ name: MetricName; value?: unknown }>;
  sessions?: Array<{ name: string }>;
}

type Value = string | number | boolean;
interface Column {
  key: string;
  label: string;
  kind: 'hparam' | 'metric';
  /** Numbers on a linear axis, or the distinct values in order (strings, booleans, few numbers). */
  numeric: boolean;
  values: Value[];
}
interface Row {
  run: string;
  cells: Map<string, Value | undefined>;
}
type View = 'table' | 'parallel' | 'scatter';

const metricKey = (m: MetricName): string => (m.group ? `${m.group}/${m.tag ?? ''}` : m.tag ?? '');
const SVG = 'http://www.w3.org/2000/svg';

function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, ...children: Array<Node | string>): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c);
  return el;
}

function hparamValue(v: unknown): Value | undefined {
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return v;
  return v === null || v === undefined ? undefined : String(v);
}

/** Position in [0, 1] of a value on a column's axis (undefined: not on it). */
function unit(col: Column, v: Value | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (col.numeric) {
    const nums = col.values as number[];
    const lo = nums[0];
    const hi = nums[nums.length - 1];
    return typeof v === 'number' && Number.isFinite(v) ? (hi === lo ? 0.5 : (v - lo) / (hi - lo)) : undefined;
  }
  const i = col.values.indexOf(v);
  return i < 0 ? undefined : col.values.length === 1 ? 0.5 : i / (col.values.length - 1);
}

export class HParamsTab implements Tab {
  readonly el = h('div', { class: 'tab-body', id: 'hparams' });
  private experiment: Experiment = {};
  private groups: SessionGroup[] = [];
  private sortCol = 'run';
  private sortDesc = false;
  private view: View = 'table';
  /** Per discrete column: the values unticked. Per numeric column: [min, max] typed (NaN: open). */
  private readonly excluded = new Map<string, Set<string>>();
  private readonly ranges = new Map<string, [number, number]>();
  /** Runs this tab switched off for failing its filters (switched back on when they pass). */
  private readonly hiddenByFilter = new Set<string>();
  private highlighted: string | undefined;
  private fingerprint = '';

  constructor(private readonly data: DataClient, private readonly state: ViewerState) {}

  count(): number {
    return this.groups.length;
  }

  async refresh(): Promise<void> {
    this.experiment = await this.data.postJson<Experiment>('plugin/hparams/experiment', { experimentName: '' });
    const colParams = [
      ...(this.experiment.hparamInfos ?? []).map((p) => ({ hparam: p.name, includeInResult: true })),
      ...(this.experiment.metricInfos ?? []).map((m) => ({ metric: m.name, includeInResult: true })),
    ];
    const res = await this.data.postJson<{ sessionGroups?: SessionGroup[] }>('plugin/hparams/session_groups', {
      experimentName: '',
      allowedStatuses: ['STATUS_UNKNOWN', 'STATUS_SUCCESS', 'STATUS_FAILURE', 'STATUS_RUNNING'],
      colParams,
      startIndex: 0,
      sliceSize: 10000,
    });
    this.groups = res.sessionGroups ?? [];
    const fp = JSON.stringify([this.experiment, this.groups]);
    if (fp !== this.fingerprint) {
      this.fingerprint = fp;
      this.redraw();
    }
  }

  /** The run a session group stands for. */
  private runOf(g: SessionGroup): string {
    if (this.state.runs.includes(g.name)) return g.name;
    return g.sessions?.[0]?.name ?? g.name;
  }

  private columns(): Column[] {
    const cols: Column[] = [];
    for (const p of this.experiment.hparamInfos ?? []) {
      const vals = this.groups.map((g) => hparamValue(g.hparams?.[p.name])).filter((v): v is Value => v !== undefined);
      cols.push(this.column(`h:${p.name}`, p.displayName || p.name, 'hparam', vals));
    }
    for (const m of this.experiment.metricInfos ?? []) {
      const key = metricKey(m.name);
      const vals = this.groups.map((g) => this.metric(g, key)).filter((v): v is number => v !== undefined);
      cols.push(this.column(`m:${key}`, m.displayName || key, 'metric', vals));
    }
    return cols;
  }

  private column(key: string, label: string, kind: Column['kind'], vals: Value[]): Column {
    const distinct = [...new Set(vals)];
    const allNumbers = distinct.every((v) => typeof v === 'number');
    // Metrics are always ranges; an hparam with a handful of numbers (a grid) gets checkboxes too.
    const numeric = allNumbers && (kind === 'metric' || distinct.length > 6);
    const values = allNumbers ? (distinct as number[]).sort((a, b) => a - b) : distinct.sort((a, b) => String(a).localeCompare(String(b), undefined, { numeric: true }));
    return { key, label, kind, numeric, values };
  }

  private metric(g: SessionGroup, key: string): number | undefined {
    const mv = g.metricValues?.find((x) => metricKey(x.name) === key);
    return mv ? tbNumber(mv.value) : undefined;
  }

  private rows(cols: Column[]): Row[] {
    return this.groups.map((g) => {
      const cells = new Map<string, Value | undefined>();
      for (const c of cols) cells.set(c.key, c.kind === 'hparam' ? hparamValue(g.hparams?.[c.key.slice(2)]) : this.metric(g, c.key.slice(2)));
      return { run: this.runOf(g), cells };
    });
  }

  private passes(cols: Column[], r: Row): boolean {
    for (const c of cols) {
      const v = r.cells.get(c.key);
      const ex = this.excluded.get(c.key);
      if (ex && ex.size && v !== undefined && ex.has(String(v))) return false;
      const range = this.ranges.get(c.key);
      if (range && (!Number.isNaN(range[0]) || !Number.isNaN(range[1]))) {
        if (typeof v !== 'number') return false;
        if (!Number.isNaN(range[0]) && v < range[0]) return false;
        if (!Number.isNaN(range[1]) && v > range[1]) return false;
      }
    }
    return true;
  }

  /** Filters act on the run selection: failing runs off, runs this tab hid that pass again on. */
  private applyFilters(): void {
    const cols = this.columns();
    const off: string[] = [];
    const on: string[] = [];
    for (const r of this.rows(cols)) {
      const ok = this.passes(cols, r);
      if (!ok && this.state.isSelected(r.run)) { off.push(r.run); this.hiddenByFilter.add(r.run); }
      if (ok && this.hiddenByFilter.has(r.run)) { on.push(r.run); this.hiddenByFilter.delete(r.run); }
    }
    if (off.length) this.state.setSelected(off, false);
    if (on.length) this.state.setSelected(on, true);
    if (!off.length && !on.length) this.redraw();
  }

  /** Shown: the run is drawn by the run selection (or not a listed run at all). */
  private shown(run: string): boolean {
    return !this.state.runs.includes(run) || this.state.visibleSet().has(run);
  }

  private color(run: string): string {
    return this.state.colors.get(run);
  }

  redraw(changes?: ReadonlySet<Change>): void {
    if (changes && !['selection', 'runFilter', 'runs', 'colors'].some((c) => changes.has(c as Change))) return;
    const scroll = this.el.scrollTop;
    clear(this.el);
    if (this.groups.length === 0) {
      this.el.append(h('div', { class: 'empty' }, 'No hyperparameters in these logs.'));
      return;
    }
    const cols = this.columns();
    const all = this.rows(cols);
    const rows = all.filter((r) => this.shown(r.run) && this.passes(cols, r));
    const views = h('div', { class: 'segmented hp-views', role: 'tablist' }, ...(['table', 'parallel', 'scatter'] as View[]).map((v) => {
      const b = h('button', { class: v === this.view ? 'on' : '', 'data-view': v, role: 'tab', 'aria-selected': String(v === this.view) },
        v === 'table' ? 'Table' : v === 'parallel' ? 'Parallel coordinates' : 'Scatter plot matrix');
      b.addEventListener('click', () => { this.view = v; this.redraw(); });
      return b;
    }));
    const body = this.view === 'table' ? this.table(cols, rows) : this.view === 'parallel' ? this.parallel(cols, rows) : this.scatter(cols, rows);
    const note = h('div', { class: 'muted small', id: 'hp-count' }, `${rows.length} of ${all.length} session groups shown`,
      this.hiddenByFilter.size ? ` · ${this.hiddenByFilter.size} run(s) switched off by these filters` : '');
    this.el.append(h('div', { class: 'hp-layout' }, this.filters(cols), h('div', { class: 'hp-main' }, h('div', { class: 'hp-toolbar' }, views, note), h('div', { class: 'card hp-view', 'data-view': this.view }, body))));
    this.el.scrollTop = scroll;
  }

  private filters(cols: Column[]): HTMLElement {
    const box = h('div', { class: 'hp-filters', id: 'hp-filters' }, h('div', { class: 'side-title' }, 'Filters'));
    for (const c of cols) {
      const sec = h('div', { class: 'hp-filter', 'data-col': c.key }, h('div', { class: 'hp-filter-name' }, c.label, c.kind === 'metric' ? h('span', { class: 'muted small' }, ' metric') : ''));
      if (!c.numeric) {
        const ex = this.excluded.get(c.key) ?? new Set<string>();
        for (const v of c.values) {
          const box2 = h('input', { type: 'checkbox', checked: !ex.has(String(v)), 'data-value': String(v) });
          box2.addEventListener('change', () => {
            const set = this.excluded.get(c.key) ?? new Set<string>();
            if (box2.checked) set.delete(String(v)); else set.add(String(v));
            this.excluded.set(c.key, set);
            this.applyFilters();
          });
          sec.append(h('label', { class: 'check hp-check' }, box2, ` ${String(v)}`));
        }
      } else {
        const [lo, hi] = this.ranges.get(c.key) ?? [NaN, NaN];
        const nums = c.values as number[];
        const min = h('input', { type: 'number', class: 'hp-min', step: 'any', placeholder: nums.length ? formatValue(nums[0]) : 'min', value: Number.isNaN(lo) ? '' : String(lo) });
        const max = h('input', { type: 'number', class: 'hp-max', step: 'any', placeholder: nums.length ? formatValue(nums[nums.length - 1]) : 'max', value: Number.isNaN(hi) ? '' : String(hi) });
        const set = (): void => {
          const num = (i: HTMLInputElement): number => (i.value.trim() === '' || !Number.isFinite(Number(i.value)) ? NaN : Number(i.value));
          this.ranges.set(c.key, [num(min), num(max)]);
          this.applyFilters();
        };
        min.addEventListener('change', set);
        max.addEventListener('change', set);
        sec.append(h('div', { class: 'hp-range' }, min, h('span', { class: 'muted' }, '–'), max));
      }
      box.append(sec);
    }
    const reset = h('button', { class: 'ghost small', id: 'hp-reset' }, 'Clear filters');
    reset.addEventListener('click', () => { this.excluded.clear(); this.ranges.clear(); this.applyFilters(); });
    box.append(reset);
    return box;
  }

  private pick(run: string): void {
    this.highlighted = this.highlighted === run ? undefined : run;
    this.redraw();
  }

  private table(cols: Column[], rows: Row[]): HTMLElement {
    const key = (r: Row): Value | undefined => (this.sortCol === 'run' ? r.run : r.cells.get(this.sortCol));
    const sorted = [...rows].sort((a, b) => {
      const x = key(a);
      const y = key(b);
      if (x === undefined || y === undefined) return x === y ? 0 : x === undefined ? 1 : -1;
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), undefined, { numeric: true });
      return this.sortDesc ? -c : c;
    });
    const head = (k: string, label: string, metric: boolean): HTMLElement => {
      const th = h('th', { class: metric ? 'metric' : '', 'data-col': k }, label, this.sortCol === k ? (this.sortDesc ? ' ▼' : ' ▲') : '');
      th.addEventListener('click', () => {
        if (this.sortCol === k) this.sortDesc = !this.sortDesc;
        else { this.sortCol = k; this.sortDesc = false; }
        this.redraw();
      });
      return th;
    };
    const body = sorted.map((r) => {
      const tr = h('tr', { 'data-run': r.run, class: r.run === this.highlighted ? 'hp-hl' : '' },
        h('td', { class: 'mono' }, h('span', { class: 'swatch', style: `background:${this.color(r.run)}` }), ' ', r.run),
        ...cols.map((c) => { const v = r.cells.get(c.key); return h('td', { class: typeof v === 'number' ? 'num' : '' }, v === undefined ? '' : typeof v === 'number' ? formatValue(v) : String(v)); }));
      tr.addEventListener('click', () => this.pick(r.run));
      return tr;
    });
    return h('div', { class: 'hp-table-wrap' }, h('table', { class: 'data-table hparams-table' },
      h('thead', {}, h('tr', {}, head('run', 'Session', false), ...cols.map((c) => head(c.key, c.label, c.kind === 'metric')))), h('tbody', {}, ...body)),
    rows.length ? '' : h('div', { class: 'empty' }, 'No session group passes the filters and the run selection.'));
  }

  private parallel(cols: Column[], rows: Row[]): SVGSVGElement {
    const W = Math.max(520, cols.length * 150);
    const H = 340;
    const top = 40;
    const bottom = 30;
    const x = (i: number): number => 60 + (i * (W - 120)) / Math.max(1, cols.length - 1);
    const y = (u: number): number => top + (1 - u) * (H - top - bottom);
    const svg = s('svg', { class: 'hp-parallel', viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', 'aria-label': 'Parallel coordinates' });
    const lines = s('g', { class: 'hp-lines' });
    for (const r of rows) {
      const pts: string[] = [];
      cols.forEach((c, i) => { const u = unit(c, r.cells.get(c.key)); if (u !== undefined) pts.push(`${x(i).toFixed(1)},${y(u).toFixed(1)}`); });
      const hl = r.run === this.highlighted;
      const line = s('polyline', { points: pts.join(' '), fill: 'none', stroke: this.color(r.run), 'stroke-width': hl ? 4 : 1.8, 'stroke-opacity': this.highlighted && !hl ? 0.3 : 0.9, class: `hp-line${hl ? ' hl' : ''}`, 'data-run': r.run },
        s('title', {}, r.run));
      line.addEventListener('click', () => this.pick(r.run));
      lines.append(line);
    }
    svg.append(lines);
    cols.forEach((c, i) => {
      const g = s('g', { class: 'hp-axis', 'data-col': c.key });
      g.append(s('line', { x1: x(i), x2: x(i), y1: y(0), y2: y(1), class: 'hp-axis-line' }));
      g.append(s('text', { x: x(i), y: 16, 'text-anchor': 'middle', class: 'hp-axis-name' }, c.label));
      const ticks: Array<[number, string]> = c.numeric
        ? (c.values.length ? [[0, formatValue(c.values[0] as number)], [1, formatValue(c.values[c.values.length - 1] as number)]] : [])
        : c.values.map((v) => [unit(c, v) ?? 0, String(v)]);
      for (const [u, label] of ticks) g.append(s('text', { x: x(i) + 6, y: y(u) + 4, class: 'hp-tick' }, label));
      svg.append(g);
    });
    return svg;
  }

  private scatter(cols: Column[], rows: Row[]): HTMLElement {
    const metrics = cols.filter((c) => c.kind === 'metric');
    if (metrics.length === 0) return h('div', { class: 'empty' }, 'No metric to plot.');
    const S = 150;
    const pad = 8;
    const grid = h('div', { class: 'hp-scatter', style: `grid-template-columns: 110px repeat(${cols.length}, ${S}px)` });
    grid.append(h('div', {}));
    for (const c of cols) grid.append(h('div', { class: 'hp-scatter-head', title: c.label }, c.label));
    for (const m of metrics) {
      grid.append(h('div', { class: 'hp-scatter-row', title: m.label }, m.label));
      for (const c of cols) {
        const svg = s('svg', { class: 'hp-cell', width: S, height: S, viewBox: `0 0 ${S} ${S}`, 'data-x': c.key, 'data-y': m.key });
        svg.append(s('rect', { x: 0.5, y: 0.5, width: S - 1, height: S - 1, class: 'hp-cell-frame' }));
        for (const r of rows) {
          const ux = unit(c, r.cells.get(c.key));
          const uy = unit(m, r.cells.get(m.key));
          if (ux === undefined || uy === undefined) continue;
          const hl = r.run === this.highlighted;
          const dot = s('circle', { cx: pad + ux * (S - 2 * pad), cy: pad + (1 - uy) * (S - 2 * pad), r: hl ? 5.5 : 3.5, fill: this.color(r.run), class: `hp-dot${hl ? ' hl' : ''}`, 'data-run': r.run },
            s('title', {}, `${r.run}\n${c.label}: ${String(r.cells.get(c.key))}\n${m.label}: ${formatValue(r.cells.get(m.key) as number)}`));
          dot.addEventListener('click', () => this.pick(r.run));
          svg.append(dot);
        }
        grid.append(svg);
      }
    }
    return grid;
  }
}
