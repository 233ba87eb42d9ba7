// Issue 8 (one tenant must not hurt the others): strict request shapes, bounded nesting and row
// size, one job-id rule, and the §3 envelope for answers shaped below the routes — the HTTP parser's
// refusals and bodies answered before they were read — checked over raw sockets where inject
// cannot reach (a client that writes its whole body before it reads the answer) — and the repair
// of rows stored before requests were strict.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SQLITE_MIGRATIONS } from '../store/migrations.js';
import { SqliteJobStore } from '../store/sqlite.js';
import { startTestServer, BASE, type TestServer } from '../testing/test-server.js';
import { badJobId, parseJobId } from './job-id.js';
import { jsonDepthExceeds, MAX_JSON_DEPTH } from './json-body.js';
import { compileUserRegex } from './user-regex.js';

const mlp = { job_name: 'mlp', train_url: '/demo/pytorch-mlp/' };
const ENVELOPE = ['error_code', 'error_message', 'is_success'];
/** Largest a stored job may be (client fields at their maximum are ~2.5 KB; failure_reason ≤ 1024 chars). */
const MAX_JOB_JSON_BYTES = 12 * 1024;

const nested = (depth: number, leaf = '1'): string => '['.repeat(depth) + leaf + ']'.repeat(depth);

function assertEnvelope(r: { status: number; body: Record<string, unknown>; text: string }, http: number, code: string, what: string): void {
  assert.equal(r.status, http, `${what}: ${r.text.slice(0, 300)}`);
  assert.deepEqual(Object.keys(r.body).sort(), ENVELOPE, what);
  assert.equal(r.body.error_code, code, `${what}: ${r.text.slice(0, 300)}`);
}

