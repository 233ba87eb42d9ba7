// S3Storage against a real S3-protocol server (s3rver) on loopback: pagination, ranges, growing
// and replaced objects, refusals and transient failures, each checked on the wire via counts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { S3Storage, s3ClientConfig } from './s3.js';
import { StorageError } from './storage.js';
import { startHttpFront, type HttpFront } from '../testing/http-front.js';
import { startS3rver, S3RVER_ACCESS_KEY_ID, S3RVER_SECRET_ACCESS_KEY, type S3rverHandle } from '../testing/s3rver.js';

const BUCKET = 'vizjobs-test';
const FAST_RETRY = { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 };

let server: S3rverHandle;
let client: S3Client;

function clientFor(endpoint: string, accessKeyId = S3RVER_ACCESS_KEY_ID): S3Client {
  return new S3Client(s3ClientConfig({ endpoint, accessKeyId, secretAccessKey: S3RVER_SECRET_ACCESS_KEY, region: 'us-east-1' }));
}

function storage(options: Partial<ConstructorParameters<typeof S3Storage>[0]> = {}): S3Storage {
  return new S3Storage({ client, bucket: BUCKET, retry: FAST_RETRY, ...options });
}

async function put(key: string, body: Buffer | string): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: typeof body === 'string' ? Buffer.from(body) : body }));
}

async function rejectsWithKind(p: Promise<unknown>, kind: StorageError['kind']): Promise<StorageError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof StorageError, `expected a StorageError, got ${String(err)}`);
    assert.equal(err.kind, kind, err.message);
    return err;
  }
  assert.fail(`expected a StorageError ${kind}`);
}

before(async () => {
  server = await startS3rver({ buckets: [BUCKET] });
  client = clientFor(server.endpoint);
});

after(async () => {
  client?.destroy();
  await server?.close();
});

