// What every viewer tab provides to the page: its element, a refresh from the server (first load
// and every poll), a redraw from what it holds (settings or run selection changed), and how much
// it has, so empty tabs can say so in the tab bar.
import { h } from '../lib/dom.js';
import type { Change, ViewerState } from './state.js';
import type { SettingName } from './settings-panel.js';
export interface Tab {
  readonly el: HTMLElement;
  /** The sidebar settings this tab reads (settings-panel.ts); the others are hidden while it shows. */
  readonly settings?: readonly SettingName[];
  refresh(): Promise<void>;
  /**
   * What count() needs and nothing more (a tags list, a layout), for the tab bar's numbers of tabs
   * not open; absent: refresh(). Filling every tab's series in the background was 24 requests a
   * per-card tab, and a request per shown run and regex for Custom Scalars.
   */
  refreshCount?(): Promise<void>;
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

/** One card of a per-card tab (Histograms, Distributions, Images, Audio, Text): a tag of a run. */
export interface CardKey {
  tag: string;
  run: string;
}

/**
 * Cards a per-card tab shows at once. Those tabs make a request and a card per run and tag, so a
 * sweep with 1,000 runs shown was 1,000 requests and canvases per tag, every poll, and the same
 * again in the background for every other tab's count. TensorBoard's own dashboards page their
 * cards the same way (12 by default).
 */
export const CARDS_PER_PAGE = 24;

/** The page a per-card tab shows of its cards, and the pager that turns it. */
export class CardPages {
  private page = 0;

  /** `turned`: the page changed (the tab loads what the new page shows and redraws). */
  constructor(private readonly turned: () => void) {}

  /** Each visible run of each tag the filter lets through, tags in order, runs in the page's order. */
  all(tags: Map<string, string[]>, state: ViewerState): CardKey[] {
    const visible = state.visibleSet();
    const out: CardKey[] = [];
    for (const [tag, runs] of tags) {
      if (!state.tagMatches(tag)) continue;
      for (const run of runs) if (visible.has(run)) out.push({ tag, run });
    }
    return out;
  }

  /** The cards of the current page (the last page when fewer cards are left than the page was at). */
  current(all: CardKey[]): CardKey[] {
    this.page = Math.max(0, Math.min(this.page, Math.ceil(all.length / CARDS_PER_PAGE) - 1));
    return all.slice(this.page * CARDS_PER_PAGE, (this.page + 1) * CARDS_PER_PAGE);
  }

  /** Fetches the series of the current page's cards (again at every refresh: a poll brings new samples) into `cache` under `run\u0000tag`. */
  async load<T>(tags: Map<string, string[]>, state: ViewerState, cache: Map<string, T[]>, load: (run: string, tag: string) => Promise<T[]>): Promise<void> {
    await Promise.all(this.current(this.all(tags, state)).map(async ({ run, tag }) => {
      cache.set(`${run}\u0000${tag}`, await load(run, tag));
    }));
  }

  /** For fingerprints: a page turn must redraw. */
  get key(): number {
    return this.page;
  }

  /** "Cards 25–48 of 2,000" between previous and next; nothing when one page holds every card. */
  pager(total: number): HTMLElement | '' {
    if (total <= CARDS_PER_PAGE) return '';
    const last = Math.ceil(total / CARDS_PER_PAGE) - 1;
    const turn = (to: number): void => {
      this.page = Math.max(0, Math.min(last, to));
      this.turned();
    };
    const first = this.page * CARDS_PER_PAGE;
    const fmt = (n: number): string => n.toLocaleString('en-US');
    return h('div', { class: 'card-pager', role: 'navigation', 'aria-label': 'Card pages' },
      h('button', { type: 'button', class: 'pager-prev', disabled: this.page === 0, onclick: () => turn(this.page - 1), 'aria-label': 'Previous cards' }, '‹'),
      h('span', { class: 'muted small pager-label' }, `Cards ${fmt(first + 1)}–${fmt(Math.min(total, first + CARDS_PER_PAGE))} of ${fmt(total)}`),
      h('button', { type: 'button', class: 'pager-next', disabled: this.page === last, onclick: () => turn(this.page + 1), 'aria-label': 'Next cards' }, '›'));
  }
}


/** Which cards are shown plus what is cached for them: a tab redraws only when this changes. */
export function shownFingerprint<T>(state: ViewerState, pages: CardPages, cache: Map<string, T[]>, stepOf: (e: T) => number): string {
  return `${state.visibleRuns().join(',')}/${state.settings.tagFilter}/${pages.key}#${fingerprint(cache, (e) => stepOf(e as T))}`;
}
