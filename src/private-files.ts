// Files that hold secrets or every job's metadata (admin token, session key, SQLite database and its
// -wal/-shm) are readable by their owner only: created 0600 in a data dir we create 0700, and an
// existing looser one is fixed to 0600 with one warning line naming the file and the mode it had.
import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';

export type Warn = (msg: string) => void;

/** Default sink for the warnings: stderr, next to the start-up lines. */
export const warnToStderr: Warn = (msg) => console.error(msg);

/** Creates `dir` (and missing parents) 0700; an existing directory is left as the operator made it. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

const octal = (mode: number): string => '0' + (mode & 0o777).toString(8).padStart(3, '0');

/**
 * Makes an existing file 0600 when group or others may access it, warning once; a missing file is
 * nothing to fix. Returns whether the mode was changed.
 */
export function fixPrivateFile(path: string, warn: Warn): boolean {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  if ((mode & 0o077) === 0) return false;
  chmodSync(path, 0o600);
  warn(`warning: ${path} had mode ${octal(mode)} (readable by others); changed it to 0600`);
  return true;
}

/**
 * Creates an empty file 0600 if it does not exist (O_CREAT never changes an existing file), so a
 * library that opens it afterwards (SQLite) finds it private instead of creating it 0644.
 */
export function createPrivateFile(path: string): void {
  closeSync(openSync(path, 'a', 0o600));
}
