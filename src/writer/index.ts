// Public entry for logging from Node (package export "./writer"): writes TensorBoard event files —
// TFRecord framing byte-compatible with TensorFlow around Event protos as PyTorch (tf1) or
// TensorFlow 2 (tf2) writes them. EventEncoder gives the framed bytes (to write elsewhere, e.g.
// S3); SummaryWriter appends them to a local event file. Invariant: the event-log engine
// (src/events/) never imports this; the writer depends on the engine only for CRC-32C and dtypes.
export { SummaryWriter } from './summary-writer.js';
export { EventEncoder, numberToHalf } from './encoder.js';
export { encodeRecord } from './record.js';
export { bucketize, prCurveData } from './compute.js';
export { ProtoWriter } from './proto-writer.js';
export { pyFloatString, type EmbeddingInput } from './embedding.js';
export type { CustomScalarsLayout, SummaryWriterOptions, WriterStyle, RawHistogram, HparamInput, ScalarEncoding } from './types.js';
