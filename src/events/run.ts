// Run stage (TensorBoard's data server: run): one run's state as the loader builds it — its event
// files and how far each was read, its tags with their series, its hparams, graph and run metadata,
// its problems. Invariant: only the loader (logdir.ts, through the event decoder) mutates a
// RunState; readers get it as a RunView (view.ts), which the class satisfies without copying.
import type { BlobRef, Problem, RunHparams } from './model.js';
import { RecordReader } from './record-reader.js';
import { TagNames, TagTable, type TagState } from './tag-table.js';

export interface FileState {
  key: string;
  etag: string;
  /** Framing state: how far the file was read, whether it can be read on. */
  reader: RecordReader;
  /** file_version ≥ brain.Event:2 seen: SessionLog START purges. */
  purgeOnStart: boolean;
}

export function newFileState(key: string, etag: string): FileState {
  return { key, etag, reader: new RecordReader(), purgeOnStart: false };
}

const MAX_PROBLEMS = 1000;

export class RunState {
  firstWallTime = NaN;
  files = new Map<string, FileState>();
  problems: Problem[] = [];
  /** Problems beyond MAX_PROBLEMS: counted, not kept (a file of garbage must not fill memory). */
  problemsOmitted = 0;
  hparams: RunHparams = {};
  graph: BlobRef | undefined;
  runMetadata = new Map<string, BlobRef>();
  readonly tagTable: TagTable;
  /** Made at the first problem: most runs of a sweep have none. */
  private problemKeys: Set<string> | undefined;
  /** What the Logdir last reported of this run's memory to its MemoryAccount (bytes, estimated). */
  memoryCharged = 0;

  /** `names`: the Logdir's, so that every run of a sweep shares its tag names. */
  constructor(
    readonly name: string,
    names?: TagNames,
  ) {
    this.tagTable = new TagTable(names);
  }

  /** The tags by name (what readers see of the tag table). */
  get tags(): ReadonlyMap<string, TagState> {
    return this.tagTable.byName;
  }

  /** Forgets every sample (the run is read again from the start). Files keep their keys. */
  reset(): void {
    this.firstWallTime = NaN;
    this.problems = [];
    this.problemsOmitted = 0;
    this.problemKeys = undefined;
    this.hparams = {};
    this.graph = undefined;
    this.runMetadata.clear();
    this.tagTable.clear();
    for (const f of this.files.values()) {
      f.reader.reset();
      f.purgeOnStart = false;
    }
  }

  /** Keeps a problem once (same file, offset, kind and message), up to MAX_PROBLEMS. */
  addProblem(p: Problem): void {
    const k = `${p.file}\0${p.offset}\0${p.kind}\0${p.message}`;
    if (this.problemKeys?.has(k)) return;
    if (this.problems.length >= MAX_PROBLEMS) {
      this.problemsOmitted++;
      return;
    }
    (this.problemKeys ??= new Set()).add(k);
    this.problems.push(p);
  }

  /** SessionLog START at `step`: every sample with step ≥ `step` read so far goes. */
  purge(step: number): void {
    for (const t of this.tagTable.byName.values()) t.store.purgeFrom(step);
  }
}
