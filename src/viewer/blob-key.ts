// Blob keys exactly as TensorBoard builds them: URL-safe base64 (no padding) of the compact JSON
// [experiment_id, plugin, run, tag, step, index] with non-ASCII escaped like Python's json.dumps,
// so an image's `query` is byte-for-byte what TensorBoard sends and a client that saved one keeps
// working. The key only names a sample; the bytes are found by looking the sample up again, so a
// forged key can at worst name another sample of the same job.

export interface BlobKey {
  plugin: string;
  run: string;
  tag: string;
  step: number;
  index: number;
}

function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function encodeBlobKey(k: BlobKey): string {
  return Buffer.from(asciiJson(['', k.plugin, k.run, k.tag, k.step, k.index]), 'utf8').toString('base64url');
}

export function decodeBlobKey(raw: string): BlobKey | undefined {
  if (raw.length > 8192 || !/^[A-Za-z0-9_=-]+$/.test(raw)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 6) return undefined;
  const [, plugin, run, tag, step, index] = parsed as unknown[];
  if (typeof plugin !== 'string' || typeof run !== 'string' || typeof tag !== 'string') return undefined;
  if (typeof step !== 'number' || !Number.isFinite(step)) return undefined;
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0) return undefined;
  return { plugin, run, tag, step, index };
}

/**
 * Content type of image bytes by their signature (TensorBoard sniffs too): only the raster types
 * a browser shows inertly; anything else (SVG included: it can carry script) is octet-stream.
 */
export function imageContentType(bytes: Buffer): string {
  if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 6 && bytes.subarray(0, 4).toString('latin1') === 'GIF8') return 'image/gif';
  if (bytes.length >= 2 && bytes[0] === 0x42 && bytes[1] === 0x4d) return 'image/bmp';
  if (bytes.length >= 12 && bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP') {
    return 'image/webp';
  }
  return 'application/octet-stream';
}

/** Audio types served as such; a log's (or a client's) content_type is echoed only when listed here. */
const AUDIO_TYPES = new Set(['audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave', 'audio/mpeg', 'audio/mp3', 'audio/ogg', 'audio/flac', 'audio/x-flac', 'audio/webm', 'audio/aac', 'audio/mp4']);

/** `type` if it is an allowlisted audio type (case-insensitive, parameters dropped), else octet-stream. */
export function audioContentType(type: string): string {
  const t = type.split(';')[0].trim().toLowerCase();
  return AUDIO_TYPES.has(t) ? t : 'application/octet-stream';
}
