// Images and Audio: one card per run and tag, a step slider over its samples (newest shown first),
// the bytes fetched by blob key from the data API.
import { h, clear } from '../lib/dom.js';
import { tbNumber } from '../lib/tb-values.js';
import type { DataClient } from './data.js';
import type { ViewerState } from './state.js';
import { loadShownSeries, shownFingerprint, tagsByRun, type Tab } from './tab.js';
import { tagLabel } from './names.js';

interface MediaEntry { wall: number; step: number; query: string; label?: string; contentType?: string }

export class MediaTab implements Tab {
  private shown = '';
  readonly el: HTMLElement;
  private tags = new Map<string, string[]>();
  private readonly cache = new Map<string, MediaEntry[]>();
  /** Slider positions survive refreshes; absent means "newest". */
  private readonly picked = new Map<string, number>();

  constructor(private readonly kind: 'images' | 'audio', private readonly data: DataClient, private readonly state: ViewerState) {
    this.el = h('div', { class: 'tab-body', id: kind });
  }

  count(): number {
    return this.tags.size;
  }

  async refresh(): Promise<void> {
    this.tags = tagsByRun(await this.data.json(`plugin/${this.kind}/tags`), this.state.runs);
    await loadShownSeries(this.tags, this.state, this.cache, async (run, tag) => {
      const rows = await this.data.json<Array<Record<string, unknown>>>(`plugin/${this.kind}/${this.kind}`, { run, tag, sample: 0 });
      return rows.map((r) => ({
        wall: tbNumber(r.wall_time), step: tbNumber(r.step), query: String(r.query ?? ''),
        label: typeof r.label === 'string' ? r.label : undefined, contentType: typeof r.contentType === 'string' ? r.contentType : undefined,
      }));
    });
    const fp = shownFingerprint(this.state, this.cache, (e) => e.step);
    if (fp === this.shown) return;
    this.shown = fp;
    this.redraw();
  }

  redraw(): void {
    clear(this.el);
    const visible = new Set(this.state.visibleRuns());
    const grid = h('div', { class: 'grid media' });
    for (const [tag, runs] of this.tags) {
      if (!this.state.tagMatches(tag)) continue;
      for (const run of runs) {
        const entries = this.cache.get(`${run}\u0000${tag}`);
        if (!visible.has(run) || !entries || entries.length === 0) continue;
        grid.append(this.card(run, tag, entries));
      }
    }
    this.el.append(grid.childElementCount ? grid : h('div', { class: 'empty' }, `No ${this.kind} for the selected runs and tags.`));
  }

  private card(run: string, tag: string, entries: MediaEntry[]): HTMLElement {
    const key = `${run}\u0000${tag}`;
    const stage = h('div', { class: 'stage' });
    const stepLabel = h('span', { class: 'mono' });
    const slider = h('input', { type: 'range', min: 0, max: entries.length - 1, step: 1, class: 'step-slider' });
    const show = (i: number): void => {
      const e = entries[i];
      stepLabel.textContent = `step ${e.step}`;
      clear(stage);
      const src = this.data.url(`plugin/${this.kind === 'images' ? 'images/individualImage' : 'audio/individualAudio'}`) + `?${e.query}`;
      if (this.kind === 'images') {
        const img = h('img', { src, alt: `${tag} at step ${e.step}` });
        // Small images (e.g. 28×28 inputs) are scaled up by a whole factor, pixels kept sharp.
        img.addEventListener('load', () => {
          const f = Math.floor(160 / Math.max(img.naturalWidth, img.naturalHeight));
          if (f >= 2) img.style.width = `${img.naturalWidth * f}px`;
        });
        stage.append(img);
      }
      else stage.append(h('audio', { controls: true, preload: 'metadata', src }), e.label ? h('div', { class: 'muted small' }, e.label) : '');
    };
    const at = Math.min(this.picked.get(key) ?? entries.length - 1, entries.length - 1);
    slider.value = String(at);
    slider.addEventListener('input', () => {
      const i = Number(slider.value);
      this.picked.set(key, i);
      show(i);
    });
    show(at);
    return h('div', { class: 'card', 'data-tag': tag, 'data-run': run },
      h('div', { class: 'card-head' }, h('span', { class: 'swatch', style: `background:${this.state.colors.get(run)}` }),
        h('span', { class: 'card-title' }, tagLabel(tag)), h('span', { class: 'spacer' }), h('span', { class: 'muted small' }, run)),
      stage,
      entries.length > 1 ? h('div', { class: 'slider-row' }, slider, stepLabel) : h('div', { class: 'slider-row' }, stepLabel));
  }
}