describe('S3Storage listing', () => {
  test('lists every object under a prefix across pages, in key order, one request per page', async () => {
    const keys = Array.from({ length: 7 }, (_, i) => `paged/run${i % 3}/events.out.tfevents.${1000 + i}.host`);
    for (const k of keys) await put(k, `body of ${k}`);
    await put('pagedother/x', 'not under the prefix');
    const s = storage({ maxKeys: 3, listConcurrency: 1 });
    const listed = await s.list('paged/');
    assert.deepEqual(listed.map((o) => o.key), [...keys].sort());
    assert.deepEqual(listed.map((o) => o.size), [...keys].sort().map((k) => Buffer.byteLength(`body of ${k}`)));
    for (const o of listed) {
      assert.match(o.etag, /^[0-9a-f]{32}$/);
      assert.ok(o.mtimeMs > 0);
    }
    assert.deepEqual(s.requestCounts(), { list: 3, head: 0, get: 0, retries: 0, bytes: 0 });
  });

  test('an unchanged listing repeated costs exactly the page requests again and returns the same objects', async () => {
    const s = storage({ maxKeys: 3, listConcurrency: 1 });
    const first = await s.list('paged/');
    s.resetRequestCounts();
    const second = await s.list('paged/');
    assert.deepEqual(second, first);
    assert.deepEqual(s.requestCounts(), { list: 3, head: 0, get: 0, retries: 0, bytes: 0 });
  });

  test('a listing longer than a page is fetched as ranges split at its folders, at once: the same objects in key order', async () => {
    // 30 runs, one with two files; a folder marker; an object beside the runs; a name that sorts
    // between a folder and its contents ('run1-x' < 'run1/'); nothing under the prefix's neighbours.
    const keys = [
      ...Array.from({ length: 30 }, (_, i) => `par/run${String(i).padStart(2, '0')}/events.out.tfevents.${i}`),
      'par/run07/events.out.tfevents.99',
      'par/run1-x/events.out.tfevents.1',
      'par/top.txt',
    ];
    for (const k of keys) await put(k, `body of ${k}`);
    await put('par/run12/', '');
    await put('parallel-not/x', 'not under the prefix');
    let inFlight = 0;
    let most = 0;
    // Each listing request held 40 ms, counted while in flight.
    const slow = await startHttpFront(server.endpoint, (_req, res, pass) => {
      most = Math.max(most, ++inFlight);
      res.once('close', () => inFlight--);
      setTimeout(pass, 40);
    });
    const c = clientFor(slow.endpoint);
    try {
      const sequential = new S3Storage({ client: c, bucket: BUCKET, retry: FAST_RETRY, maxKeys: 4, listConcurrency: 1 });
      const expected = await sequential.list('par/');
      assert.deepEqual(expected.map((o) => o.key), [...keys].sort());
      assert.equal(sequential.requestCounts().list, Math.ceil((keys.length + 1) / 4));
      assert.equal(most, 1);
      most = 0;
      const parallel = new S3Storage({ client: c, bucket: BUCKET, retry: FAST_RETRY, maxKeys: 4, listConcurrency: 6 });
      assert.deepEqual(await parallel.list('par/'), expected);
      assert.ok(most >= 3, `at most ${most} listing requests were in flight at once`);
      // The first page, the folders, then five ranges of ~6 runs: two or three pages each.
      assert.ok(parallel.requestCounts().list <= 2 + 5 * 3, `${parallel.requestCounts().list} requests`);
    } finally {
      c.destroy();
      await slow.close();
    }
  });

  test('a sweep two folders deep (lrNN/seedM/) is split at its top folders, as S3 names them', async () => {
    const keys = Array.from({ length: 24 }, (_, i) => `deep/lr${i % 6}/seed${Math.floor(i / 6)}/events.out.tfevents.${i}`).sort();
    for (const k of keys) await put(k, 'x');
    const folders = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'deep/', Delimiter: '/' }));
    assert.deepEqual((folders.CommonPrefixes ?? []).map((c) => c.Prefix), ['deep/lr0/', 'deep/lr1/', 'deep/lr2/', 'deep/lr3/', 'deep/lr4/', 'deep/lr5/']);
    const s = storage({ maxKeys: 5, listConcurrency: 4 });
    assert.deepEqual((await s.list('deep/')).map((o) => o.key), keys);
    // First page, folders, then 3 ranges of 1–2 folders (4–8 keys: one or two pages each, and
    // the page that finds the next range's start).
    assert.ok(s.requestCounts().list <= 2 + 3 * 3, `${s.requestCounts().list} requests`);
  });

  test('a listing with maxEntries stops there: the first objects in key order, page after page or in ranges, and says it was cut', async () => {
    const keys = Array.from({ length: 40 }, (_, i) => `capped/run${String(i % 8).padStart(2, '0')}/events.out.tfevents.${String(i).padStart(3, '0')}`).sort();
    for (const k of keys) await put(k, 'x');
    for (const listConcurrency of [1, 4]) {
      const uncapped = storage({ maxKeys: 5, listConcurrency });
      await uncapped.list('capped/');
      for (const max of [3, 5, 17, 39]) {
        const s = storage({ maxKeys: 5, listConcurrency });
        let cuts = 0;
        const listed = await s.list('capped/', { maxEntries: max, truncated: () => cuts++ });
        assert.deepEqual(listed.map((o) => o.key), keys.slice(0, max), `${listConcurrency} ranges, max ${max}`);
        assert.equal(cuts, 1);
        // Page after page, no page past the one that reached max is asked for.
        if (listConcurrency === 1) assert.equal(s.requestCounts().list, Math.ceil(max / 5));
        // In ranges, those past the first 17 objects stop: fewer pages than the whole listing's.
        if (max === 17) assert.ok(s.requestCounts().list < uncapped.requestCounts().list, `${s.requestCounts().list} of ${uncapped.requestCounts().list} requests`);
      }
      let cuts = 0;
      const whole = await storage({ maxKeys: 5, listConcurrency }).list('capped/', { maxEntries: 40, truncated: () => cuts++ });
      assert.deepEqual(whole.map((o) => o.key), keys);
      assert.equal(cuts, 0, 'a listing that fits is not cut');
    }
  });

  test('a prefix with no objects lists as empty, and folder markers are skipped', async () => {
    await put('marker/run/', '');
    await put('marker/run/file', 'x');
    const s = storage();
    assert.deepEqual(await s.list('does-not-exist/'), []);
    assert.deepEqual((await s.list('marker/')).map((o) => o.key), ['marker/run/file']);
  });
});

