// A run's tags, found from the bytes of a record's tag without decoding it to a string.
// Invariant: each tag (its UTF-8 bytes) has exactly one TagState, found from those bytes (a hash,
// collisions resolved by comparing bytes) and listed by name; the hash is computed here only.
import type { SeriesKind, TagMetadata } from './model.js';
import { utf8 } from './proto.js';
import { SeriesStore } from './series.js';
import type { SeriesItem } from './values.js';

export interface TagState {
  tag: string;
  /** UTF-8 bytes of the tag, to recognise it without decoding. */
  bytes: Uint8Array;
  kind: SeriesKind;
  metadata: TagMetadata;
  store: SeriesStore<SeriesItem>;
  maxSamplesPerStep: number;
  /** The tag that followed this one last time (lookup shortcut). */
  next: TagState | undefined;
  /** LIMITS.seriesSamples was reached and reported: later samples are dropped. */
  capped?: boolean;
}

/** FNV-1a of buf[s, e). */
function hashBytes(buf: Buffer, s: number, e: number): number {
  let h = 0x811c9dc5;
  for (let i = s; i < e; i++) h = Math.imul(h ^ buf[i], 0x01000193);
  return h;
}

function sameBytes(b: Uint8Array, buf: Buffer, s: number, e: number): boolean {
  const n = e - s;
  if (b.length !== n) return false;
  for (let i = 0; i < n; i++) if (b[i] !== buf[s + i]) return false;
  return true;
}

export class TagTable {
  /** By name, in first-seen order: what readers see. */
  readonly byName = new Map<string, TagState>();
  private byHash = new Map<number, TagState[]>();
  /** The tag found last: writers cycle through tags in a fixed order, so its successor is likely next. */
  private last: TagState | undefined;

  /** The tag whose bytes are buf[s, e), if known. */
  find(buf: Buffer, s: number, e: number): TagState | undefined {
    const guess = this.last?.next;
    if (guess !== undefined && sameBytes(guess.bytes, buf, s, e)) return (this.last = guess);
    // The hash path in its own method, as it runs rarely: inlined into the hot path with the type
    // feedback of a few early misses only, it deoptimized the fast path at a later miss.
    const found = this.lookup(buf, s, e);
    if (found !== undefined) {
      if (this.last !== undefined) this.last.next = found;
      this.last = found;
    }
    return found;
  }

  private lookup(buf: Buffer, s: number, e: number): TagState | undefined {
    const list = this.byHash.get(hashBytes(buf, s, e));
    if (list === undefined) return undefined;
    for (const t of list) if (sameBytes(t.bytes, buf, s, e)) return t;
    return undefined;
  }

  /** A new tag with bytes buf[s, e) (find() did not know it), with an empty series. */
  add(buf: Buffer, s: number, e: number, kind: SeriesKind, metadata: TagMetadata): TagState {
    const bytes = Uint8Array.prototype.slice.call(buf, s, e);
    const tag = utf8(buf, s, e);
    const state: TagState = { tag, bytes, kind, metadata, store: new SeriesStore<SeriesItem>(kind === 'scalars'), maxSamplesPerStep: 0, next: undefined };
    if (this.last !== undefined) this.last.next = state;
    this.last = state;
    const h = hashBytes(buf, s, e);
    const list = this.byHash.get(h);
    if (list) list.push(state);
    else this.byHash.set(h, [state]);
    this.byName.set(tag, state);
    return state;
  }

  clear(): void {
    this.byName.clear();
    this.byHash.clear();
    this.last = undefined;
  }
}
