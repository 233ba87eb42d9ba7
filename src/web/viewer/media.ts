// Images and Audio: one card per run and tag, a step slider over its samples (newest shown first),
// the bytes fetched by blob key from the data API. Images have TensorBoard's image settings on
// the tab's toolbar — brightness and contrast (CSS filters on every image, kept across reloads)
// and actual size (natural pixels instead of fitting the card) — and a click enlarges an image in
// a dialog (Escape or a click outside closes it).
import './dashboards.css';
import { h, clear } from '../lib/dom.js';
import { tbNumber } from '../lib/tb-values.js';
import type { DataClient } from './data.js';
import type { ViewerState } from './state.js';
import { CardPages, shownFingerprint, tagsByRun, type Tab } from './tab.js';
import { tagLabel } from './names.js';

interface MediaEntry { wall: number; step: number; query: string; label?: string; contentType?: string }

/** Brightness and contrast in percent (100: unchanged), as TensorBoard's sliders adjust them. */
interface ImageSettings { brightness: number; contrast: number; actualSize: boolean }
const IMAGE_KEY = 'vizjobs.viewer.images';
const IMAGE_DEFAULTS: ImageSettings = { brightness: 100, contrast: 100, actualSize: false };

function loadImageSettings(): ImageSettings {
  try {
    const saved = JSON.parse(localStorage.getItem(IMAGE_KEY) ?? '{}') as Partial<ImageSettings>;
    const pct = (v: unknown, d: number): number => (typeof v === 'number' && v >= 0 && v <= 300 ? v : d);
    return { brightness: pct(saved.brightness, 100), contrast: pct(saved.contrast, 100), actualSize: saved.actualSize === true };
  } catch {
    return { ...IMAGE_DEFAULTS };
  }
}

/** The CSS filter for the settings; `none` when nothing is adjusted. */
export function imageFilter(s: ImageSettings): string {
  return s.brightness === 100 && s.contrast === 100 ? 'none' : `brightness(${s.brightness / 100}) contrast(${s.contrast / 100})`;
}

export class MediaTab implements Tab {
  private shown = '';
  readonly el: HTMLElement;
  private tags = new Map<string, string[]>();
  private readonly cache = new Map<string, MediaEntry[]>();
  /** Slider positions survive refreshes; absent means "newest". */
  private readonly picked = new Map<string, number>();
  private readonly imageSettings = loadImageSettings();
  private readonly toolbar: HTMLElement | undefined;
  private readonly grid: HTMLElement;
  private lightbox: HTMLDialogElement | undefined;
  private readonly pages = new CardPages(() => void this.refresh().catch(() => undefined));

  constructor(private readonly kind: 'images' | 'audio', private readonly data: DataClient, private readonly state: ViewerState) {
    this.grid = h('div', { class: 'media-cards' });
    this.toolbar = kind === 'images' ? this.imageToolbar() : undefined;
    this.el = h('div', { class: 'tab-body', id: kind }, this.toolbar, this.grid);
    if (kind === 'images') this.applyImageSettings();
  }

  private imageToolbar(): HTMLElement {
    const slider = (key: 'brightness' | 'contrast', label: string): [HTMLElement, () => void] => {
      const input = h('input', { type: 'range', id: `image-${key}`, min: 0, max: 200, step: 1, value: this.imageSettings[key], 'aria-label': label });
      const out = h('span', { class: 'mono image-pct' });
      const sync = (): void => {
        input.value = String(this.imageSettings[key]);
        out.textContent = `${this.imageSettings[key]}%`;
      };
      input.addEventListener('input', () => {
        this.imageSettings[key] = Number(input.value);
        sync();
        this.applyImageSettings();
      });
      sync();
      return [h('label', { class: 'image-setting' }, h('span', {}, label), input, out), sync];
    };
    const [brightness, syncB] = slider('brightness', 'Brightness');
    const [contrast, syncC] = slider('contrast', 'Contrast');
    const reset = h('button', { class: 'ghost small', id: 'image-reset', title: 'Brightness and contrast back to 100%' }, 'Reset');
    reset.addEventListener('click', () => {
      this.imageSettings.brightness = 100;
      this.imageSettings.contrast = 100;
      syncB();
      syncC();
      this.applyImageSettings();
    });
    const actual = h('input', { type: 'checkbox', id: 'image-actual-size', checked: this.imageSettings.actualSize });
    actual.addEventListener('change', () => {
      this.imageSettings.actualSize = actual.checked;
      this.applyImageSettings();
    });
    return h('div', { class: 'media-toolbar' }, brightness, contrast, reset,
      h('label', { class: 'image-setting check', title: 'Show images at their own pixel size instead of fitting the card' }, actual, 'Actual size'));
  }