describe('S3Storage reads', () => {
  const body = randomBytes(10_500);
  before(async () => {
    await put('ranges/blob', body);
  });

  test('reads exactly the requested range with one Range GET', async () => {
    const s = storage();
    assert.deepEqual(await s.read('ranges/blob', 100, 250), body.subarray(100, 350));
    assert.deepEqual(s.requestCounts(), { list: 0, head: 0, get: 1, retries: 0, bytes: 250 });
  });

  test('a range past the end returns only the bytes that exist, and nothing at or beyond the end', async () => {
    const s = storage();
    assert.deepEqual(await s.read('ranges/blob', 10_000, 5_000), body.subarray(10_000));
    assert.equal((await s.read('ranges/blob', 10_500, 10)).length, 0);
    assert.equal((await s.read('ranges/blob', 20_000, 10)).length, 0);
    assert.equal((await s.read('ranges/blob', 0, 0)).length, 0);
  });

  test('a large range is fetched as parallel parts and reassembled in order', async () => {
    const s = storage({ partSize: 1_000, partConcurrency: 3 });
    assert.deepEqual(await s.read('ranges/blob', 0, 10_500), body);
    assert.equal(s.requestCounts().get, 11);
    assert.equal(s.requestCounts().bytes, 10_500);
    s.resetRequestCounts();
    assert.deepEqual(await s.read('ranges/blob', 250, 4_000), body.subarray(250, 4_250));
    assert.equal(s.requestCounts().get, 4);
  });

  test('a large range running past the end returns the object tail without fetching far beyond it', async () => {
    const s = storage({ partSize: 1_000, partConcurrency: 1 });
    assert.deepEqual(await s.read('ranges/blob', 9_000, 50_000), body.subarray(9_000));
    // Two parts hold the 1,500 remaining bytes; the short second part stops the rest.
    assert.equal(s.requestCounts().get, 2);
  });

  test('a growing object: the new bytes are read by range after the size grows', async () => {
    const s = storage();
    const first = randomBytes(3_000);
    await put('grow/events', first);
    let [info] = await s.list('grow/');
    assert.equal(info.size, 3_000);
    assert.deepEqual(await s.read('grow/events', 0, info.size), first);
    const more = randomBytes(1_234);
    await put('grow/events', Buffer.concat([first, more]));
    const oldSize = info.size;
    [info] = await s.list('grow/');
    assert.equal(info.size, 4_234);
    s.resetRequestCounts();
    assert.deepEqual(await s.read('grow/events', oldSize, info.size - oldSize), more);
    assert.deepEqual(s.requestCounts(), { list: 0, head: 0, get: 1, retries: 0, bytes: 1_234 });
  });

  test('a replaced object shows a new etag and a smaller size, and reads its new content from the start', async () => {
    const s = storage();
    await put('replace/events', 'the original, longer content');
    const [before] = await s.list('replace/');
    await put('replace/events', 'new');
    const [afterReplace] = await s.list('replace/');
    assert.notEqual(afterReplace.etag, before.etag);
    assert.ok(afterReplace.size < before.size);
    assert.equal((await s.read('replace/events', 0, afterReplace.size)).toString(), 'new');
  });

  test('stat is one HEAD giving the same metadata as the listing; a missing key is null', async () => {
    const s = storage();
    const [listed] = await s.list('replace/');
    s.resetRequestCounts();
    assert.deepEqual(await s.stat('replace/events'), listed);
    assert.equal(await s.stat('replace/missing'), null);
    assert.deepEqual(s.requestCounts(), { list: 0, head: 2, get: 0, retries: 0, bytes: 0 });
  });

  test('reading a key that does not exist is a StorageError, not a crash', async () => {
    const err = await rejectsWithKind(storage().read('nothing/here', 0, 10), 'unavailable');
    assert.match(err.message, /does not exist/);
  });

  test('a negative or fractional range is refused before any request', async () => {
    const s = storage();
    await rejectsWithKind(s.read('ranges/blob', -1, 10), 'invalid_location');
    await rejectsWithKind(s.read('ranges/blob', 0.5, 10), 'invalid_location');
    assert.equal(s.requestCounts().get, 0);
  });
});

