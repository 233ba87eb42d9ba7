// Frame-scan stage: the checks of TFRecord framing (lengths, both masked CRC-32Cs) for many records
// in one call into WebAssembly (frame-scan.wat). Why: the CRC is the only per-byte work of a load,
// so an encoding that writes more bytes per point (PyTorch's metadata on every value: 68 bytes a
// record against 50) loaded that much slower; records are too short for a native call each, and the
// TypeScript slicing-by-8 ran at ~1.4 ns per byte on this machine against ~0.8 here, copy into the
// module's memory included (bench:encodings). Invariant: it only ever says "the records in [p, q)
// are whole, plausible and pass both CRCs"; the record reader frames every record itself and
// checks those after q as before, so a damaged record is found and reported by the same code
// whether this module is there or not.
import { FRAME_SCAN_WASM } from './frame-scan-wasm.js';
import { TABLE } from './crc32c.js';

const TABLE_BYTES = TABLE.length * 4;

/** The part of the WebAssembly global used here (the project's TypeScript libs do not declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

interface Scanner {
  scan: (p: number, end: number) => number;
  bytes: Uint8Array;
  /** Bytes scanned per call: the module's memory past the tables. */
  window: number;
}

function load(): Scanner | undefined {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (!wasm) return undefined;
  try {
    const instance = new wasm.Instance(new wasm.Module(Buffer.from(FRAME_SCAN_WASM, 'base64')), {});
    const memory = instance.exports.memory as { buffer: ArrayBuffer };
    const scan = instance.exports.scan as (p: number, end: number) => number;
    const view = new DataView(memory.buffer);
    for (let i = 0; i < TABLE.length; i++) view.setInt32(i * 4, TABLE[i], true);
    return { scan, bytes: new Uint8Array(memory.buffer), window: memory.buffer.byteLength - TABLE_BYTES };
  } catch {
    return undefined; // no WebAssembly here: the record reader checks every record itself
  }
}

const scanner = load();

/** Whether records are checked in WebAssembly (tests and benchmarks turn it off to compare). */
export let frameScanOn = scanner !== undefined;

export function setFrameScan(on: boolean): void {
  frameScanOn = on && scanner !== undefined;
}

/**
 * Where the run of whole, valid records that starts at buf[p] ends, looking at most at buf[p, n):
 * p itself when the record there is incomplete or damaged (the caller frames it and says why).
 */
export function verifiedEnd(buf: Uint8Array, p: number, n: number): number {
  const s = scanner as Scanner;
  const len = Math.min(n - p, s.window);
  s.bytes.set(buf.subarray(p, p + len), TABLE_BYTES);
  return p + (s.scan(TABLE_BYTES, TABLE_BYTES + len) - TABLE_BYTES);
}
