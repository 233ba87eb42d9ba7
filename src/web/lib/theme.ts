// Light or dark: the system's choice (prefers-color-scheme) unless the person picked one with the
// switch, which is remembered in localStorage for every page of this origin. The choice is a
// `data-theme` attribute on <html>; base.css holds both palettes as CSS variables, so nothing else
// needs to know which is shown.
import { h } from './dom.js';

export type ThemeChoice = 'auto' | 'light' | 'dark';
const KEY = 'vizjobs.theme';
const ORDER: readonly ThemeChoice[] = ['auto', 'light', 'dark'];

export function storedTheme(): ThemeChoice {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'auto';
  } catch {
    return 'auto';
  }
}

/**
 * Counts the palette's changes (a choice applied, the system's scheme switched): canvas charts
 * bake chartInk() in when built, so a chart built under another count is built again.
 */
export let themeEpoch = 0;
/** What listens for a palette change (the viewer redraws its charts). */
const themeListeners = new Set<() => void>();

export function onThemeChange(fn: () => void): void {
  themeListeners.add(fn);
}

function themeChanged(): void {
  themeEpoch++;
  for (const fn of themeListeners) fn();
}

let watchingSystem = false;

export function applyTheme(choice: ThemeChoice = storedTheme()): void {
  const root = document.documentElement;
  if (choice === 'auto') root.removeAttribute('data-theme');
  else root.setAttribute('data-theme', choice);
  if (!watchingSystem) {
    watchingSystem = true;
    // "auto" follows the system: a switch there is a palette change too.
    window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
      if (storedTheme() === 'auto') themeChanged();
    });
  }
  themeChanged();
}

/** The theme shown now: the choice, or the system's when the choice is auto. */
export function effectiveTheme(): 'light' | 'dark' {
  const c = storedTheme();
  if (c !== 'auto') return c;
  return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

const LABEL: Record<ThemeChoice, string> = { auto: 'Theme: follows the system', light: 'Theme: light', dark: 'Theme: dark' };
const ICON: Record<ThemeChoice, string> = { auto: '◐', light: '☀', dark: '☾' };

/** A button that cycles auto → light → dark, remembering the choice. */
export function themeSwitch(): HTMLButtonElement {
  const b = h('button', { class: 'ghost theme-switch', id: 'theme-switch', type: 'button' });
  const show = (c: ThemeChoice): void => {
    b.textContent = ICON[c];
    b.title = `${LABEL[c]} (click to change)`;
    b.setAttribute('aria-label', LABEL[c]);
    b.dataset.theme = c;
  };
  show(storedTheme());
  b.addEventListener('click', () => {
    const next = ORDER[(ORDER.indexOf(storedTheme()) + 1) % ORDER.length];
    try {
      if (next === 'auto') localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, next);
    } catch {
      // Storage refused (private mode): the switch still works for this page.
    }
    applyTheme(next);
    show(next);
  });
  return b;
}

/** Colours for canvas charts (uPlot axes, ridge labels), read from the palette shown now. */
export function chartInk(): { axis: string; grid: string; tick: string } {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string): string => css.getPropertyValue(name).trim() || fallback;
  return { axis: v('--muted', '#667085'), grid: v('--chart-grid', '#eef0f3'), tick: v('--line', '#e3e6eb') };
}
