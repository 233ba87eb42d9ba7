// Small UI pieces both pages use: the brand mark, toasts, and a confirmation dialog.
import { h } from './dom.js';
import { appRoot } from './app-root.js';

export function brand(): HTMLElement {
  const a = h('a', { class: 'brand', href: appRoot(location.pathname) });
  a.innerHTML = '<svg viewBox="0 0 16 16"><path d="M1 14 L5 8 L9 10 L15 2" stroke="#1f6feb" stroke-width="2.5" fill="none" stroke-linecap="round" stroke-linejoin="round"/></svg>';
  a.append('vizjobs');
  return a;
}

let toastBox: HTMLElement | undefined;

export function toast(message: string, bad = false): void {
  if (!toastBox) {
    toastBox = h('div', { class: 'toast-box', role: 'status' });
    document.body.append(toastBox);
  }
  const t = h('div', { class: bad ? 'toast bad' : 'toast' }, message);
  toastBox.append(t);
  setTimeout(() => t.remove(), bad ? 7000 : 3500);
}

/** Resolves true when the person confirms; the confirm button carries `data-confirm`. */
export function confirmDialog(title: string, text: string, action: string, danger = true): Promise<boolean> {
  return new Promise((resolve) => {
    const yes = h('button', { class: danger ? 'danger solid' : 'primary', 'data-confirm': '' }, action);
    const no = h('button', {}, 'Cancel');
    const dlg = h('dialog', { class: 'confirm' }, h('header', {}, title), h('div', { class: 'body' }, text), h('footer', {}, no, yes));
    const done = (v: boolean): void => {
      dlg.close();
      dlg.remove();
      resolve(v);
    };
    yes.addEventListener('click', () => done(true));
    no.addEventListener('click', () => done(false));
    dlg.addEventListener('cancel', () => done(false));
    document.body.append(dlg);
    dlg.showModal();
    yes.focus();
  });
}
