// Public entry of the event-log engine: open a log directory, read its runs, tags and series;
// write event files (SummaryWriter / EventEncoder). Everything else in src/events/ is internal.
export * from './model.js';
export { openLogdir, isEventFile, runNameOf } from './logdir.js';
export {
  SummaryWriter,
  EventEncoder,
  encodeRecord,
  bucketize,
  prCurveData,
  type SummaryWriterOptions,
  type WriterStyle,
  type RawHistogram,
  type HparamInput,
} from './writer.js';
export { decodeTensorProto } from './tensor.js';
export { LIMITS, withLimits, shapeProduct, type Limits } from './limits.js';
export { crc32c, crc32cJs, maskCrc, maskedCrc32c } from './crc32c.js';
export { hasNativeCrc32c } from './crc32c-native.js';
