// The Problems tab: what the engine reported while reading each run (corrupt records, CRC
// mismatches, storage errors), so a person knows when a chart is missing data and why.
import { h, clear } from '../lib/dom.js';
import type { DataClient } from './data.js';
import type { Tab } from './tab.js';

interface Problem { run?: string; file?: string; offset?: number; kind?: string; message?: string }

export class ProblemsTab implements Tab {
  readonly el = h('div', { class: 'tab-body', id: 'problems' });
  private problems: Problem[] = [];
  private available = true;

  constructor(private readonly data: DataClient) {}

  count(): number {
    return this.problems.length;
  }

  async refresh(): Promise<void> {
    try {
      this.problems = flatten(await this.data.json<unknown>('problems'));
      this.available = true;
    } catch (e) {
      if (e instanceof Error && 'kind' in e && (e as { kind: string }).kind === 'not_found') {
        this.available = false;
        this.problems = [];
      } else throw e;
    }
    this.redraw();
  }

  redraw(): void {
    clear(this.el);
    if (!this.available) {
      this.el.append(h('div', { class: 'empty' }, 'This server does not report reading problems.'));
      return;
    }
    if (this.problems.length === 0) {
      this.el.append(h('div', { class: 'empty ok' }, '✓ No problems: every record of every event file read cleanly.'));
      return;
    }
    const rows = this.problems.map((p) => h('tr', {},
      h('td', { class: 'mono' }, p.run ?? ''), h('td', {}, h('span', { class: 'chip bad' }, p.kind ?? 'problem')),
      h('td', { class: 'mono' }, p.file ?? ''), h('td', { class: 'num' }, p.offset === undefined ? '' : String(p.offset)), h('td', {}, p.message ?? '')));
    this.el.append(h('div', { class: 'card' }, h('table', { class: 'data-table' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Run'), h('th', {}, 'Kind'), h('th', {}, 'File'), h('th', {}, 'Offset'), h('th', {}, 'Message'))),
      h('tbody', {}, ...rows))));
  }
}

/** Accepts `{run: Problem[]}`, `{runs: {run: Problem[]}}`, `{problems: [...]}` or a bare list. */
export function flatten(body: unknown): Problem[] {
  if (Array.isArray(body)) return body.map((p) => asProblem(p));
  if (body && typeof body === 'object') {
    const o = body as Record<string, unknown>;
    if (Array.isArray(o.problems)) return o.problems.map((p) => asProblem(p));
    const map = o.runs && typeof o.runs === 'object' && !Array.isArray(o.runs) ? (o.runs as Record<string, unknown>) : o;
    const out: Problem[] = [];
    for (const [run, list] of Object.entries(map)) {
      if (Array.isArray(list)) for (const p of list) out.push({ ...asProblem(p), run });
    }
    return out;
  }
  return [];
}

function asProblem(p: unknown): Problem {
  if (typeof p === 'string') return { message: p };
  if (!p || typeof p !== 'object') return { message: String(p) };
  const o = p as Record<string, unknown>;
  return {
    run: typeof o.run === 'string' ? o.run : undefined,
    file: typeof o.file === 'string' ? o.file : undefined,
    offset: typeof o.offset === 'number' ? o.offset : undefined,
    kind: typeof o.kind === 'string' ? o.kind : undefined,
    message: typeof o.message === 'string' ? o.message : JSON.stringify(o),
  };
}
