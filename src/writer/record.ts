// TFRecord framing as TensorFlow writes it: u64 length, masked CRC-32C of the length, data, masked
// CRC-32C of the data. Invariant: every record this returns frames and verifies in the engine's
// record reader (and TensorFlow's) byte for byte.
import { maskedCrc32c } from '../events/crc32c.js';

/** Frames one record: u64 length, masked CRC of it, data, masked CRC of the data. */
export function encodeRecord(data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(data.length + 16);
  out.writeUInt32LE(data.length >>> 0, 0);
  out.writeUInt32LE(Math.floor(data.length / 2 ** 32), 4);
  out.writeUInt32LE(maskedCrc32c(out, 0, 8), 8);
  out.set(data, 12);
  out.writeUInt32LE(maskedCrc32c(out, 12, 12 + data.length), 12 + data.length);
  return out;
}