describe('S3Storage read-ahead', () => {
  const body = randomBytes(100_000);
  const ahead = { partSize: 16_000, parts: 2, minBulkRead: 8_000 };
  before(async () => {
    await put('ahead/events', body);
  });

  // The engine's pattern: chunks read one after the other, each starting where the last complete
  // record ended (a little before the end of the previous chunk).
  async function scan(s: S3Storage, chunk: number, size: number): Promise<number> {
    let offset = 0;
    let reads = 0;
    while (offset < size) {
      const len = Math.min(chunk, size - offset);
      const got = await s.read('ahead/events', offset, len);
      assert.deepEqual(got, body.subarray(offset, offset + len), `bytes at ${offset}`);
      reads++;
      offset += len === size - offset ? len : len - 37;
    }
    return reads;
  }

  test('a sequential scan is served from parallel prefetched parts, fetching each listed byte once', async () => {
    const s = storage({ partSize: 16_000, readAhead: ahead });
    const [info] = await s.list('ahead/');
    s.resetRequestCounts();
    const reads = await scan(s, 10_000, info.size);
    const c = s.requestCounts();
    assert.equal(c.bytes, body.length, 'no byte fetched twice, none beyond the listed size');
    // One plain read of the first chunk, then 90,000 bytes in 16,000-byte parts.
    assert.equal(c.get, 1 + Math.ceil(90_000 / 16_000));
    assert.ok(c.get < reads, `${c.get} requests for ${reads} reads`);
    assert.equal(s.readAheadObjects(), 0, 'a finished scan holds no buffers');
  });

  test('an abandoned scan releases its buffers after the idle time', async () => {
    const s = storage({ partSize: 16_000, readAhead: { ...ahead, idleMs: 30 } });
    await s.list('ahead/');
    assert.deepEqual(await s.read('ahead/events', 0, 10_000), body.subarray(0, 10_000));
    assert.equal(s.readAheadObjects(), 1);
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(s.readAheadObjects(), 0);
  });

  test('without a listing, or for small reads, nothing is fetched ahead', async () => {
    const unlisted = storage({ readAhead: ahead });
    await unlisted.read('ahead/events', 0, 10_000);
    assert.deepEqual(unlisted.requestCounts(), { list: 0, head: 0, get: 1, retries: 0, bytes: 10_000 });
    const listed = storage({ readAhead: ahead });
    await listed.list('ahead/');
    listed.resetRequestCounts();
    assert.deepEqual(await listed.read('ahead/events', 50_000, 4_000), body.subarray(50_000, 54_000));
    assert.deepEqual(listed.requestCounts(), { list: 0, head: 0, get: 1, retries: 0, bytes: 4_000 });
  });

  test('when the store refuses prefetches because the object changed (412), reads fall back and stay exact', async () => {
    // A real HTTP front answering If-Match requests as a store does for a replaced object.
    let refused = 0;
    const front = await startHttpFront(server.endpoint, (req, res, pass) => {
      if (!req.headers['if-match']) return pass();
      refused++;
      req.resume();
      res.writeHead(412, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>');
    });
    const c = clientFor(front.endpoint);
    try {
      const s = new S3Storage({ client: c, bucket: BUCKET, retry: FAST_RETRY, partSize: 16_000, readAhead: ahead });
      const [info] = await s.list('ahead/');
      await scan(s, 10_000, info.size);
      // The first refusal stops read-ahead for that object: one round of parts, no more.
      assert.ok(refused > 0 && refused <= ahead.parts, `${refused} prefetches refused`);
    } finally {
      c.destroy();
      await front.close();
    }
  });
});

describe('S3Storage refusals', () => {
  test('a wrong access key is access_denied, with the reason in the message, and is not retried', async () => {
    const wrong = clientFor(server.endpoint, 'NOT-A-KEY');
    try {
      const s = new S3Storage({ client: wrong, bucket: BUCKET, retry: FAST_RETRY });
      const err = await rejectsWithKind(s.list('paged/'), 'access_denied');
      assert.match(err.message, /InvalidAccessKeyId/);
      await rejectsWithKind(s.read('ranges/blob', 0, 10), 'access_denied');
      await rejectsWithKind(s.stat('ranges/blob'), 'access_denied');
      assert.deepEqual(s.requestCounts(), { list: 1, head: 1, get: 1, retries: 0, bytes: 0 });
    } finally {
      wrong.destroy();
    }
  });

  test('a missing bucket is no_such_bucket when listed', async () => {
    const s = storage({ bucket: 'no-such-bucket-here' });
    const err = await rejectsWithKind(s.list(''), 'no_such_bucket');
    assert.match(err.message, /NoSuchBucket/);
    assert.equal(s.requestCounts().retries, 0);
  });
});

describe('S3Storage transient failures', () => {
  // A real HTTP front that answers 503 SlowDown to the first `failures` requests, then proxies.
  async function flakyProxy(failures: number): Promise<HttpFront & { served: () => number }> {
    let seen = 0;
    const front = await startHttpFront(server.endpoint, (req, res, pass) => {
      if (++seen > failures) return pass();
      req.resume();
      res.writeHead(503, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>');
    });
    return { ...front, served: () => seen };
  }

  test('503 SlowDown answers are retried with backoff until the request succeeds', async () => {
    const proxy = await flakyProxy(2);
    const c = clientFor(proxy.endpoint);
    try {
      const s = new S3Storage({ client: c, bucket: BUCKET, retry: FAST_RETRY });
      const listed = await s.list('replace/');
      assert.deepEqual(listed.map((o) => o.key), ['replace/events']);
      assert.deepEqual(s.requestCounts(), { list: 3, head: 0, get: 0, retries: 2, bytes: 0 });
      assert.equal(proxy.served(), 3);
    } finally {
      c.destroy();
      await proxy.close();
    }
  });

  test('a store that keeps failing is unavailable after the bounded attempts', async () => {
    const proxy = await flakyProxy(1_000);
    const c = clientFor(proxy.endpoint);
    try {
      const s = new S3Storage({ client: c, bucket: BUCKET, retry: FAST_RETRY });
      const err = await rejectsWithKind(s.read('replace/events', 0, 3), 'unavailable');
      assert.match(err.message, /SlowDown.*after 3 attempts/);
      assert.equal(s.requestCounts().get, 3);
      assert.equal(proxy.served(), 3);
    } finally {
      c.destroy();
      await proxy.close();
    }
  });

  test('a refused connection is retried, then unavailable', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((r) => closed.close(() => r()));
    const c = clientFor(`http://127.0.0.1:${port}`);
    try {
      const s = new S3Storage({ client: c, bucket: BUCKET, retry: FAST_RETRY });
      await rejectsWithKind(s.list(''), 'unavailable');
      assert.equal(s.requestCounts().list, 3);
    } finally {
      c.destroy();
    }
  });
});