describe('strict request shapes', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startTestServer();
  });
  after(async () => ts.close());

  test('schedule and flavor refuse keys they do not document, naming the key', async () => {
    const ok = { type: 'stop', time_unit: 'HOURS', duration: 1 };
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['schedule extra key', { schedule: { ...ok, pad: 'x' } }, /schedule\.pad/],
      ['schedule array item extra key', { schedule: [{ ...ok, nested: { a: [1, 2] } }] }, /schedule\.0\.nested/],
      ['schedule megabyte of keys', { schedule: { ...ok, ...Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, 'v'.repeat(100)])) } }, /schedule\.k0/],
      ['flavor extra key', { flavor: { code: 'x', gpu: 8 } }, /flavor\.gpu/],
      ['flavor long key', { flavor: { code: 'x', ['k'.repeat(10_000)]: 1 } }, /flavor\.k{64}…/],
    ];
    for (const [name, extra, named] of cases) {
      const r = await ts.call('POST', BASE, { body: { ...mlp, ...extra } });
      assertEnvelope(r, 400, 'ModelArts.0104', name);
      assert.match(r.body.error_message as string, named, name);
      assert.ok(r.text.length < 400, `${name}: the message does not echo the body`);
    }
    // The documented shapes still pass, alias included; unknown top-level fields are ignored.
    for (const schedule of [ok, [ok], { type: 'stop', timeUnit: 'HOURS', duration: 0 }]) {
      const r = await ts.call('POST', BASE, { body: { ...mlp, schedule, flavor: { code: 'c' }, top_level_extra: { a: [1] } } });
      assert.equal(r.status, 200, r.text);
    }
    const missingUnit = await ts.call('POST', BASE, { body: { ...mlp, schedule: { type: 'stop', duration: 1 } } });
    assertEnvelope(missingUnit, 400, 'ModelArts.0104', 'schedule without time_unit');
  });

  test('JSON nested deeper than the bound is 0101 before it is parsed, at any depth', async () => {
    for (const depth of [MAX_JSON_DEPTH + 1, 4_000, 10_000, 300_000]) {
      const raw = `{"job_name":"a","train_url":"/demo/x/","extra":${nested(depth - 1)}}`;
      const r = await ts.call('POST', BASE, { raw });
      assertEnvelope(r, 400, 'ModelArts.0101', `depth ${depth}`);
      assert.match(r.body.error_message as string, /nests deeper than 32/);
    }
    const atBound = await ts.call('POST', BASE, { raw: `{"job_name":"a","train_url":"/demo/x/","extra":${nested(MAX_JSON_DEPTH - 1)}}` });
    assert.equal(atBound.status, 200, atBound.text);
    // Brackets inside strings are text, not nesting.
    const inString = await ts.call('POST', BASE, { body: { ...mlp, job_desc: '['.repeat(200) + '\\"{{{' } });
    assert.equal(inString.status, 200, inString.text);
    const list = await ts.call('GET', `${BASE}?per_page=1000`);
    assert.equal(list.status, 200);
  });

  test('wrong content types and undecodable bodies are 0101 in the envelope', async () => {
    const body = JSON.stringify(mlp);
    for (const type of ['application/xml', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const r = await ts.call('POST', BASE, { raw: body, headers: { 'content-type': type } });
      assert.equal(r.status, 400, `${type}: ${r.text}`);
      assert.deepEqual(Object.keys(r.body).sort(), ENVELOPE, type);
      assert.match(String(r.body.error_code), /^ModelArts\.010[14]$/, type);
    }
    const invalidUtf8 = await ts.built.app.inject({
      method: 'POST',
      url: BASE,
      headers: { 'x-auth-token': 'test-token-p1', 'content-type': 'application/json' },
      payload: Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]),
    });
    assert.equal(invalidUtf8.statusCode, 400, invalidUtf8.body);
    assert.deepEqual(Object.keys(invalidUtf8.json() as object).sort(), ENVELOPE);
  });

  test('the depth scan counts only structure', () => {
    assert.equal(jsonDepthExceeds(nested(32)), false);
    assert.equal(jsonDepthExceeds(nested(33)), true);
    assert.equal(jsonDepthExceeds(`"${'['.repeat(100)}"`), false);
    assert.equal(jsonDepthExceeds(`["\\"${'{'.repeat(100)}"]`), false);
    assert.equal(jsonDepthExceeds(`["\\\\",${nested(40)}]`), true);
  });

  test('a stored job has a bounded size, so a page of 1000 has one too', async () => {
    const emoji = '\u{1F600}';
    const biggest = {
      job_name: 'n'.repeat(20),
      job_desc: emoji.repeat(128), // 256 UTF-16 units, the most maxLength allows
      train_url: `/bucket/${'d'.repeat(1000)}/`, // key prefixes are at most 1024 bytes
      job_type: 'mindinsight',
      flavor: { code: emoji.repeat(64) },
      schedule: [{ type: 'stop', time_unit: 'HOURS', timeUnit: 'HOURS', duration: 24 }],
      workspace_id: 'w'.repeat(64),
      ignored: 'z'.repeat(900_000),
    };
    const c = await ts.call('POST', BASE, { body: biggest });
    assert.equal(c.status, 200, c.text);
    const id = c.body.job_id as number;
    const rec = await ts.built.store.get(id);
    assert.ok(rec);
    const stored = Buffer.byteLength(JSON.stringify(rec));
    assert.ok(stored <= MAX_JOB_JSON_BYTES, `stored row ${stored} bytes`);
    assert.equal(JSON.stringify(rec).includes('zzz'), false, 'unknown top-level fields are not stored');
    const list = await ts.call('GET', `${BASE}?per_page=1000`);
    const jobs = list.body.jobs as Record<string, unknown>[];
    for (const j of jobs) assert.ok(Buffer.byteLength(JSON.stringify(j)) <= MAX_JOB_JSON_BYTES, `job ${String(j.job_id)}`);
    assert.ok(Buffer.byteLength(list.text) <= 1000 * MAX_JOB_JSON_BYTES + 1024);
  });

  test('job ids: one canonical spelling, refused identically on every route', async () => {
    const c = await ts.call('POST', BASE, { body: mlp });
    const id = c.body.job_id as number;
    assert.equal((await ts.call('GET', `${BASE}/${id}`)).status, 200);
    const expected = badJobId().body();
    for (const raw of [`0${id}`, `+${id}`, `${id}.0`, '1e3', `%20${id}`, `${id}%20`, '0', '-1', '1000000000000000', '9007199254740993', 'abc']) {
      for (const [m, suffix] of [['GET', ''], ['PUT', ''], ['DELETE', ''], ['POST', '/stop'], ['POST', '/restart']]) {
        const r = await ts.call(m, `${BASE}/${raw}${suffix}`, m === 'PUT' ? { body: { job_desc: 'x' } } : {});
        assert.equal(r.status, 400, `${m} ${raw}${suffix}: ${r.text}`);
        assert.deepEqual(r.body, expected, `${m} ${raw}${suffix}`);
      }
    }
    assert.equal(parseJobId('999999999999999'), 999_999_999_999_999);
    for (const raw of ['04', '+4', '4.0', '1e3', ' 4', '4 ', '4\n', '0x4', '']) assert.equal(parseJobId(raw), undefined, JSON.stringify(raw));
  });

  test('user regexes run in linear time; bad ones are refused naming the parameter', () => {
    const re = compileUserRegex('filterRegexp', '^(a+)+$');
    const t0 = performance.now();
    assert.equal(re.test('a'.repeat(31) + '!'), false);
    // Bounds far from both sides: a backtracking engine needs 2^31 steps (tens of seconds) here, RE2
    // a few ms; the margin is for a loaded CI machine, not for the engine.
    assert.ok(performance.now() - t0 < 1000, '31 a\'s: a backtracking engine needs tens of seconds');
    const t1 = performance.now();
    assert.equal(re.test('a'.repeat(100_000) + '!'), false);
    assert.ok(performance.now() - t1 < 10_000, '100,000 a\'s: linear');
    assert.equal(compileUserRegex('p', 'lr|adam').test('the adam run'), true);
    for (const bad of ['(', '(?=a)', '(a)\\1', 'x'.repeat(257), '.{900}.{900}']) {
      assert.throws(() => compileUserRegex('colParams[0].filterRegexp', bad), (e: Error) => /colParams\[0\]\.filterRegexp/.test(e.message), bad);
    }
  });
});

