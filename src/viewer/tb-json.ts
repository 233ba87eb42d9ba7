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

/**
 * The same JSON as scalarTriplesJson, written straight into a Buffer. For long series (samples=all
 * on a 1,000,000-point tag) this is several times faster: no per-sample strings to concatenate
 * and flatten, and integers (steps) are written digit by digit without a number→string call.
 */
export function scalarTriplesBuffer(s: ScalarColumns, indices?: ArrayLike<number>, count?: number): Buffer {
  const n = indices ? indices.length : (count ?? s.values.length);
  let buf = Buffer.allocUnsafe(Math.max(64, n * 48));
  let o = 0;
  const ensure = (extra: number): void => {
    if (o + extra <= buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(buf.length * 2, o + extra));
    buf.copy(next, 0, 0, o);
    buf = next;
  };
  const num = (x: number): void => {
    ensure(32);
    if (x >= 0 && x < 1e15 && Number.isInteger(x)) {
      if (x === 0) {
        buf[o++] = 0x30;
        return;
      }
      let len = 0;
      for (let y = x; y >= 1; y = Math.floor(y / 10)) len++;
      let p = o + len - 1;
      for (let y = x; y >= 1; ) {
        const q = Math.floor(y / 10);
        buf[p--] = 0x30 + (y - q * 10);
        y = q;
      }
      o += len;
      return;
    }
    o += buf.write(numberText(x), o, 'latin1');
  };
  ensure(2);
  buf[o++] = 0x5b;
  for (let k = 0; k < n; k++) {
    const i = indices ? indices[k] : k;
    ensure(4);
    if (k) buf[o++] = 0x2c;
    buf[o++] = 0x5b;
    num(s.wallTimes[i]);
    buf[o++] = 0x2c;
    num(s.steps[i]);
    buf[o++] = 0x2c;
    num(s.values[i]);
    ensure(1);
    buf[o++] = 0x5d;
  }
  ensure(1);
  buf[o++] = 0x5d;
  return buf.subarray(0, o);
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
