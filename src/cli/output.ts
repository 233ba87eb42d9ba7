// Output for people (aligned tables, key: value blocks) and for scripts (--json: the API's body
// verbatim). Kept apart from the commands so every command prints the same way.
import { STATUS_NAMES } from '../domain/status.js';

export function table(rows: Record<string, unknown>[], columns: string[]): string {
  const cells = rows.map((r) => columns.map((c) => cell(c, r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const line = (vals: string[]): string => vals.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...cells.map(line)].join('\n');
}

export function keyValues(obj: Record<string, unknown>): string {
  const keys = Object.keys(obj);
  const w = Math.max(...keys.map((k) => k.length));
  return keys.map((k) => `${k.padEnd(w)}  ${cell(k, obj[k])}`).join('\n');
}

export function humanMs(ms: number): string {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

function cell(key: string, v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (key === 'status' && typeof v === 'number') return `${v} ${STATUS_NAMES[v] ?? ''}`.trim();
  if ((key === 'duration' || key === 'remaining_duration') && typeof v === 'number') return humanMs(v);
  if (key === 'create_time' && typeof v === 'number') return new Date(v).toISOString();
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
