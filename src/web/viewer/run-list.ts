// The run selector: runs grouped by their first path segment (TensorBoard's grouping by
// directory), filtered by a regex, each with a checkbox and a colour picker. Invariant: only the
// rows in view (plus a margin) are in the DOM, each ROW px tall at index × ROW, so 10,000 runs cost
// what 40 do and the sidebar never grows the page. The flattened row list is rebuilt only when the
// runs, the filter or a group's folding change; a toggle re-renders the rows in view.
import { h, clear } from '../lib/dom.js';
import type { ViewerState } from './state.js';

const ROW = 24;
const OVERSCAN = 10;

type Row = { kind: 'group'; group: string; runs: string[] } | { kind: 'run'; run: string; grouped: boolean };

export class RunList {
  readonly el = h('div', { class: 'run-list', id: 'runs', role: 'list' });
  private readonly spacer = h('div', { class: 'run-spacer' });
  private rows: Row[] = [];
  private readonly collapsed = new Set<string>();
  private readonly groupRuns = new Map<string, string[]>();
  private queued = false;

  constructor(private readonly state: ViewerState) {
    this.el.append(this.spacer);
    this.el.addEventListener('scroll', () => this.schedule());
    new ResizeObserver(() => this.schedule()).observe(this.el);
    this.rebuild();
  }

  /** Runs or filter changed: regroup. */
  rebuild(): void {
    const runs = this.state.filteredRuns();
    // A run's group is its first path segment; a run named like a group ("a" beside "a/1") joins it.
    const groups = new Map<string, string[]>();
    for (const run of runs) {
      const slash = run.indexOf('/');
      const g = slash > 0 ? run.slice(0, slash) : run;
      const list = groups.get(g);
      if (list) list.push(run);
      else groups.set(g, [run]);
    }
    const rows: Row[] = [];
    this.groupRuns.clear();
    for (const [g, list] of groups) {
      this.groupRuns.set(g, list);
      if (list.length === 1) {
        // A directory of one run is no group: the run under its full name.
        rows.push({ kind: 'run', run: list[0], grouped: false });
        continue;
      }
      rows.push({ kind: 'group', group: g, runs: list });
      if (!this.collapsed.has(g)) for (const run of list) rows.push({ kind: 'run', run, grouped: true });
    }
    this.rows = rows;
    this.spacer.style.height = `${rows.length * ROW}px`;
    this.render();
  }

  schedule(): void {
    if (this.queued) return;
    this.queued = true;
    requestAnimationFrame(() => {
      this.queued = false;
      this.render();
    });
  }

  /**
   * Selection changed: the rows in view take the new checks in place (no rows rebuilt: a toggle
   * must not cost a relayout of the list). Colours changed too: their pickers follow.
   */
  refresh(): void {
    for (const el of this.spacer.children) {
      const row = el as HTMLElement;
      const run = row.dataset.runRow;
      if (run !== undefined) {
        const on = this.state.isSelected(run);
        const box = row.querySelector<HTMLInputElement>('input[type=checkbox]');
        if (box && box.checked !== on) box.checked = on;
        row.classList.toggle('off', !on);
        const picker = row.querySelector<HTMLInputElement>('input[type=color]');
        const color = this.state.colors.get(run);
        if (picker && picker.value !== color) picker.value = color;
        continue;
      }
      const group = row.dataset.groupRow;
      const runs = group === undefined ? undefined : this.groupRuns.get(group);
      if (!runs) continue;
      let on = 0;
      for (const r of runs) if (this.state.isSelected(r)) on++;
      const box = row.querySelector<HTMLInputElement>('input[type=checkbox]');
      if (box) {
        box.checked = on > 0;
        box.indeterminate = on > 0 && on < runs.length;
      }
      const count = row.querySelector('.count');
      if (count) count.textContent = `${on.toLocaleString()}/${runs.length.toLocaleString()}`;
    }
  }

  /** The rows in view, drawn afresh from the state. */
  render(): void {
    clear(this.spacer);
    if (this.state.runs.length === 0) {
      this.spacer.append(h('div', { class: 'muted small' }, 'No runs yet.'));
      return;
    }
    if (this.rows.length === 0) {
      this.spacer.append(h('div', { class: 'muted small' }, 'No run matches the filter.'));
      return;
    }
    const top = this.el.scrollTop;
    const height = this.el.clientHeight || 400;
    const first = Math.max(0, Math.floor(top / ROW) - OVERSCAN);
    const last = Math.min(this.rows.length, Math.ceil((top + height) / ROW) + OVERSCAN);
    for (let i = first; i < last; i++) {
      const row = this.rows[i];
      const el = row.kind === 'group' ? this.groupRow(row) : this.runRow(row.run, row.grouped);
      el.style.top = `${i * ROW}px`;
      this.spacer.append(el);
    }
  }

  private groupRow(row: { group: string; runs: string[] }): HTMLElement {
    let on = 0;
    for (const r of row.runs) if (this.state.isSelected(r)) on++;
    const box = h('input', { type: 'checkbox', checked: on > 0, 'data-group': row.group, title: 'Every run of this group' });
    box.indeterminate = on > 0 && on < row.runs.length;
    box.addEventListener('change', () => this.state.setSelected(row.runs, box.checked));
    const folded = this.collapsed.has(row.group);
    const caret = h('button', { class: 'ghost caret', 'aria-expanded': String(!folded), title: folded ? 'Show the runs' : 'Hide the runs' }, folded ? '▸' : '▾');
    caret.addEventListener('click', () => {
      if (this.collapsed.has(row.group)) this.collapsed.delete(row.group);
      else this.collapsed.add(row.group);
      this.rebuild();
    });
    return h('div', { class: 'run-row group-row', 'data-group-row': row.group },
      caret, box, h('span', { class: 'group-label', title: row.group }, `${row.group}/`), h('span', { class: 'count' }, `${on.toLocaleString()}/${row.runs.length.toLocaleString()}`));
  }

  private runRow(run: string, grouped: boolean): HTMLElement {
    const on = this.state.isSelected(run);
    const box = h('input', { type: 'checkbox', checked: on, 'data-run': run });
    box.addEventListener('change', () => this.state.toggleRun(run, box.checked));
    const color = h('input', { type: 'color', class: 'swatch-picker', value: this.state.colors.get(run), 'data-run-color': run, title: 'Pick this run\'s colour (remembered for this job)' });
    color.addEventListener('change', () => this.state.setColor(run, color.value));
    const slash = grouped ? run.indexOf('/') : -1;
    const name = slash > 0
      ? h('span', { class: 'run-name' }, h('span', { class: 'leaf' }, run.slice(slash + 1)))
      : runName(run);
    return h('label', { class: `run-row${on ? '' : ' off'}${grouped ? ' in-group' : ''}`, title: run, role: 'listitem', 'data-run-row': run }, box, color, name);
  }
}

/** A run as "parent/" (shrinks first, muted) + its last segment, so sub-runs stay tell-apart-able. */
function runName(run: string): HTMLElement {
  const slash = run.lastIndexOf('/');
  if (slash <= 0) return h('span', { class: 'run-name' }, h('span', { class: 'leaf' }, run));
  return h('span', { class: 'run-name' }, h('span', { class: 'parent' }, run.slice(0, slash + 1)), h('span', { class: 'leaf' }, run.slice(slash + 1)));
}
