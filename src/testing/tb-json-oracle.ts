// Test oracle for the scalar writer of src/viewer/tb-json.ts: the same TensorBoard JSON triples and
// CSV, built the obvious way (one string per sample, joined). Too slow and allocation-heavy to
// serve a 1,000,000-point tag, which is why production writes bytes into a Buffer instead; kept
// here, written independently of that writer, so a property test can hold the two to the same text.
import type { ScalarColumns } from '../viewer/tb-json.js';

function jsonNumber(x: number): string {
  if (Number.isFinite(x)) return String(x);
  if (Number.isNaN(x)) return '"NaN"';
  return x > 0 ? '"Infinity"' : '"-Infinity"';
}

function csvNumber(x: number): string {
  if (Number.isFinite(x)) return String(x);
  if (Number.isNaN(x)) return 'nan';
  return x > 0 ? 'inf' : '-inf';
}

/** `[[wall_time, step, value], …]` for the chosen indices (all, or the first `count`, when `indices` is undefined). */
export function scalarTriplesJson(s: ScalarColumns, indices?: ArrayLike<number>, count?: number): string {
  const n = indices ? indices.length : (count ?? s.values.length);
  const parts: string[] = new Array<string>(n);
  for (let k = 0; k < n; k++) {
    const i = indices ? indices[k] : k;
    parts[k] = `[${jsonNumber(s.wallTimes[i])},${jsonNumber(s.steps[i])},${jsonNumber(s.values[i])}]`;
  }
  return `[${parts.join(',')}]`;
}

/** TensorBoard's `format=csv`: a `Wall time,Step,Value` header, then one row per sample. */
export function scalarCsv(s: ScalarColumns, indices?: ArrayLike<number>, count?: number): string {
  const n = indices ? indices.length : (count ?? s.values.length);
  const rows: string[] = new Array<string>(n + 1);
  rows[0] = 'Wall time,Step,Value';
  for (let k = 0; k < n; k++) {
    const i = indices ? indices[k] : k;
    rows[k + 1] = `${csvNumber(s.wallTimes[i])},${csvNumber(s.steps[i])},${csvNumber(s.values[i])}`;
  }
  return rows.join('\r\n') + '\r\n';
}
