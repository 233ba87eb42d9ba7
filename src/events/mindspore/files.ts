// MindSpore summary files as MindInsight finds them (summary_watcher.py, ms_data_loader.py): a file
// whose basename matches `summary.<digits>` and is not a lineage (`_lineage`) or explain
// (`_explain`) file, in the log directory itself or one of its direct sub-directories (MindInsight's
// train jobs `./` and `./<child>`); deeper files are not MindInsight's and are left alone. Files of
// one directory are read in the order of their timestamp, ties by name descending, as MindInsight
// sorts them. Invariant: pure functions of storage keys — no I/O, nothing a file claims.

const SUMMARY_RE = /summary\.(\d+)/;

/** Whether a basename is a MindSpore summary MindInsight would load (not lineage, not explain). */
export function isMindSporeSummaryName(base: string): boolean {
  return SUMMARY_RE.test(base) && !base.endsWith('_lineage') && !base.endsWith('_explain') && !base.includes('tfevents');
}

/**
 * Whether `key` (under `prefix`) is a MindSpore summary of a train job: in the directory itself or
 * one level below, as MindInsight's watcher scans.
 */
export function isMindSporeSummaryKey(prefix: string, key: string): boolean {
  const rel = key.slice(prefix.length);
  const slash = rel.indexOf('/');
  if (slash >= 0 && rel.indexOf('/', slash + 1) >= 0) return false;
  return isMindSporeSummaryName(rel.slice(rel.lastIndexOf('/') + 1));
}

/** Whether a key's basename names a MindSpore summary (the format a file is decoded as). */
export function isMindSporeSummaryFile(key: string): boolean {
  return isMindSporeSummaryName(key.slice(key.lastIndexOf('/') + 1));
}

/** The creation timestamp in a summary file's name (0 when there is none). */
export function summaryTimestamp(key: string): number {
  const m = SUMMARY_RE.exec(key.slice(key.lastIndexOf('/') + 1));
  return m ? Number(m[1]) : 0;
}

/**
 * Order of a run's event files: TensorBoard files by name; MindSpore summaries by the timestamp in
 * their names, ties by name descending (MindInsight's sort_files), after TensorBoard files.
 */
export function compareEventFileKeys(a: string, b: string): number {
  const ma = isMindSporeSummaryFile(a);
  const mb = isMindSporeSummaryFile(b);
  if (ma !== mb) return ma ? 1 : -1;
  if (!ma) return a < b ? -1 : a > b ? 1 : 0;
  const ta = summaryTimestamp(a);
  const tb = summaryTimestamp(b);
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a < b ? 1 : a > b ? -1 : 0;
}
