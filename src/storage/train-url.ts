// train_url parsing: the one place that decides whether a path is acceptable. Anything that could
// climb out of a bucket (`..`, empty segments, NUL, backslashes) or name a local file directly
// (`file:`, drive letters) is refused here, before a job is stored.

export type TrainUrlScheme = 'default' | 'obs' | 's3';

export interface TrainUrl {
  scheme: TrainUrlScheme;
  bucket: string;
  /** Key prefix inside the bucket: '' for the bucket root, else ending with '/'. */
  prefix: string;
}

export class TrainUrlError extends Error {}

// S3/OBS bucket naming rules: 3-63 of lowercase letters, digits, '.', '-', starting and ending
// with a letter or digit, no '..' (nor '.-' or '-.', which OBS refuses), not shaped like an IP address.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const MAX_KEY_BYTES = 1024;

export function parseTrainUrl(raw: string): TrainUrl {
  const fail = (why: string): never => {
    throw new TrainUrlError(`train_url ${why}`);
  };
  if (raw.length === 0) fail('must not be empty');
  if (raw.includes('\0')) fail('must not contain NUL');
  if (raw.includes('\\')) fail('must not contain backslashes');
  if (/[\u0000-\u001f\u007f]/.test(raw)) fail('must not contain control characters');
  // Object keys are UTF-8: a lone surrogate has no encoding and would name a different key.
  if (/\p{Cs}/u.test(raw)) fail('must be valid Unicode');
  let scheme: TrainUrlScheme;
  let rest: string;
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(.*)$/s.exec(raw);
  if (m) {
    const s = m[1].toLowerCase();
    if (s !== 'obs' && s !== 's3') fail(`scheme ${s}:// is not supported (use /bucket/dir/, obs://bucket/dir/ or s3://bucket/dir/)`);
    scheme = s as TrainUrlScheme;
    rest = m[2];
  } else if (raw.startsWith('/')) {
    scheme = 'default';
    rest = raw.slice(1);
  } else {
    return fail('must be an object-storage path /bucket/dir/, obs://bucket/dir/ or s3://bucket/dir/');
  }
  if (/^[a-zA-Z]:/.test(rest)) fail('must not be a local drive path');
  const segments = rest.split('/');
  // A trailing '/' leaves one empty last segment; any other empty segment is a '//'.
  if (segments.length > 1 && segments[segments.length - 1] === '') segments.pop();
  if (segments.some((s) => s === '')) fail("must not contain empty path segments ('//')");
  if (segments.some((s) => s === '..' || s === '.')) fail("must not contain '.' or '..' segments");
  const [bucket, ...dirs] = segments;
  if (
    !BUCKET.test(bucket) ||
    bucket.includes('..') ||
    bucket.includes('.-') ||
    bucket.includes('-.') ||
    /^\d+\.\d+\.\d+\.\d+$/.test(bucket)
  ) {
    fail(`bucket ${JSON.stringify(bucket)} is not a valid bucket name (3-63 of a-z 0-9 . -)`);
  }
  const prefix = dirs.length ? dirs.join('/') + '/' : '';
  if (Buffer.byteLength(prefix) > MAX_KEY_BYTES) fail(`key prefix is longer than ${MAX_KEY_BYTES} bytes`);
  return { scheme, bucket, prefix };
}
