// Settings and run selection shared by every tab, and where they live. Invariants:
// - The address holds everything a person would share (smoothing, x axis, log scale, outliers,
//   tooltip order, run and tag filters, run selection, pinned cards): opening the link shows the
//   same view. Only values that differ from the defaults are written, so links stay short.
// - localStorage holds the same per job (keyed by the job's service_url path), never one
//   browser-wide key: a filter typed in one job cannot hide anything in another.
// - Run selection is a rule plus exceptions (all / none / runs matching a regex, then single runs
//   switched on or off), so "select matching" over 10,000 runs is one regex in the URL, not a list.
// - Listeners hear which parts changed, so a tab redraws only what depends on them.
import { RunColors } from '../lib/colors.js';

export type XAxis = 'step' | 'relative' | 'wall';
export type TooltipSort = 'default' | 'ascending' | 'descending' | 'nearest';

export interface Settings {
  smoothing: number;
  xAxis: XAxis;
  logScale: boolean;
  runFilter: string;
  tagFilter: string;
  /** Ask the server for every sample instead of its 10,000-point reduction of long series. */
  allSamples: boolean;
  /** Scale y to the 5–95 % quantiles of what is shown (TensorBoard's "Ignore outliers"). */
  ignoreOutliers: boolean;
  tooltipSort: TooltipSort;
  /** Scalar tags pinned to the top of the Scalars tab, in pin order. */
  pinned: string[];
}

export interface Selection {
  mode: 'all' | 'none' | 'regex';
  regex: string;
  /** Runs switched on / off by hand against the rule. */
  on: Set<string>;
  off: Set<string>;
}

export type Change = keyof Settings | 'runs' | 'selection' | 'colors';

export const DEFAULTS: Settings = {
  smoothing: 0.6, xAxis: 'step', logScale: false, runFilter: '', tagFilter: '', allSamples: false,
  ignoreOutliers: false, tooltipSort: 'default', pinned: [],
};
const SORTS: TooltipSort[] = ['default', 'ascending', 'descending', 'nearest'];
const AXES: XAxis[] = ['step', 'relative', 'wall'];

/** The key this job's settings are kept under: its service_url path (the page's viewer root). */
export function jobStorageKey(base: string, what: 'settings' | 'colors'): string {
  return `vizjobs.viewer.${what}:${base}`;
}

export class ViewerState {
  settings: Settings;
  selection: Selection = { mode: 'all', regex: '', on: new Set(), off: new Set() };
  runs: string[] = [];
  readonly colors: RunColors;
  private readonly listeners = new Set<(changes: ReadonlySet<Change>) => void>();
  private visibleMemo: { key: unknown[]; runs: string[]; set: Set<string> } | undefined;
  private runsVersion = 0;
  private selectionVersion = 0;
  private tagRe: { src: string; re: RegExp | undefined } = { src: '', re: undefined };

  /** `base`: the job's viewer root; `params`: settings from the address (they win over storage). */
  constructor(private readonly base: string, params?: URLSearchParams) {
    this.colors = new RunColors(jobStorageKey(base, 'colors'));
    this.settings = { ...DEFAULTS };
    if (params && hasSettings(params)) this.applyParams(params, false);
    else this.loadStored();
  }

  private loadStored(): void {
    // Stored as the address's own parameters: one format, one parser, checked by applyParams.
    let saved: string | null = null;
    try {
      saved = localStorage.getItem(jobStorageKey(this.base, 'settings'));
    } catch {
      /* storage disabled: defaults */
    }
    if (saved) this.applyParams(new URLSearchParams(saved), false);
  }

  /** Everything shareable, as address parameters (defaults left out). */
  toParams(): URLSearchParams {
    const p = new URLSearchParams();
    const s = this.settings;
    if (s.smoothing !== DEFAULTS.smoothing) p.set('smoothing', String(s.smoothing));
    if (s.xAxis !== DEFAULTS.xAxis) p.set('x', s.xAxis);
    if (s.logScale) p.set('log', '1');
    if (s.ignoreOutliers) p.set('outliers', 'ignore');
    if (s.tooltipSort !== DEFAULTS.tooltipSort) p.set('sort', s.tooltipSort);
    if (s.allSamples) p.set('samples', 'all');
    if (s.runFilter) p.set('runFilter', s.runFilter);
    if (s.tagFilter) p.set('tagFilter', s.tagFilter);
    const sel = this.selection;
    if (sel.mode === 'none') p.set('sel', 'none');
    else if (sel.mode === 'regex') p.set('sel', `re:${sel.regex}`);
    for (const r of sel.on) p.append('on', r);
    for (const r of sel.off) p.append('off', r);
    for (const t of s.pinned) p.append('pin', t);
    return p;
  }

  /** Replaces every setting with what `p` says (absent = default). */
  applyParams(p: URLSearchParams, notify = true): void {
    const num = Number(p.get('smoothing'));
    const x = p.get('x') as XAxis | null;
    const sort = p.get('sort') as TooltipSort | null;
    this.settings = {
      smoothing: p.has('smoothing') && Number.isFinite(num) ? Math.min(Math.max(num, 0), 0.999) : DEFAULTS.smoothing,
      xAxis: x && AXES.includes(x) ? x : DEFAULTS.xAxis,
      logScale: p.get('log') === '1',
      ignoreOutliers: p.get('outliers') === 'ignore',
      tooltipSort: sort && SORTS.includes(sort) ? sort : DEFAULTS.tooltipSort,
      allSamples: p.get('samples') === 'all',
      runFilter: p.get('runFilter') ?? '',
      tagFilter: p.get('tagFilter') ?? '',
      pinned: unique(p.getAll('pin')),
    };
    const sel = p.get('sel') ?? '';
    this.selection = {
      mode: sel === 'none' ? 'none' : sel.startsWith('re:') ? 'regex' : 'all',
      regex: sel.startsWith('re:') ? sel.slice(3) : '',
      on: new Set(p.getAll('on')),
      off: new Set(p.getAll('off')),
    };
    this.selectionVersion++;
    if (notify) this.changed(new Set<Change>([...(Object.keys(DEFAULTS) as Change[]), 'selection']));
  }

