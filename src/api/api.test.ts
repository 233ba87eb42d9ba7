// The job API end to end over a real server (real SQLite, real object-storage directory): every
// route, field, default, alias and error code of API.md §1 and §3.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, waitFor, BASE, TOKEN_P2, EXPIRED, type TestServer } from '../testing/test-server.js';

const create = (ts: TestServer, body: Record<string, unknown>) => ts.call('POST', BASE, { body });
const mlp = { job_name: 'mlp', train_url: '/demo/pytorch-mlp/' };

describe('job API', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startTestServer();
  });
  after(async () => ts.close());

  test('create answers the six fields with status 1 and the job reaches 8 RUNNING', async () => {
    const r = await create(ts, { ...mlp, job_desc: 'first' });
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body).sort(), ['create_time', 'is_success', 'job_id', 'job_name', 'service_url', 'status']);
    assert.equal(r.body.is_success, true);
    assert.equal(r.body.status, 1);
    assert.equal(r.body.job_name, 'mlp');
    assert.equal(typeof r.body.job_id, 'number');
    assert.equal(r.body.service_url, `http://vizjobs.test/visualization/p1/${String(r.body.job_id)}/`);
    assert.ok(Math.abs((r.body.create_time as number) - Date.now()) < 10_000);
    assert.equal(await waitFor(ts, r.body.job_id as number, (s) => s === 8), 8);
  });

  test('details carry every field of the job object with JSON numbers and defaults', async () => {
    const c = await create(ts, { ...mlp, job_name: 'Details_1-x' });
    const id = c.body.job_id as number;
    await waitFor(ts, id, (s) => s === 8);
    const r = await ts.call('GET', `${BASE}/${id}`);
    assert.equal(r.status, 200);
    const j = r.body;
    assert.equal(j.is_success, true);
    assert.equal(j.job_id, id);
    assert.equal(j.job_name, 'Details_1-x');
    assert.equal(j.job_desc, '');
    assert.equal(j.job_type, 'tensorboard');
    assert.equal(j.status, 8);
    assert.equal(j.create_time, c.body.create_time);
    assert.equal(typeof j.duration, 'number');
    assert.equal(j.train_url, '/demo/pytorch-mlp/');
    assert.match(j.resource_id as string, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(j.remaining_duration, null);
    assert.equal('schedule' in j, false);
    assert.equal('error_code' in j, false);
  });

  test('schedule is kept as given, array form and timeUnit alias accepted, remaining_duration counts down', async () => {
    const sched = [{ type: 'stop', timeUnit: 'HOURS', duration: 2 }];
    const c = await create(ts, { ...mlp, schedule: sched, job_type: 'mindinsight', flavor: { code: 'x' }, unknown_field: 1 });
    assert.equal(c.status, 200);
    const id = c.body.job_id as number;
    await waitFor(ts, id, (s) => s === 8);
    const r = await ts.call('GET', `${BASE}/${id}`);
    assert.deepEqual(r.body.schedule, sched);
    assert.equal(r.body.job_type, 'mindinsight');
    const rem = r.body.remaining_duration as number;
    assert.ok(rem > 2 * 3_600_000 - 10_000 && rem <= 2 * 3_600_000, `remaining ${rem}`);
    const o = await create(ts, { ...mlp, schedule: { type: 'stop', time_unit: 'HOURS', duration: 0 } });
    const oid = o.body.job_id as number;
    await waitFor(ts, oid, (s) => s === 8);
    assert.equal((await ts.call('GET', `${BASE}/${oid}`)).body.remaining_duration, null);
  });

  test('bad input gets the envelope with the right code and changes nothing', async () => {
    const before = (await ts.call('GET', BASE)).body.job_total_count;
    const long = (n: number) => 'a'.repeat(n);
    const cases: [string, Record<string, unknown> | string, number, string][] = [
      ['missing job_name', { train_url: '/demo/x/' }, 400, 'ModelArts.0104'],
      ['missing train_url', { job_name: 'a' }, 400, 'ModelArts.0104'],
      ['job_name wrong type', { job_name: 5, train_url: '/demo/x/' }, 400, 'ModelArts.0101'],
      ['train_url wrong type', { job_name: 'a', train_url: ['x'] }, 400, 'ModelArts.0101'],
      ['empty name', { job_name: '', train_url: '/demo/x/' }, 400, 'ModelArts.0104'],
      ['21-char name', { job_name: long(21), train_url: '/demo/x/' }, 400, 'ModelArts.0104'],
      ['name with space', { job_name: 'a b', train_url: '/demo/x/' }, 400, 'ModelArts.0104'],
      ['non-ASCII name', { job_name: 'jöb', train_url: '/demo/x/' }, 400, 'ModelArts.0104'],
      ['257-char desc', { job_name: 'a', job_desc: long(257), train_url: '/demo/x/' }, 400, 'ModelArts.0104'],
      ['train_url ..', { job_name: 'a', train_url: '/demo/../etc/' }, 400, 'ModelArts.0104'],
      ['train_url //', { job_name: 'a', train_url: '/demo//x/' }, 400, 'ModelArts.0104'],
      ['train_url NUL', { job_name: 'a', train_url: '/demo/x\u0000/' }, 400, 'ModelArts.0104'],
      ['train_url local path', { job_name: 'a', train_url: 'C:/Users/x' }, 400, 'ModelArts.0104'],
      ['train_url file scheme', { job_name: 'a', train_url: 'file:///etc/' }, 400, 'ModelArts.0104'],
      ['train_url relative', { job_name: 'a', train_url: 'demo/x' }, 400, 'ModelArts.0104'],
      ['job_type unknown', { job_name: 'a', train_url: '/demo/x/', job_type: 'jupyter' }, 400, 'ModelArts.0104'],
      ['schedule 25 h', { job_name: 'a', train_url: '/demo/x/', schedule: { type: 'stop', time_unit: 'HOURS', duration: 25 } }, 400, 'ModelArts.0104'],
      ['schedule -1 h', { job_name: 'a', train_url: '/demo/x/', schedule: { type: 'stop', time_unit: 'HOURS', duration: -1 } }, 400, 'ModelArts.0104'],
      ['schedule 1.5 h', { job_name: 'a', train_url: '/demo/x/', schedule: { type: 'stop', time_unit: 'HOURS', duration: 1.5 } }, 400, 'ModelArts.0104'],
      ['schedule minutes', { job_name: 'a', train_url: '/demo/x/', schedule: { type: 'stop', time_unit: 'MINUTES', duration: 1 } }, 400, 'ModelArts.0104'],
      ['schedule type', { job_name: 'a', train_url: '/demo/x/', schedule: { type: 'start', time_unit: 'HOURS', duration: 1 } }, 400, 'ModelArts.0104'],
      ['schedule two items', { job_name: 'a', train_url: '/demo/x/', schedule: [{ type: 'stop', time_unit: 'HOURS', duration: 1 }, { type: 'stop', time_unit: 'HOURS', duration: 1 }] }, 400, 'ModelArts.0104'],
      ['schedule string', { job_name: 'a', train_url: '/demo/x/', schedule: 'soon' }, 400, 'ModelArts.0101'],
      ['schedule duration string', { job_name: 'a', train_url: '/demo/x/', schedule: { type: 'stop', time_unit: 'HOURS', duration: '1' } }, 400, 'ModelArts.0101'],
      ['body an array', '[1,2]', 400, 'ModelArts.0101'],
      ['body a string', '"x"', 400, 'ModelArts.0101'],
      ['invalid JSON', '{"job_name":', 400, 'ModelArts.0101'],
    ];
    for (const [name, body, http, code] of cases) {
      const r = typeof body === 'string' ? await ts.call('POST', BASE, { raw: body }) : await create(ts, body);
      assert.equal(r.status, http, `${name}: ${r.text}`);
      assert.deepEqual(Object.keys(r.body).sort(), ['error_code', 'error_message', 'is_success'], name);
      assert.equal(r.body.is_success, false, name);
      assert.equal(r.body.error_code, code, `${name}: ${r.text}`);
      assert.doesNotMatch(r.text, /at .*\.js:\d+/, name);
    }
    const msg = (await create(ts, { job_name: long(21), train_url: '/demo/x/' })).body.error_message as string;
    assert.match(msg, /job_name/);
    assert.match((await create(ts, { job_name: 'a', train_url: '/demo/../x/' })).body.error_message as string, /train_url/);
    assert.equal((await ts.call('GET', BASE)).body.job_total_count, before);
  });

  test('a body over 1 MiB is 413 and a body of exactly the limit is parsed', async () => {
    const big = JSON.stringify({ ...mlp, job_desc: 'x'.repeat(2 * 1024 * 1024) });
    const r = await ts.call('POST', BASE, { raw: big });
    assert.equal(r.status, 413);
    assert.equal(r.body.is_success, false);
    assert.equal(r.body.error_code, 'ModelArts.0101');
    const padded = JSON.stringify({ ...mlp, pad: 'y'.repeat(1024 * 1024 - 100) });
    const ok = await ts.call('POST', BASE, { raw: padded + ' '.repeat(1024 * 1024 - Buffer.byteLength(padded)) });
    assert.equal(ok.status, 200, ok.text);
  });

  test('list query: bad per_page, page, sortBy, order, search_content and status are 0104', async () => {
    for (const q of ['per_page=0', 'per_page=1001', 'per_page=abc', 'page=0', 'page=-1', 'sortBy=name', 'sort_by=x', 'order=up', `search_content=${'a'.repeat(65)}`, 'status=abc', 'status=8|x']) {
      const r = await ts.call('GET', `${BASE}?${q}`);
      assert.equal(r.status, 400, q);
      assert.equal(r.body.error_code, 'ModelArts.0104', `${q}: ${r.text}`);
    }
  });

  test('path: non-numeric job ids are 0104 and unknown ids are 404 ModelArts.0015', async () => {
    for (const id of ['abc', '1.5', '-1', '1e3']) {
      for (const [m, suffix] of [['GET', ''], ['PUT', ''], ['DELETE', ''], ['POST', '/stop'], ['POST', '/restart']]) {
        const r = await ts.call(m, `${BASE}/${id}${suffix}`, m === 'PUT' ? { body: { job_desc: 'x' } } : {});
        assert.equal(r.status, 400, `${m} ${id}${suffix}`);
        assert.equal(r.body.error_code, 'ModelArts.0104');
      }
    }
    const r = await ts.call('GET', `${BASE}/999999`);
    assert.equal(r.status, 404);
    assert.deepEqual(r.body, { is_success: false, error_code: 'ModelArts.0015', error_message: 'The resource you requested is not exist' });
  });

  test('unknown routes are 404 and wrong methods 405, in the envelope', async () => {
    const a = await ts.call('GET', '/v1/p1/nothing-here');
    assert.equal(a.status, 404);
    assert.equal(a.body.is_success, false);
    assert.equal(a.body.error_code, 'ModelArts.0015');
    const b = await ts.call('PATCH', `${BASE}/1`);
    assert.equal(b.status, 405);
    assert.equal(b.body.error_code, 'ModelArts.0107');
    assert.equal(b.headers.allow, 'GET, PUT, DELETE');
    const c = await ts.call('GET', `${BASE}/1/stop`);
    assert.equal(c.status, 405);
    const d = await ts.call('DELETE', BASE);
    assert.equal(d.status, 405);
  });

  test('update changes the description; 0104 beyond 256 characters', async () => {
    const id = (await create(ts, mlp)).body.job_id as number;
    const r = await ts.call('PUT', `${BASE}/${id}`, { body: { job_desc: 'new words' } });
    assert.deepEqual(r.body, { is_success: true });
    assert.equal((await ts.call('GET', `${BASE}/${id}`)).body.job_desc, 'new words');
    const bad = await ts.call('PUT', `${BASE}/${id}`, { body: { job_desc: 'x'.repeat(257) } });
    assert.equal(bad.body.error_code, 'ModelArts.0104');
    const wrong = await ts.call('PUT', `${BASE}/${id}`, { body: { job_desc: 7 } });
    assert.equal(wrong.body.error_code, 'ModelArts.0101');
    assert.equal((await ts.call('PUT', `${BASE}/${id}`, { body: {} })).body.error_code, 'ModelArts.0104');
  });

  test('auth: missing, unknown, expired tokens, another project, malformed project id', async () => {
    const id = (await create(ts, mlp)).body.job_id as number;
    const none = await ts.call('GET', BASE, { token: null });
    assert.deepEqual([none.status, none.body.error_code], [401, 'ModelArts.0201']);
    assert.equal(none.body.error_message, 'Token header cannot be empty.');
    const bad = await ts.call('GET', BASE, { token: 'nope' });
    assert.deepEqual([bad.status, bad.body.error_code], [401, 'ModelArts.0203']);
    const exp = await ts.call('GET', BASE, { token: EXPIRED });
    assert.deepEqual([exp.status, exp.body.error_code], [401, 'ModelArts.0202']);
    assert.match(exp.body.error_message as string, /^Invalid Token header\. Token expired/);
    const other = await ts.call('GET', `${BASE}/${id}`, { token: TOKEN_P2 });
    assert.deepEqual([other.status, other.body.error_code], [403, 'ModelArts.0210']);
    // p2's token on p2's URL still cannot see p1's job.
    const cross = await ts.call('GET', `/v1/p2/visualization-jobs/${id}`, { token: TOKEN_P2 });
    assert.deepEqual([cross.status, cross.body.error_code], [404, 'ModelArts.0015']);
    for (const [m, s] of [['POST', '/stop'], ['POST', '/restart'], ['DELETE', '']]) {
      const r = await ts.call(m, `/v1/p2/visualization-jobs/${id}${s}`, { token: TOKEN_P2 });
      assert.equal(r.status, 404, `${m} ${s}`);
    }
    assert.equal((await ts.call('PUT', `/v1/p2/visualization-jobs/${id}`, { token: TOKEN_P2, body: { job_desc: 'hijack' } })).status, 404);
    const list = await ts.call('GET', '/v1/p2/visualization-jobs', { token: TOKEN_P2 });
    assert.equal(list.body.job_total_count, 0);
    const badProject = await ts.call('GET', '/v1/p%20x/visualization-jobs');
    assert.deepEqual([badProject.status, badProject.body.error_code], [400, 'ModelArts.0104']);
    // The token is checked before the body is read: no token + junk body is 401.
    assert.equal((await ts.call('POST', BASE, { token: null, raw: '{' })).status, 401);
  });

  test('OpenAPI document lists the seven operations and the docs page is served', async () => {
    const r = await ts.call('GET', '/openapi.json', { token: null });
    assert.equal(r.status, 200);
    const paths = r.body.paths as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(paths['/v1/{project_id}/visualization-jobs']).sort(), ['get', 'post']);
    assert.deepEqual(Object.keys(paths['/v1/{project_id}/visualization-jobs/{job_id}']).sort(), ['delete', 'get', 'put']);
    assert.ok(paths['/v1/{project_id}/visualization-jobs/{job_id}/stop'].post);
    assert.ok(paths['/v1/{project_id}/visualization-jobs/{job_id}/restart'].post);
    const docs = await ts.call('GET', '/docs/', { token: null });
    assert.equal(docs.status, 200);
    assert.match(docs.text, /swagger/i);
  });
});

