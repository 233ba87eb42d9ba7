// Every cap on what a log file can make this process allocate, loop over or send, in one place.
// Event files come from tenants and are hostile until proven otherwise: one tenant's file must not
// stall or kill the process for the others. Claimed sizes (shapes, counts, lengths) are checked
// against the bytes present; these caps bound what genuinely present bytes may cost. Each hit is
// reported in the run's problem list (kind 'limit'; a refused expansion is a 'shape' problem),
// never thrown out of the loader.
// A mutable object (not separate consts) only so tests can lower a cap (`withLimits`) instead of
// writing gigabytes; production never changes it.

export const LIMITS = {
  /** Numbers in one decoded tensor value (histogram, PR curve, …): 80 MB as Float64. */
  tensorElements: 10_000_000,
  /**
   * A tensor may hold one value to be repeated over its shape (TensorFlow compresses constants so).
   * Expanding it costs the claimed shape, not the bytes present: allowed up to this many elements
   * per content byte of the TensorProto, so a 100-byte record can never become megabytes.
   */
  broadcastElementsPerByte: 4,
  /** Samples kept per tag; later samples of the tag are dropped (the first ones are kept). */
  seriesSamples: 10_000_000,
  /** Bytes of the strings of one text value: markdown is rendered synchronously, on the event loop. */
  textValueBytes: 4 << 20,
  /** Cells (strings) of one text value; each is rendered as its own markdown block. */
  textCells: 10_000,
  /** Images or audio clips in one value (TensorFlow writes max_outputs=3 by default). */
  blobsPerValue: 1_000,
  /** Bytes of one image or audio clip (read whole into memory when served). */
  blobBytes: 64 << 20,
  /** Bytes of a run's graph_def (read whole and converted to text when served). */
  graphBytes: 64 << 20,
  /** Nodes of a graph converted to pbtxt for one response. */
  graphNodes: 1_000_000,
  /** Bytes of a projector_config.pbtxt (text, parsed whole on every change). */
  projectorConfigBytes: 1 << 20,
  /** Embeddings one projector config may list. */
  projectorEmbeddings: 10_000,
  /**
   * Bytes of a projector file read whole (tensors.tsv, metadata.tsv, sprite, bookmarks): a
   * 100,000 × 200 tensor written by PyTorch is ~400 MB of text, past what one request should read.
   */
  projectorFileBytes: 256 << 20,
  /**
   * Entries one reload's listing may hold: objects (~450 bytes of heap each while listed, measured
   * with a sweep's keys) and, on a local disk, directories. A job pointed at a bucket's root, or at
   * millions of files, lists the first ones and reports the cut, instead of holding the process's
   * memory and an S3 page loop for as long as the listing lasts: at most ~220 MB for a moment. A
   * 100,000-run sweep on local disk is 200,000 (a directory and a file per run).
   */
  listedEntries: 500_000,
  /** Bytes of one data-API response body (JSON, CSV or pbtxt), checked before and while building it. */
  responseBytes: 64 << 20,
};

export type Limits = typeof LIMITS;

/** Runs `fn` with some caps lowered (tests), restoring them after. */
export async function withLimits<T>(changes: Partial<Limits>, fn: () => Promise<T> | T): Promise<T> {
  const saved = { ...LIMITS };
  Object.assign(LIMITS, changes);
  try {
    return await fn();
  } finally {
    Object.assign(LIMITS, saved);
  }
}

/**
 * Product of a claimed shape without overflow: exact up to 2^53, else Infinity; a negative or
 * non-integer dimension makes it NaN (never equal to any count). The rank is bounded by the bytes
 * the shape took (each dim is at least two bytes), so this loop is bounded by content.
 */
export function shapeProduct(shape: readonly number[]): number {
  let p = 1;
  let zero = false;
  for (const d of shape) {
    if (!(d >= 0) || !Number.isInteger(d)) return NaN;
    if (d === 0) zero = true;
    else if (p !== Infinity) {
      p *= d;
      if (p > Number.MAX_SAFE_INTEGER) p = Infinity;
    }
  }
  return zero ? 0 : p;
}