  update(patch: Partial<Settings>): void {
    const changes = new Set<Change>();
    for (const [k, v] of Object.entries(patch) as Array<[keyof Settings, unknown]>) {
      if (JSON.stringify(this.settings[k]) !== JSON.stringify(v)) changes.add(k);
    }
    if (changes.size === 0) return;
    this.settings = { ...this.settings, ...patch };
    this.changed(changes);
  }

  setRuns(runs: string[]): void {
    const changed = runs.length !== this.runs.length || runs.some((r, i) => r !== this.runs[i]);
    if (!changed) return;
    this.runs = runs;
    this.runsVersion++;
    this.changed(new Set<Change>(['runs']));
  }

  /** On by the selection rule and its exceptions (regardless of the run filter). */
  isSelected(run: string): boolean {
    const s = this.selection;
    if (s.off.has(run)) return false;
    if (s.on.has(run)) return true;
    if (s.mode === 'all') return true;
    if (s.mode === 'none') return false;
    return safeRegex(s.regex)?.test(run) ?? true;
  }

  /** Switches runs on or off by hand, as exceptions to the rule. */
  setSelected(runs: Iterable<string>, on: boolean): void {
    const s = this.selection;
    const re = s.mode === 'regex' ? safeRegex(s.regex) : undefined;
    for (const run of runs) {
      const byRule = s.mode === 'all' || (s.mode === 'regex' && (re?.test(run) ?? true));
      s.on.delete(run);
      s.off.delete(run);
      if (on !== byRule) (on ? s.on : s.off).add(run);
    }
    this.selectionVersion++;
    this.changed(new Set<Change>(['selection']));
  }

  toggleRun(run: string, on: boolean): void {
    this.setSelected([run], on);
  }

  /** all / none / the runs the run filter matches now (TensorBoard's "select matching"). */
  select(mode: 'all' | 'none' | 'matching'): void {
    const regex = this.settings.runFilter;
    this.selection = mode === 'matching' && regex
      ? { mode: 'regex', regex, on: new Set(), off: new Set() }
      : { mode: mode === 'none' ? 'none' : 'all', regex: '', on: new Set(), off: new Set() };
    this.selectionVersion++;
    this.changed(new Set<Change>(['selection']));
  }

  /** Runs that pass the run filter (what the run list shows). */
  filteredRuns(): string[] {
    const re = safeRegex(this.settings.runFilter);
    return re ? this.runs.filter((r) => re.test(r)) : this.runs;
  }

  /** Runs drawn now: selected and matching the run filter. Memoized: tabs ask for it per card. */
  visibleRuns(): string[] {
    return this.visible().runs;
  }

  visibleSet(): ReadonlySet<string> {
    return this.visible().set;
  }

  private visible(): { runs: string[]; set: Set<string> } {
    const key = [this.runsVersion, this.selectionVersion, this.settings.runFilter];
    const m = this.visibleMemo;
    if (m && m.key.every((k, i) => k === key[i])) return m;
    const s = this.selection;
    const re = s.mode === 'regex' ? safeRegex(s.regex) : undefined;
    const runs = this.filteredRuns().filter((r) => !s.off.has(r) && (s.on.has(r) || s.mode === 'all' || (s.mode === 'regex' && (re?.test(r) ?? true))));
    this.visibleMemo = { key, runs, set: new Set(runs) };
    return this.visibleMemo;
  }

  tagMatches(tag: string): boolean {
    if (this.tagRe.src !== this.settings.tagFilter) this.tagRe = { src: this.settings.tagFilter, re: safeRegex(this.settings.tagFilter) };
    return !this.tagRe.re || this.tagRe.re.test(tag);
  }

  setColor(run: string, color: string | undefined): void {
    this.colors.set(run, color);
    this.changed(new Set<Change>(['colors']));
  }

  onChange(fn: (changes: ReadonlySet<Change>) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(changes: ReadonlySet<Change>): void {
    if (!changes.has('runs') || changes.size > 1) {
      try {
        localStorage.setItem(jobStorageKey(this.base, 'settings'), this.toParams().toString());
      } catch {
        /* storage full or disabled: the address still holds it */
      }
    }
    for (const fn of this.listeners) fn(changes);
  }
}

function hasSettings(p: URLSearchParams): boolean {
  return [...p.keys()].length > 0;
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}

const regexCache = new Map<string, RegExp | undefined>();
/** A regex from what the person typed; an invalid one matches as a plain substring. */
export function safeRegex(src: string): RegExp | undefined {
  if (!src) return undefined;
  if (regexCache.has(src)) return regexCache.get(src);
  let re: RegExp;
  try {
    re = new RegExp(src, 'i');
  } catch {
    re = new RegExp(src.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
  }
  if (regexCache.size > 200) regexCache.clear();
  regexCache.set(src, re);
  return re;
}

export function regexError(src: string): string | undefined {
  if (!src) return undefined;
  try {
    new RegExp(src, 'i');
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : 'invalid regex';
  }
}
