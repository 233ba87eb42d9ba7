// Public entry of the event-log engine: open a log directory, read its runs, tags and series;
// write event files (SummaryWriter). Everything else in src/events/ is internal.
export * from './model.js';
export { openLogdir } from './logdir.js';
export { SummaryWriter, encodeRecord, type SummaryWriterOptions } from './writer.js';
