// A run's tags, found from the bytes of a record's tag without decoding it to a string.
// Invariant: each tag (its UTF-8 bytes) has exactly one TagState, found from those bytes (a hash,
// collisions resolved by comparing bytes) and listed by name; the hash is computed here only.
import type { SeriesKind, TagMetadata } from './model.js';
import { utf8 } from './proto.js';
import { SampleArena, SeriesStore } from './series.js';
import type { SeriesItem } from './values.js';

/** Names (and plain metadata) a TagNames shares at most; later ones are simply not shared. */
const MAX_SHARED = 100_000;

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

/**
 * Tag names and their bytes shared by every run of a Logdir: a sweep's 10,000 runs write the same
 * few tags, and one string and one byte array per name (not per run and name) is ~200 bytes less
 * per tag. Plain metadata (no display name, description or plugin content: nearly every scalar)
 * is shared the same way; nothing mutates a tag's metadata once its tag exists.
 */
export class TagNames {
  private readonly names = new Map<string, { tag: string; bytes: Uint8Array }>();
  private readonly plain = new Map<string, TagMetadata>();

  /** The one copy of this name and of its bytes buf[s, e). */
  intern(buf: Buffer, s: number, e: number): { tag: string; bytes: Uint8Array } {
    const tag = utf8(buf, s, e);
    const known = this.names.get(tag);
    // Bytes that are not valid UTF-8 decode to the name of other bytes: compared, not assumed.
    if (known !== undefined && sameBytes(known.bytes, buf, s, e)) return known;
    const entry = { tag, bytes: Uint8Array.prototype.slice.call(buf, s, e) };
    // Bounded: a log of ever-new tag names shares nothing more past this, and loses nothing.
    if (known === undefined && this.names.size < MAX_SHARED) this.names.set(tag, entry);
    return entry;
  }

  /** The shared copy of `m` when it is plain, else `m`. */
  metadata(m: TagMetadata): TagMetadata {
    if (m.displayName !== '' || m.description !== '' || m.pluginContent.length !== 0) return m;
    const k = `${m.pluginName}\0${m.dataClass}`;
    const known = this.plain.get(k);
    if (known !== undefined) return known;
    if (this.plain.size < MAX_SHARED) this.plain.set(k, m);
    return m;
  }
}

export class TagTable {
  /** By name, in first-seen order: what readers see. */
  readonly byName = new Map<string, TagState>();
  /** One TagState per hash, an array only on a collision. */
  private byHash = new Map<number, TagState | TagState[]>();
  /** The tag found last: writers cycle through tags in a fixed order, so its successor is likely next. */
  private last: TagState | undefined;

  /** The run's early samples, every tag's (see SampleArena). */
  private arena = new SampleArena();

  constructor(private readonly names: TagNames = new TagNames()) {}

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
    const found = this.byHash.get(hashBytes(buf, s, e));
    if (found === undefined) return undefined;
    if (!Array.isArray(found)) return sameBytes(found.bytes, buf, s, e) ? found : undefined;
    for (const t of found) if (sameBytes(t.bytes, buf, s, e)) return t;
    return undefined;
  }

  /** A new tag with bytes buf[s, e) (find() did not know it), with an empty series. */
  add(buf: Buffer, s: number, e: number, kind: SeriesKind, metadata: TagMetadata): TagState {
    const { tag, bytes } = this.names.intern(buf, s, e);
    const state: TagState = { tag, bytes, kind, metadata: this.names.metadata(metadata), store: new SeriesStore<SeriesItem>(kind === 'scalars', this.arena), maxSamplesPerStep: 0, next: undefined };
    if (this.last !== undefined) this.last.next = state;
    this.last = state;
    const h = hashBytes(buf, s, e);
    const there = this.byHash.get(h);
    if (there === undefined) this.byHash.set(h, state);
    else if (Array.isArray(there)) there.push(state);
    else this.byHash.set(h, [there, state]);
    this.byName.set(tag, state);
    return state;
  }

  /** A file of the run has been read: its early samples' columns at their exact size. */
  settle(): void {
    this.arena.trim();
  }

  clear(): void {
    // A new arena, not the old one emptied: a reader may still hold a dropped series, which reads its samples there.
    this.arena = new SampleArena();
    this.byName.clear();
    this.byHash.clear();
    this.last = undefined;
  }
}
