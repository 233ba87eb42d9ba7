// Placeholder: replaced by the incremental reader within the hour.
import type { LogLocation } from '../storage/storage.js';
import type { Logdir, OpenLogdirOptions } from './model.js';

export function openLogdir(location: LogLocation, options: OpenLogdirOptions = {}): Logdir {
  void location;
  void options;
  throw new Error('openLogdir: not built yet');
}
