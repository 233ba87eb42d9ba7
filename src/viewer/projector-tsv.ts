// The projector's text files as TensorBoard reads them: tensors.tsv (one row per point, values
// tab-separated, parsed as Python's float() does; empty lines skipped) into a float32 matrix, and
// metadata.tsv cut to num_rows (plus the header row, which a first line with a tab is).
// Invariant: memory grows with the values present, never with a count a file claims, and stops at
// `maxElements`; a row of another width, a value float() refuses or bytes that are not UTF-8 are
// a TsvError naming the line. Parsing yields to the event loop in slices (events/slices.ts).
import { Slices } from '../events/slices.js';

export class TsvError extends Error {}

export interface Matrix {
  rows: number;
  cols: number;
  /** rows × cols values, row-major; may be longer than that (grown by doubling). */
  data: Float32Array;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes as UTF-8 text (a leading BOM dropped, as Python's universal text mode would not; TensorBoard fails on it). */
export function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new TsvError(`${what} is not UTF-8 text`);
  }
}

const PY_FLOAT = /^[+-]?((\d(_?\d)*)(\.(\d(_?\d)*)?)?|\.\d(_?\d)*)([eE][+-]?\d(_?\d)*)?$/;
const PY_SPECIAL = /^([+-]?)(nan|inf|infinity)$/i;

/** Python's float(str) for one field, or NaN-with-flag via `ok`. */
function pyFloat(raw: string): number | undefined {
  // JavaScript's Number() agrees with float() on plain decimals; it also takes hex/binary/octal
  // literals and treats blank as 0, which float() refuses, so those go the careful way.
  const n = +raw;
  if (n === n && raw.length > 0 && !/[xXbBoO]/.test(raw) && raw.trim() !== '') return n;
  const s = raw.trim();
  const special = PY_SPECIAL.exec(s);
  if (special) return special[2].toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity;
  if (PY_FLOAT.test(s)) return Number(s.replace(/_/g, ''));
  return undefined;
}

/** Parses tensors.tsv text into a matrix of at most `maxElements` values. */
export async function parseTensorTsv(text: string, maxElements: number): Promise<Matrix> {
  const slices = new Slices();
  let data = new Float32Array(Math.min(1 << 16, Math.max(16, maxElements)));
  let rows = 0;
  let cols = -1;
  let n = 0;
  let lineNo = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    lineNo++;
    if ((lineNo & 255) === 0) await slices.pause();
    if (line === '') continue;
    const fields = line.split('\t');
    if (cols < 0) cols = fields.length;
    else if (fields.length !== cols) {
      throw new TsvError(`tensors file line ${lineNo} has ${fields.length} values, the rows before it have ${cols}`);
    }
    if (n + cols > maxElements) throw new TsvError(`tensors file holds more than ${maxElements} values (the cap)`);
    if (n + cols > data.length) {
      const grown = new Float32Array(Math.min(maxElements, Math.max(data.length * 2, n + cols)));
      grown.set(data.subarray(0, n));
      data = grown;
    }
    for (let k = 0; k < cols; k++) {
      const v = pyFloat(fields[k]);
      if (v === undefined) throw new TsvError(`tensors file line ${lineNo}, value ${k + 1}: ${JSON.stringify(fields[k].slice(0, 40))} is not a number`);
      data[n++] = v;
    }
    rows++;
  }
  if (rows === 0) throw new TsvError('tensors file holds no rows');
  return { rows, cols, data };
}

/** Rows and columns of tensors.tsv without parsing its values (the shape `info` reports). */
export function tsvShape(text: string): { rows: number; cols: number } {
  let rows = 0;
  let cols = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (end > start) {
      if (rows === 0) {
        cols = 1;
        for (let i = start; i < end; i++) if (text.charCodeAt(i) === 9) cols++;
      }
      rows++;
    }
    start = end + 1;
  }
  return { rows, cols };
}

/** TensorBoard's metadata answer: the file's lines up to `numRows` data rows (all without it), the header row kept. */
export function metadataBody(text: string, numRows: number | undefined): string {
  if (numRows === undefined) return text;
  let header = 0;
  let lines = 0;
  let at = 0;
  while (at < text.length) {
    const nl = text.indexOf('\n', at);
    const end = nl < 0 ? text.length : nl + 1;
    if (lines === 0 && text.slice(at, end).includes('\t')) header = 1;
    lines++;
    at = end;
    if (lines >= numRows + header) break;
  }
  return text.slice(0, at);
}
