// The native CRC-32C as constants, for callers that want to know up front (tests, the decoder
// benchmark, the public API). Importing this module loads @node-rs/crc32; the engine does not, it
// loads it only once long records add up (see crc32c.ts).
import { nativeCrc32c, type NativeCrc } from './crc32c.js';

/** Native-only entry for tests and the micro-benchmark (undefined without the native module). */
export const crc32cNative: NativeCrc | undefined = nativeCrc32c();

/** True when the native SIMD implementation is available (crc32c() uses it for long ranges once they add up). */
export const hasNativeCrc32c = crc32cNative !== undefined;
