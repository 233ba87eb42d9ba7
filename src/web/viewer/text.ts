// The Text tab. The server renders markdown and sanitizes the HTML (no script survives there), so
// it is inserted as HTML here; nothing else in the UI ever inserts server text as HTML.
import { h, clear } from '../lib/dom.js';
import { tbNumber } from '../lib/tb-values.js';
import type { DataClient } from './data.js';
import type { ViewerState } from './state.js';
import { CardPages, shownFingerprint, tagsByRun, type Tab } from './tab.js';

interface TextEntry { wall: number; step: number; html: string }

export class TextTab implements Tab {
  private shown = '';
  readonly el = h('div', { class: 'tab-body', id: 'text' });
  private tags = new Map<string, string[]>();
  private readonly cache = new Map<string, TextEntry[]>();
  private readonly pages = new CardPages(() => void this.refresh().catch(() => undefined));

  constructor(private readonly data: DataClient, private readonly state: ViewerState) {}

  count(): number {
    return this.tags.size;
  }

  async refreshCount(): Promise<void> {
    this.tags = tagsByRun(await this.data.json('plugin/text/tags'), this.state.runs);
  }

  async refresh(): Promise<void> {
    await this.refreshCount();
    await this.pages.load(this.tags, this.state, this.cache, async (run, tag) =>
      (await this.data.json<Array<Record<string, unknown>>>('plugin/text/text', { run, tag }))
        .map((r) => ({ wall: tbNumber(r.wall_time), step: tbNumber(r.step), html: String(r.text ?? '') })));
    const fp = shownFingerprint(this.state, this.pages, this.cache, (e) => e.step);
    if (fp === this.shown) return;
    this.shown = fp;
    this.redraw();
  }

  redraw(): void {
    clear(this.el);
    const all = this.pages.all(this.tags, this.state);
    let shown = 0;
    this.el.append(this.pages.pager(all.length));
    for (const { tag, run } of this.pages.current(all)) {
      const entries = this.cache.get(`${run}\u0000${tag}`);
      if (!entries) continue;
      shown++;
      const list = h('div', { class: 'text-list' });
      for (const e of [...entries].reverse()) {
        const body = h('div', { class: 'text-body' });
        body.innerHTML = e.html; // sanitized by the server (see the module comment)
        list.append(h('div', { class: 'text-entry' }, h('div', { class: 'text-step mono' }, `step ${e.step}`), body));
      }
      this.el.append(h('div', { class: 'card text-card', 'data-tag': tag, 'data-run': run },
        h('div', { class: 'card-head' }, h('span', { class: 'swatch', style: `background:${this.state.colors.get(run)}` }),
          h('span', { class: 'card-title' }, tag), h('span', { class: 'spacer' }), h('span', { class: 'muted small' }, `${run} · ${entries.length}`)),
        list));
    }
    if (shown === 0) this.el.replaceChildren(h('div', { class: 'empty' }, 'No text for the selected runs and tags.'));
    else this.el.append(this.pages.pager(all.length));
  }
}
