// The lean GET path (s3-get.ts) against real S3-protocol servers: s3rver checks its signatures, and
// small HTTP fronts play the stores that ignore Range or redirect to another region.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { S3Storage, s3ClientConfig } from './s3.js';
import { encodeKey } from './s3-get.js';
import { startHttpFront, type HttpFront } from '../testing/http-front.js';
import { startS3rver, S3RVER_ACCESS_KEY_ID, S3RVER_SECRET_ACCESS_KEY, type S3rverHandle } from '../testing/s3rver.js';

const BUCKET = 'vizjobs-lean';
const FAST_RETRY = { attempts: 2, baseDelayMs: 5, maxDelayMs: 10 };

let server: S3rverHandle;
let client: S3Client;

function clientFor(endpoint: string): S3Client {
  return new S3Client(s3ClientConfig({ endpoint, accessKeyId: S3RVER_ACCESS_KEY_ID, secretAccessKey: S3RVER_SECRET_ACCESS_KEY, region: 'us-east-1' }));
}

/** An HTTP front of s3rver that answers a request itself when `intercept` returns true. */
function front(intercept: (req: IncomingMessage, res: ServerResponse) => boolean): Promise<HttpFront> {
  return startHttpFront(server.endpoint, (req, res, pass) => {
    if (intercept(req, res)) req.resume();
    else pass();
  });
}

before(async () => {
  server = await startS3rver({ buckets: [BUCKET] });
  client = clientFor(server.endpoint);
});

after(async () => {
  client?.destroy();
  await server?.close();
});

describe('lean S3 GETs', () => {
  test('keys with spaces, plus signs, unicode and reserved characters are signed as the store checks them', async () => {
    const keys = ['odd/a b+c/events.out.tfevents.1', "odd/ü/ñ/(it's)*!/x", 'odd/100%/~x_y-z.v', 'odd/=&?;:@,$/k'];
    for (const [i, key] of keys.entries()) {
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: Buffer.from(`body ${i} of ${key}`) }));
    }
    const s = new S3Storage({ client, bucket: BUCKET, retry: FAST_RETRY });
    for (const [i, key] of keys.entries()) {
      assert.equal((await s.read(key, 0, 1000)).toString(), `body ${i} of ${key}`, key);
    }
    assert.deepEqual(s.requestCounts().retries, 0);
    assert.equal(encodeKey("a b/(x)!*'"), '%20b/%28x%29%21%2A%27'.replace(/^/, 'a'));
  });

  test('a store that ignores Range: only the asked slice is kept, and a large object is not read to its end', async () => {
    const big = randomBytes(8 * 1024 * 1024);
    let sent = 0;
    const f = await front((req, res) => {
      if (!(req.url ?? '').includes('/whole')) return false;
      // No Content-Range: the whole object, in 64 KiB writes, counting what was written.
      res.writeHead(200, { 'content-length': String(big.length) });
      let at = 0;
      const pump = (): void => {
        while (at < big.length) {
          const piece = big.subarray(at, at + 65_536);
          at += piece.length;
          sent += piece.length;
          if (!res.write(piece)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      res.on('close', () => (at = big.length));
      pump();
      return true;
    });
    const c = clientFor(f.endpoint);
    try {
      const s = new S3Storage({ client: c, bucket: BUCKET, retry: FAST_RETRY, readAhead: false });
      const got = await s.read('whole', 70_000, 1_000);
      assert.deepEqual(got, big.subarray(70_000, 71_000));
      await new Promise((r) => setTimeout(r, 50));
      assert.ok(sent < big.length, `the server wrote ${sent} of ${big.length} bytes`);
    } finally {
      c.destroy();
      await f.close();
    }
  });

  test('a region redirect hands reads to the SDK, which gets the same bytes, and later reads stay with it', async () => {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'redir/blob', Body: Buffer.from('0123456789') }));
    let redirected = 0;
    const f = await front((req, res) => {
      // The SDK announces itself in its user agent; the lean path sends none.
      if (String(req.headers['user-agent'] ?? '').includes('aws-sdk')) return false;
      redirected++;
      res.writeHead(301, { 'content-type': 'application/xml', 'x-amz-bucket-region': 'us-east-1' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>PermanentRedirect</Code><Message>elsewhere</Message></Error>');
      return true;
    });
    const c = clientFor(f.endpoint);
    try {
      const s = new S3Storage({ client: c, bucket: BUCKET, retry: FAST_RETRY, readAhead: false });
      assert.equal((await s.read('redir/blob', 2, 3)).toString(), '234');
      assert.equal((await s.read('redir/blob', 5, 5)).toString(), '56789');
      assert.equal(redirected, 1);
      assert.deepEqual(s.requestCounts(), { list: 0, head: 0, get: 2, retries: 0, bytes: 8 });
    } finally {
      c.destroy();
      await f.close();
    }
  });

  test('an answer cut mid-body is a transient failure that is retried', async () => {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cut/blob', Body: randomBytes(50_000) }));
    let cuts = 0;
    const f = await front((req, res) => {
      if (cuts > 0) return false;
      cuts++;
      res.writeHead(206, { 'content-length': '50000', 'content-range': 'bytes 0-49999/50000' });
      res.write(Buffer.alloc(1000));
      setTimeout(() => res.destroy(), 10);
      return true;
    });
    const c = clientFor(f.endpoint);
    try {
      const s = new S3Storage({ client: c, bucket: BUCKET, retry: FAST_RETRY, readAhead: false });
      const got = await s.read('cut/blob', 0, 50_000);
      assert.equal(got.length, 50_000);
      assert.deepEqual(s.requestCounts(), { list: 0, head: 0, get: 2, retries: 1, bytes: 50_000 });
    } finally {
      c.destroy();
      await f.close();
    }
  });
});
