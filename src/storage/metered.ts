// Counts what the object storage is asked and what it returns, for the operator's metrics
// (src/ops/metrics.ts): a wrapper with the same ObjectStorage shape, so nothing that reads logs
// knows it is measured. Counting never changes an answer or an error.
import type { ObjectReader, ObjectStorage } from './storage.js';

export interface StorageMeter {
  /** One request of kind `op` ended, answered or failed. */
  request(op: 'list' | 'probe' | 'stat' | 'read' | 'open', ok: boolean): void;
  /** Bytes of object data returned. */
  bytes(n: number): void;
}

async function counted<T>(meter: StorageMeter, op: Parameters<StorageMeter['request']>[0], fn: () => Promise<T>): Promise<T> {
  try {
    const out = await fn();
    meter.request(op, true);
    return out;
  } catch (err) {
    meter.request(op, false);
    throw err;
  }
}

export function meteredStorage(inner: ObjectStorage, meter: StorageMeter): ObjectStorage {
  const probe = inner.probe?.bind(inner);
  const openReader = inner.openReader?.bind(inner);
  return {
    description: inner.description,
    // So is the read concurrency: an S3 job loads 64 small files at once, a disk 16.
    ...(inner.readConcurrency !== undefined ? { readConcurrency: inner.readConcurrency } : {}),
    // The options pass through: the engine's pause is what keeps a 10,000-run local walk from
    // being one 250 ms event-loop turn (dropping it here did exactly that).
    list: (prefix, options) => counted(meter, 'list', () => inner.list(prefix, options)),
    ...(probe ? { probe: (prefix: string) => counted(meter, 'probe', () => probe(prefix)) } : {}),
    stat: (key) => counted(meter, 'stat', () => inner.stat(key)),
    read: async (key, offset, length) => {
      const b = await counted(meter, 'read', () => inner.read(key, offset, length));
      meter.bytes(b.length);
      return b;
    },
    ...(openReader
      ? {
          openReader: async (key: string): Promise<ObjectReader> => {
            const r = await counted(meter, 'open', () => openReader(key));
            return {
              readInto: async (target, at, length, offset) => {
                const n = await counted(meter, 'read', () => r.readInto(target, at, length, offset));
                meter.bytes(n);
                return n;
              },
              close: () => r.close(),
            };
          },
        }
      : {}),
  };
}
