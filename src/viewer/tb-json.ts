// TensorBoard's JSON dialect: Python's json module writes NaN and ±Infinity, which JSON lacks, so
// TensorBoard sends them as the strings "NaN", "Infinity" and "-Infinity". Every JSON body the
// viewer sends goes through here so no non-finite number is ever turned into `null`.
// The scalar writer stops at LIMITS.responseBytes (ResponseTooLarge) rather than growing past it.
import { Slices } from '../events/slices.js';
import { LIMITS } from '../events/index.js';

/** Thrown by the scalar writer when the answer would pass LIMITS.responseBytes. */
export class ResponseTooLarge extends Error {
  constructor(readonly bytes: number) {
    super(`response over ${LIMITS.responseBytes} bytes`);
  }
}

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
 * Writes `[[wall_time, step, value], …]` (or TensorBoard's CSV) straight into a Buffer rather than
 * building arrays for JSON.stringify or one string per sample: for long series (samples=all on a
 * 1,000,000-point tag) this is several times faster, with no per-sample strings to concatenate and
 * flatten, and integers (steps) written digit by digit without a number→string call. Its tests
 * compare it with the string-building writers of src/testing/tb-json-oracle.ts.
 */
class TriplesWriter {
  private buf: Buffer;
  private o = 0;

  constructor(
    private readonly s: ScalarColumns,
    private readonly indices: ArrayLike<number> | undefined,
    readonly n: number,
    /** CSV rows (`w,s,v\r\n`, non-finite as nan/inf) instead of JSON triples. */
    private readonly csv = false,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(64, Math.min(Math.min(n, 1 << 20) * 48, LIMITS.responseBytes)));
    if (csv) this.o += this.buf.write('Wall time,Step,Value\r\n', 0, 'latin1');
    else this.buf[this.o++] = 0x5b;
  }

  private ensure(extra: number): void {
    if (this.o + extra <= this.buf.length) return;
    if (this.o + extra > LIMITS.responseBytes) throw new ResponseTooLarge(this.o + extra);
    const next = Buffer.allocUnsafe(Math.min(Math.max(this.buf.length * 2, this.o + extra), LIMITS.responseBytes));
    this.buf.copy(next, 0, 0, this.o);
    this.buf = next;
  }

  private num(x: number): void {
    this.ensure(32);
    const buf = this.buf;
    if (x >= 0 && x < 1e15 && Number.isInteger(x)) {
      if (x === 0) {
        buf[this.o++] = 0x30;
        return;
      }
      let len = 0;
      for (let y = x; y >= 1; y = Math.floor(y / 10)) len++;
      let p = this.o + len - 1;
      for (let y = x; y >= 1; ) {
        const q = Math.floor(y / 10);
        buf[p--] = 0x30 + (y - q * 10);
        y = q;
      }
      this.o += len;
      return;
    }
    this.o += buf.write(this.csv ? csvNumber(x) : numberText(x), this.o, 'latin1');
  }

  /** Samples [from, to) of the output order. */
  write(from: number, to: number): void {
    const { s, indices, csv } = this;
    for (let k = from; k < to; k++) {
      const i = indices ? indices[k] : k;
      // A JSON row is `[w,s,v]` after a comma; a CSV row is `w,s,v\r\n`.
      this.ensure(2);
      if (!csv) {
        if (k) this.buf[this.o++] = 0x2c;
        this.buf[this.o++] = 0x5b;
      }
      this.num(s.wallTimes[i]);
      this.buf[this.o++] = 0x2c;
      this.num(s.steps[i]);
      this.buf[this.o++] = 0x2c;
      this.num(s.values[i]);
      this.ensure(2);
      if (csv) {
        this.buf[this.o++] = 0x0d;
        this.buf[this.o++] = 0x0a;
      } else this.buf[this.o++] = 0x5d;
    }
  }

  finish(): Buffer {
    if (!this.csv) {
      this.ensure(1);
      this.buf[this.o++] = 0x5d;
    }
    return this.buf.subarray(0, this.o);
  }
}

export function scalarTriplesBuffer(s: ScalarColumns, indices?: ArrayLike<number>, count?: number, format: 'json' | 'csv' = 'json'): Buffer {
  const w = new TriplesWriter(s, indices, indices ? indices.length : (count ?? s.values.length), format === 'csv');
  w.write(0, w.n);
  return w.finish();
}

/** Samples written between two chances to yield to the event loop (~0.5–1 ms of work, 2–3 ms in a cold process). */
export const TRIPLES_SLICE = 1_024;

/**
 * scalarTriplesBuffer in slices of TRIPLES_SLICE samples, giving the event loop back whenever a
 * slice ends after SLICE_MS of work: a 10,000-point answer takes 6–20 ms to write and a viewer
 * asks for several at once, so other tenants' requests would wait behind ~50 ms of them; a
 * samples=all answer for 1,000,000 points takes a second or more.
 */
export async function scalarTriplesBufferAsync(s: ScalarColumns, indices?: ArrayLike<number>, count?: number, format: 'json' | 'csv' = 'json'): Promise<Buffer> {
  const w = new TriplesWriter(s, indices, indices ? indices.length : (count ?? s.values.length), format === 'csv');
  const slices = new Slices();
  for (let from = 0; from < w.n; from += TRIPLES_SLICE) {
    // The first slice too: a viewer's six series requests arrive in one turn, and each wrote its
    // first slice before asking (six slices of a cold process's JIT: 30–60 ms of one turn).
    await slices.pause();
    w.write(from, Math.min(w.n, from + TRIPLES_SLICE));
  }
  return w.finish();
}

function csvNumber(x: number): string {
  if (Number.isFinite(x)) return String(x);
  if (Number.isNaN(x)) return 'nan';
  return x > 0 ? 'inf' : '-inf';
}
