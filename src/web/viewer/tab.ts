// What every viewer tab provides to the page: its element, a refresh from the server (first load
// and every poll), a redraw from what it holds (settings or run selection changed), and how much
// it has, so empty tabs can say so in the tab bar.
import type { Change, ViewerState } from './state.js';
import type { SettingName } from './settings-panel.js';
export interface Tab {
  readonly el: HTMLElement;
  /** The sidebar settings this tab reads (settings-panel.ts); the others are hidden while it shows. */
  readonly settings?: readonly SettingName[];
  refresh(): Promise<void>;
  /** `changes`: what changed since the last redraw (absent: assume everything). */
  redraw(changes?: ReadonlySet<Change>): void;
  count(): number;
}

/** Tags of a `{run: {tag: …}}` answer as tag → runs, runs in the page's order. */
export function tagsByRun(tags: Record<string, Record<string, unknown> | string[]>, runOrder: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const runs = runOrder.filter((r) => r in tags).concat(Object.keys(tags).filter((r) => !runOrder.includes(r)));
  for (const run of runs) {
    const t = tags[run];
    const names = Array.isArray(t) ? t : Object.keys(t ?? {});
    for (const tag of names) {
      const list = out.get(tag) ?? [];
      list.push(run);
      out.set(tag, list);
    }
  }
  return new Map([...out.entries()].sort((a, b) => a[0].localeCompare(b[0], undefined, { numeric: true })));
}

/**
 * A cheap fingerprint of what a tab holds (per key: how many entries and the last step), so a poll
 * that brought nothing new does not rebuild the DOM — rebuilding would stop a playing audio clip
 * and make images flicker every few seconds.
 */
export function fingerprint(entries: Iterable<[string, ArrayLike<unknown>]>, stepOf: (e: unknown) => number): string {
  const parts: string[] = [];
  for (const [k, list] of entries) parts.push(`${k}:${list.length}:${list.length ? stepOf(list[list.length - 1]) : ''}`);
  return parts.sort().join('|');
}

/**
 * Fetches every series the page shows — each visible run of each tag the filter lets through —
 * into `cache` under `run\u0000tag`, all requests at once.
 */
export async function loadShownSeries<T>(
  tags: Map<string, string[]>,
  state: ViewerState,
  cache: Map<string, T[]>,
  load: (run: string, tag: string) => Promise<T[]>,
): Promise<void> {
  const visible = new Set(state.visibleRuns());
  await Promise.all([...tags].flatMap(([tag, runs]) => runs.filter((r) => visible.has(r) && state.tagMatches(tag)).map(async (run) => {
    cache.set(`${run}\u0000${tag}`, await load(run, tag));
  })));
}

/** Which runs and tags are shown plus what is cached for them: a tab redraws only when this changes. */
export function shownFingerprint<T>(state: ViewerState, cache: Map<string, T[]>, stepOf: (e: T) => number): string {
  return `${state.visibleRuns().join(',')}/${state.settings.tagFilter}#${fingerprint(cache, (e) => stepOf(e as T))}`;
}
