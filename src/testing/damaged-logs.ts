// What the damage tests of both log formats (src/events/fuzz.test.ts for TensorBoard files,
// src/events/mindspore/fuzz.test.ts for MindSpore summaries) share: a file of known records and
// where each begins, a copy with one bit flipped, a log directory read through the engine, and a
// temporary directory removed whatever the property's outcome.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLogdir, type Logdir, type OpenLogdirOptions } from '../events/index.js';
import { LocalStorage } from '../storage/local.js';

export interface RecordFile {
  records: readonly Buffer[];
  /** The records back to back, as a writer leaves them. */
  bytes: Buffer;
  /** Offset in `bytes` at which record i begins. */
  starts: readonly number[];
}

export function recordFile(records: readonly Buffer[]): RecordFile {
  const starts: number[] = [];
  let o = 0;
  for (const r of records) {
    starts.push(o);
    o += r.length;
  }
  return { records, bytes: Buffer.concat(records), starts };
}

/** A copy of the file with bit `bit` flipped, and the index of the record that holds it. */
export function flipBit(file: RecordFile, bit: number): { bytes: Buffer; record: number } {
  const bytes = Buffer.from(file.bytes);
  const byte = bit >> 3;
  bytes[byte] ^= 1 << (bit & 7);
  return { bytes, record: file.starts.findIndex((s, i) => byte >= s && byte < s + file.records[i].length) };
}

/** The log directory `dir` (its root is run `.`), read once. */
export async function loadLogdir(dir: string, options?: OpenLogdirOptions): Promise<Logdir> {
  const logdir = openLogdir({ storage: new LocalStorage(dir), prefix: '' }, options);
  await logdir.reload();
  return logdir;
}

export function withTempDir<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}
