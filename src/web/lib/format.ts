// Human-readable forms shared by the console and the viewer: the job statuses of API.md §2 (names
// from the domain module, the one list) with the colour family each belongs to, durations, and
// numbers in hover panels.
import { ENDED_AS_ASKED, ENDED_BADLY, IN_PROGRESS, Status } from '../../domain/status.js';

export { STATUS_NAMES, statusName } from '../../domain/status.js';

export type StatusTone = 'ok' | 'busy' | 'done' | 'bad' | 'idle';

/** Colour family, by the domain's status families: serving, on its way, ended as asked, ended badly. */
export function statusTone(status: number): StatusTone {
  if (status === Status.RUNNING) return 'ok';
  if (IN_PROGRESS.includes(status)) return 'busy';
  if (ENDED_AS_ASKED.includes(status)) return 'done';
  if (ENDED_BADLY.includes(status)) return 'bad';
  return 'idle';
}

/** 93784000 → "1d 2h 3m"; under a minute shows seconds. */
export function humanDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h ${m}m`;
  if (h > 0) return `${h}h ${m}m`;
  return `${m}m ${s % 60}s`;
}

/** Compact number for hover panels and axes: 4 significant digits, exponent for extremes. */
export function formatValue(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '∞';
  if (v === -Infinity) return '-∞';
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3);
  return Number(v.toPrecision(5)).toString();
}

export function formatRelative(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  if (seconds < 3600) return `${(seconds / 60).toFixed(1)}m`;
  return `${(seconds / 3600).toFixed(2)}h`;
}

export function formatWall(seconds: number): string {
  const d = new Date(seconds * 1000);
  return d.toISOString().replace('T', ' ').slice(0, 19);
}

/**
 * One formatter for every tick: Number#toLocaleString with options builds a new Intl formatter per
 * call, which was 4.5 ms of each repaint of 6 cards' axes (uPlot asks for labels while sizing them).
 */
const TICK_FORMAT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 6 });

/** Axis tick label: 3 significant digits, exponent only for extremes. */
export function formatTick(v: number): string {
  if (!Number.isFinite(v)) return formatValue(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(1).replace('e+', 'e');
  return TICK_FORMAT.format(Number(v.toPrecision(4)));
}

/** Width in CSS pixels a y axis needs for its labels (uPlot's `size` hook). */
export function axisWidth(labels: string[] | null | undefined): number {
  let longest = 0;
  for (const l of labels ?? []) longest = Math.max(longest, l.length);
  return Math.max(32, Math.ceil(longest * 6.6) + 16);
}
