// Turns a validated train_url into the storage and prefix its logs live under.
import { resolve } from 'node:path';
import type { Config } from '../config.js';
import { LocalStorage } from './local.js';
import { StorageError, type LogLocation } from './storage.js';
import { parseTrainUrl } from './train-url.js';

export function resolveTrainUrl(trainUrl: string, config: Pick<Config, 'obsRoot' | 's3Endpoint'>): LogLocation {
  const url = parseTrainUrl(trainUrl);
  if (url.scheme === 'default' && !config.s3Endpoint) {
    return { storage: new LocalStorage(resolve(config.obsRoot, url.bucket)), prefix: url.prefix };
  }
  throw new StorageError('unavailable', `${url.scheme === 'default' ? 'S3' : url.scheme} storage is not available in this build`);
}
