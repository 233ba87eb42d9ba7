// Settings and run selection shared by every tab. Settings survive a reload (localStorage); the
// run list is the server's, in its order, and a run keeps its colour for the page's lifetime.
import { RunColors } from '../lib/colors.js';

export type XAxis = 'step' | 'relative' | 'wall';

export interface Settings {
  smoothing: number;
  xAxis: XAxis;
  logScale: boolean;
  runFilter: string;
  tagFilter: string;
  /** Ask the server for every sample instead of its 10,000-point reduction of long series. */
  allSamples: boolean;
}

const KEY = 'vizjobs.viewer.settings';
const DEFAULTS: Settings = { smoothing: 0.6, xAxis: 'step', logScale: false, runFilter: '', tagFilter: '', allSamples: false };

export class ViewerState {
  settings: Settings;
  runs: string[] = [];
  readonly colors = new RunColors();
  /** Runs the person switched off with their checkbox. */
  readonly disabled = new Set<string>();
  private readonly listeners = new Set<() => void>();

  constructor() {
    let saved: Partial<Settings> = {};
    try {
      saved = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<Settings>;
    } catch {
      saved = {};
    }
    this.settings = { ...DEFAULTS, ...saved };
  }

  update(patch: Partial<Settings>): void {
    this.settings = { ...this.settings, ...patch };
    localStorage.setItem(KEY, JSON.stringify(this.settings));
    this.emit();
  }

  setRuns(runs: string[]): void {
    const changed = runs.length !== this.runs.length || runs.some((r, i) => r !== this.runs[i]);
    this.runs = runs;
    for (const r of runs) this.colors.get(r);
    if (changed) this.emit();
  }

  toggleRun(run: string, on: boolean): void {
    if (on) this.disabled.delete(run);
    else this.disabled.add(run);
    this.emit();
  }

  /** Runs drawn now: enabled by checkbox and matching the run regex. */
  visibleRuns(): string[] {
    const re = safeRegex(this.settings.runFilter);
    return this.runs.filter((r) => !this.disabled.has(r) && (!re || re.test(r)));
  }

  tagMatches(tag: string): boolean {
    const re = safeRegex(this.settings.tagFilter);
    return !re || re.test(tag);
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  emit(): void {
    for (const fn of this.listeners) fn();
  }
}

/** A regex from what the person typed; an invalid one matches as a plain substring. */
export function safeRegex(src: string): RegExp | undefined {
  if (!src) return undefined;
  try {
    return new RegExp(src, 'i');
  } catch {
    return new RegExp(src.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
  }
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
