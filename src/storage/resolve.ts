// Turns a validated train_url into the storage and prefix its logs live under. Resolving makes no
// request: a job's storage is only contacted when its viewer asks. `/bucket/dir/` reads the local
// root unless object storage is configured for it (VIZJOBS_S3_ENDPOINT, or the bucket named in
// the VIZJOBS_S3_CONFIG file); `obs://` and `s3://` always read object storage.
import { resolve } from 'node:path';
import { ConfigError, type Config } from '../config.js';
import { LocalStorage } from './local.js';
import { S3Storage, sharedS3Client } from './s3.js';
import { bucketSettings, listConcurrencyFor, loadS3SettingsFile, type S3SettingsFile } from './s3-config.js';
import { StorageError, type LogLocation } from './storage.js';
import { parseTrainUrl } from './train-url.js';

export type ResolveConfig = Pick<Config, 'obsRoot' | 's3Endpoint'> & Partial<Pick<Config, 's3Config'>>;

// The settings file is read once per path: S3 clients (and their connection pools) are shared
// across jobs, so settings change with a restart, like every other setting.
const settingsFiles = new Map<string, S3SettingsFile>();

function settingsFile(path: string): S3SettingsFile {
  let file = settingsFiles.get(path);
  if (!file) {
    try {
      file = loadS3SettingsFile(path);
    } catch (err) {
      // The message reaches job details: it names the setting, not the server's file path.
      if (err instanceof ConfigError) {
        throw new StorageError('invalid_location', err.message.split(path).join('VIZJOBS_S3_CONFIG'), { cause: err });
      }
      throw err;
    }
    settingsFiles.set(path, file);
  }
  return file;
}

/** Throws TrainUrlError for an invalid train_url, StorageError when it names unusable storage. */
export function resolveTrainUrl(trainUrl: string, config: ResolveConfig): LogLocation {
  const url = parseTrainUrl(trainUrl);
  const file = settingsFile(config.s3Config ?? '');
  const namedInFile = file.buckets !== undefined && Object.hasOwn(file.buckets, url.bucket);
  if (url.scheme === 'default' && !config.s3Endpoint && !namedInFile) {
    return { storage: new LocalStorage(resolve(config.obsRoot, url.bucket), config.obsRoot), prefix: url.prefix };
  }
  const settings = bucketSettings(file, config.s3Endpoint, url.bucket);
  if (url.scheme === 'obs' && !settings.endpoint) {
    // Huawei OBS endpoints are per region; without one the bucket cannot be found.
    const region = settings.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    if (!region) {
      throw new StorageError(
        'invalid_location',
        `obs://${url.bucket}/ needs an OBS endpoint: set VIZJOBS_S3_ENDPOINT, or the bucket's endpoint or region in VIZJOBS_S3_CONFIG`,
      );
    }
    settings.endpoint = `https://obs.${region}.myhuaweicloud.com`;
    settings.region = region;
    settings.forcePathStyle ??= false;
  }
  const scheme = url.scheme === 'obs' ? 'obs' : 's3';
  return {
    storage: new S3Storage({ client: sharedS3Client(settings), bucket: url.bucket, scheme, listConcurrency: listConcurrencyFor(settings) }),
    prefix: url.prefix,
  };
}