describe('job list', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startTestServer({ runningQuota: 100 });
    for (const name of ['delta', 'Alpha', 'charlie', 'bravo', 'ALPHA_2']) {
      await create(ts, { job_name: name, job_desc: `desc-${name.toLowerCase()}`, train_url: '/demo/pytorch-mlp/' });
    }
    await ts.settle();
  });
  after(async () => ts.close());

  test('defaults: sorted by job_id asc, 10 per page, counts and quotas', async () => {
    const r = await ts.call('GET', BASE);
    assert.equal(r.body.is_success, true);
    assert.equal(r.body.job_total_count, 5);
    assert.equal(r.body.quotas, 100);
    assert.equal(r.body.job_count_limit, 1000 - 5);
    const ids = (r.body.jobs as { job_id: number }[]).map((j) => j.job_id);
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
    assert.equal(ids.length, 5);
  });

  test('paging returns the page and job_total_count counts every match', async () => {
    const p1 = await ts.call('GET', `${BASE}?per_page=2&page=1`);
    const p3 = await ts.call('GET', `${BASE}?per_page=2&page=3`);
    const p4 = await ts.call('GET', `${BASE}?per_page=2&page=4`);
    assert.equal((p1.body.jobs as unknown[]).length, 2);
    assert.equal((p3.body.jobs as unknown[]).length, 1);
    assert.equal((p4.body.jobs as unknown[]).length, 0);
    assert.equal(p3.body.job_total_count, 5);
  });

  test('sortBy/sort_by and order sort by every allowed key', async () => {
    const names = async (q: string) => ((await ts.call('GET', `${BASE}?${q}`)).body.jobs as { job_name: string }[]).map((j) => j.job_name);
    assert.deepEqual(await names('sortBy=job_name'), ['ALPHA_2', 'Alpha', 'bravo', 'charlie', 'delta']);
    assert.deepEqual(await names('sort_by=job_name&order=desc'), ['delta', 'charlie', 'bravo', 'Alpha', 'ALPHA_2']);
    assert.deepEqual(await names('sortBy=job_desc'), ['Alpha', 'ALPHA_2', 'bravo', 'charlie', 'delta']);
    assert.deepEqual(await names('sortBy=job_id&order=desc'), ['ALPHA_2', 'bravo', 'charlie', 'Alpha', 'delta']);
    assert.equal((await names('sortBy=create_time')).length, 5);
    assert.equal((await names('sortBy=status')).length, 5);
  });

  test('search_content is a case-insensitive substring of the name; % and _ are literal', async () => {
    const r = await ts.call('GET', `${BASE}?search_content=alpha`);
    assert.deepEqual((r.body.jobs as { job_name: string }[]).map((j) => j.job_name).sort(), ['ALPHA_2', 'Alpha']);
    assert.equal(r.body.job_total_count, 2);
    assert.equal((await ts.call('GET', `${BASE}?search_content=_`)).body.job_total_count, 1);
    assert.equal((await ts.call('GET', `${BASE}?search_content=%25`)).body.job_total_count, 0);
    assert.equal((await ts.call('GET', `${BASE}?search_content=`)).body.job_total_count, 5);
  });

  test('status filter takes one status or several joined by |', async () => {
    const all = await ts.call('GET', `${BASE}?status=8`);
    assert.equal(all.body.job_total_count, 5);
    const first = (all.body.jobs as { job_id: number }[])[0].job_id;
    await ts.call('POST', `${BASE}/${first}/stop`);
    await waitFor(ts, first, (s) => s === 12);
    assert.equal((await ts.call('GET', `${BASE}?status=12`)).body.job_total_count, 1);
    assert.equal((await ts.call('GET', `${BASE}?status=3|5|6|12`)).body.job_total_count, 1);
    assert.equal((await ts.call('GET', `${BASE}?status=8|12`)).body.job_total_count, 5);
    assert.equal((await ts.call('GET', `${BASE}?status=8&workspace_id=0`)).body.job_total_count, 4);
  });
});

