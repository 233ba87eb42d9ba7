// TensorBoard's JSON dialect: Python's json module writes NaN and ±Infinity, which JSON lacks, so
// TensorBoard sends them as the strings "NaN", "Infinity" and "-Infinity". Every JSON body the
// viewer sends goes through here so no non-finite number is ever turned into `null`.

/** A finite number as itself; NaN and infinities as TensorBoard's strings. */
export function tbNumber(x: number): number | string {
  if (Number.isFinite(x)) return x;
  if (Number.isNaN(x)) return 'NaN';
  return x > 0 ? 'Infinity' : '-Infinity';
}

function numberText(x: number): string {
  if (Number.isFinite(x)) return String(x);
  if (Number.isNaN(x)) return '"NaN"';
  return x > 0 ? '"Infinity"' : '"-Infinity"';
}

/** JSON.stringify with TensorBoard's encoding of non-finite numbers anywhere in the value. */
export function tbStringify(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'number' && !Number.isFinite(v) ? tbNumber(v) : v,
  );
}

/** Columnar scalar series: the engine keeps every sample in typed arrays. */
export interface ScalarColumns {
  steps: ArrayLike<number>;
  wallTimes: ArrayLike<number>;
  values: ArrayLike<number>;
}

/**
 * `[[wall_time, step, value], …]` for the chosen indices (all when `indices` is undefined).
 * Hand-written instead of building arrays for JSON.stringify: a 1,000,000-point series would
 * otherwise allocate millions of small arrays per request.
 */
export function scalarTriplesJson(s: ScalarColumns, indices?: ArrayLike<number>, count?: number): string {
  const n = indices ? indices.length : (count ?? s.values.length);
  const parts: string[] = new Array<string>(n);
  for (let k = 0; k < n; k++) {
    const i = indices ? indices[k] : k;
    parts[k] = `[${numberText(s.wallTimes[i])},${numberText(s.steps[i])},${numberText(s.values[i])}]`;
  }
  return `[${parts.join(',')}]`;
}

function csvNumber(x: number): string {
  if (Number.isFinite(x)) return String(x);
  if (Number.isNaN(x)) return 'nan';
  return x > 0 ? 'inf' : '-inf';
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