  private applyImageSettings(): void {
    this.el.style.setProperty('--image-filter', imageFilter(this.imageSettings));
    this.el.classList.toggle('actual-size', this.imageSettings.actualSize);
    try {
      localStorage.setItem(IMAGE_KEY, JSON.stringify(this.imageSettings));
    } catch {
      /* private mode: the settings last for this page */
    }
  }

  /** The enlarged view: one dialog for the tab, filled with the clicked image. */
  private enlarge(src: string, title: string): void {
    if (!this.lightbox) {
      const dlg = h('dialog', { class: 'lightbox', 'aria-label': 'Enlarged image' });
      // A click on the backdrop (the dialog element itself, outside its content) closes it.
      dlg.addEventListener('click', (ev) => { if (ev.target === dlg) dlg.close(); });
      document.body.append(dlg);
      this.lightbox = dlg;
    }
    const dlg = this.lightbox;
    const img = h('img', { src, alt: title, class: 'lightbox-img' });
    img.style.filter = imageFilter(this.imageSettings);
    img.addEventListener('load', () => {
      // Small images grow by a whole factor to fill the view, pixels kept sharp.
      const room = Math.min(window.innerWidth * 0.88, window.innerHeight * 0.78);
      const f = Math.floor(room / Math.max(img.naturalWidth, img.naturalHeight, 1));
      if (f >= 2) img.style.width = `${img.naturalWidth * f}px`;
    });
    const close = h('button', { class: 'ghost', 'aria-label': 'Close', title: 'Close (Esc)' }, '✕');
    close.addEventListener('click', () => dlg.close());
    dlg.replaceChildren(h('header', { class: 'lightbox-head' }, h('span', { class: 'lightbox-title' }, title), h('span', { class: 'spacer' }), close),
      h('div', { class: 'lightbox-body' }, img));
    if (!dlg.open) dlg.showModal();
  }

  count(): number {
    return this.tags.size;
  }

  async refreshCount(): Promise<void> {
    this.tags = tagsByRun(await this.data.json(`plugin/${this.kind}/tags`), this.state.runs);
  }

  async refresh(): Promise<void> {
    await this.refreshCount();
    await this.pages.load(this.tags, this.state, this.cache, async (run, tag) => {
      const rows = await this.data.json<Array<Record<string, unknown>>>(`plugin/${this.kind}/${this.kind}`, { run, tag, sample: 0 });
      return rows.map((r) => ({
        wall: tbNumber(r.wall_time), step: tbNumber(r.step), query: String(r.query ?? ''),
        label: typeof r.label === 'string' ? r.label : undefined, contentType: typeof r.contentType === 'string' ? r.contentType : undefined,
      }));
    });
    const fp = shownFingerprint(this.state, this.pages, this.cache, (e) => e.step);
    if (fp === this.shown) return;
    this.shown = fp;
    this.redraw();
  }

  redraw(): void {
    clear(this.grid);
    const all = this.pages.all(this.tags, this.state);
    const grid = h('div', { class: 'grid media' });
    for (const { tag, run } of this.pages.current(all)) {
      const entries = this.cache.get(`${run}\u0000${tag}`);
      if (!entries || entries.length === 0) continue;
      grid.append(this.card(run, tag, entries));
    }
    if (this.toolbar) this.toolbar.hidden = grid.childElementCount === 0;
    if (grid.childElementCount) this.grid.append(this.pages.pager(all.length), grid, this.pages.pager(all.length));
    else this.grid.append(h('div', { class: 'empty' }, `No ${this.kind} for the selected runs and tags.`));
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
        const img = h('img', { src, alt: `${tag} at step ${e.step}`, title: 'Click to enlarge' });
        // Small images (e.g. 28×28 inputs) are scaled up by a whole factor, pixels kept sharp
        // (actual size overrides this in CSS).
        img.addEventListener('load', () => {
          const f = Math.floor(160 / Math.max(img.naturalWidth, img.naturalHeight));
          if (f >= 2) img.style.width = `${img.naturalWidth * f}px`;
        });
        img.addEventListener('click', () => this.enlarge(src, `${tagLabel(tag)} · ${run} · step ${e.step}`));
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