describe('admin token', () => {
  test('is generated on first start with mode 0600, reused later, and valid for every project', async () => {
    const ts = await startTestServer({ tokens: '' });
    try {
      const admin = ts.built.adminToken;
      assert.ok(admin?.created);
      assert.equal(statSync(join(ts.dir, 'admin-token')).mode & 0o777, 0o600);
      for (const p of ['p1', 'anything', 'X_9']) {
        const r = await ts.call('GET', `/v1/${p}/visualization-jobs`, { token: admin.token });
        assert.equal(r.status, 200, p);
      }
      assert.equal((await ts.call('GET', BASE, { token: admin.token + 'x' })).body.error_code, 'ModelArts.0203');
      const again = await ts.restart();
      assert.equal(again.built.adminToken?.token, admin.token);
      assert.equal(again.built.adminToken?.created, false);
      await again.close();
    } catch (err) {
      await ts.close().catch(() => {});
      throw err;
    }
  });
});

describe('fuzzed input', () => {
  test('random bodies, queries and paths never get a 500 and always get the envelope', async () => {
    const { default: fc } = await import('fast-check');
    const ts = await startTestServer({ jobLimit: 100_000 });
    try {
      const value = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.string(), { maxKeys: 3 }));
      const body = fc.record(
        { job_name: value, job_desc: value, train_url: fc.oneof(value, fc.constantFrom('/demo/x/', 's3://abc/x/', 'obs://abc/', '/a/../b/', '//x')), job_type: value, schedule: fc.oneof(value, fc.record({ type: value, time_unit: value, duration: value })), flavor: value },
        { requiredKeys: [] },
      );
      await fc.assert(
        fc.asyncProperty(body, fc.string({ maxLength: 40 }), fc.string({ maxLength: 12 }), async (b, query, pathPart) => {
          const responses = [
            await ts.call('POST', BASE, { body: b }),
            await ts.call('GET', `${BASE}?${query}`),
            await ts.call('GET', `${BASE}/${encodeURIComponent(pathPart)}`),
            await ts.call('POST', BASE, { raw: query }),
            await ts.call('PUT', `${BASE}/1`, { body: { job_desc: b.job_desc } }),
          ];
          for (const r of responses) {
            assert.ok(r.status < 500, `${r.status}: ${r.text}`);
            assert.equal(typeof r.body.is_success, 'boolean', r.text);
            if (r.body.is_success === false) {
              assert.match(r.body.error_code as string, /^ModelArts\.\d{4}$/);
              assert.doesNotMatch(r.text, /\n\s+at /);
            }
          }
        }),
        { numRuns: 150 },
      );
    } finally {
      await ts.close();
    }
  });
});
