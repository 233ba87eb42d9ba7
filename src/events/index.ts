// Public entry of the event-log engine: open a log directory, read its runs, tags and series.
// Everything else in src/events/ is internal. Writing event files is src/writer/ (package export
// "./writer"), which this entry does not re-export: the engine never loads the writer.
export * from './model.js';
export { openLogdir, isEventFile, runNameOf } from './logdir.js';
export { decodeTensorProto } from './tensor.js';
export { LIMITS, withLimits, shapeProduct, type Limits } from './limits.js';
export { crc32c, crc32cJs, maskCrc, maskedCrc32c } from './crc32c.js';
export { hasNativeCrc32c } from './crc32c-native.js';
export { isMindSporeSummaryKey, isMindSporeSummaryFile, compareEventFileKeys } from './mindspore/files.js';
export { decodeMsTensor, dataTypeName, tensorStatistics, type MsTensor, type TensorStatistics } from './mindspore/tensor.js';