interface RawAnswer {
  status: number;
  headers: string;
  body: Record<string, unknown>;
}

function parseRaw(text: string): RawAnswer {
  const m = /^HTTP\/1\.1 (\d{3}) [^\r\n]*\r\n([\s\S]*?)\r\n\r\n([\s\S]*)$/.exec(text);
  assert.ok(m, `not an HTTP/1.1 response: ${JSON.stringify(text.slice(0, 200))}`);
  return { status: Number(m[1]), headers: m[2].toLowerCase(), body: JSON.parse(m[3]) as Record<string, unknown> };
}

describe('answers shaped below the routes, over raw sockets', () => {
  let ts: TestServer;
  let port = 0;
  before(async () => {
    ts = await startTestServer();
    await ts.built.app.listen({ port: 0, host: '127.0.0.1' });
    const addr = ts.built.app.server.address();
    port = typeof addr === 'object' && addr ? addr.port : 0;
  });
  after(async () => ts.close());

  /** Writes all of `data` before reading anything (like Python's urllib), then reads to the end. */
  function sendAllThenRead(data: string | Buffer): Promise<string> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      s.pause();
      const chunks: Buffer[] = [];
      s.on('error', (e) => reject(new Error(`${(e as NodeJS.ErrnoException).code ?? e.message} after ${Buffer.concat(chunks).length} bytes read`)));
      s.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      s.write(data, (err) => {
        if (err) return;
        s.on('data', (c: Buffer) => chunks.push(c));
        s.resume();
      });
    });
  }

  test('a bad request line and oversized headers get the envelope and Connection: close', async () => {
    const bad = parseRaw(await sendAllThenRead('GARBAGE\r\n\r\n'));
    assert.equal(bad.status, 400);
    assert.deepEqual(Object.keys(bad.body).sort(), ENVELOPE);
    assert.equal(bad.body.error_code, 'ModelArts.0101');
    assert.match(bad.headers, /connection: close/);
    const big = parseRaw(await sendAllThenRead(`GET ${BASE} HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(20_000)}\r\n\r\n`));
    assert.equal(big.status, 431);
    assert.deepEqual(Object.keys(big.body).sort(), ENVELOPE);
    assert.match(big.headers, /connection: close/);
    const ctl = parseRaw(await sendAllThenRead(`GET ${BASE} HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0001b\r\n\r\n`));
    assert.equal(ctl.status, 400);
  });

  test('413 reaches a client that sends its whole body before reading (Content-Length and chunked)', async () => {
    const body = Buffer.alloc(10 * 1024 * 1024, 'x');
    const head = `POST ${BASE} HTTP/1.1\r\nHost: x\r\nX-Auth-Token: test-token-p1\r\nContent-Type: application/json\r\n`;
    const withLength = parseRaw(await sendAllThenRead(Buffer.concat([Buffer.from(`${head}Content-Length: ${body.length}\r\n\r\n`), body])));
    assert.equal(withLength.status, 413);
    assert.equal(withLength.body.error_code, 'ModelArts.0101');
    assert.match(withLength.headers, /connection: close/);
    const chunked = parseRaw(
      await sendAllThenRead(Buffer.concat([Buffer.from(`${head}Transfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')])),
    );
    assert.equal(chunked.status, 413);
    // Refused before the body is read at all (no token): the same care.
    const noToken = parseRaw(
      await sendAllThenRead(Buffer.concat([Buffer.from(`POST ${BASE} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`), body])),
    );
    assert.equal(noToken.status, 401);
    assert.equal(noToken.body.error_code, 'ModelArts.0201');
    // And the server still answers.
    assert.equal((await ts.call('GET', BASE)).status, 200);
  });
});

describe('rows stored before requests were strict', () => {
  test('a schema-1 database with megabyte schedules and flavors is repaired on open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vizjobs-repair-'));
    try {
      const path = join(dir, 'db.sqlite');
      const old = new Database(path);
      old.exec(SQLITE_MIGRATIONS[0].sql);
      old.exec('CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version (version) VALUES (1)');
      const insert = old.prepare(
        `INSERT INTO jobs (project_id, job_name, job_type, status, desired, create_time, train_url, resource_id, schedule_json, schedule_ms, queue_pos, flavor_json)
         VALUES ('p', ?, 'tensorboard', 7, 'running', 1, '/demo/x/', 'r', ?, ?, ?, ?)`,
      );
      const huge = JSON.stringify({ type: 'stop', time_unit: 'HOURS', duration: 2, pad: 'x'.repeat(1_000_000) });
      insert.run('big', huge, 2 * 3_600_000, 1, JSON.stringify({ code: 'c', pad: 'y'.repeat(100_000) }));
      const fine = JSON.stringify([{ type: 'stop', timeUnit: 'HOURS', duration: 3 }]);
      insert.run('fine', fine, 3 * 3_600_000, 2, JSON.stringify({ code: 'c' }));
      old.close();
      const store = new SqliteJobStore(path);
      const [big, ok] = [await store.get(1), await store.get(2)];
      assert.deepEqual(JSON.parse(big?.scheduleJson ?? 'null'), { type: 'stop', time_unit: 'HOURS', duration: 2 });
      assert.equal(big?.flavorJson, null);
      assert.equal(ok?.scheduleJson, fine, 'valid rows are untouched');
      assert.equal(ok?.flavorJson, '{"code":"c"}');
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
