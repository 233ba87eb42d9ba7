// The fleet as deployed, locally: three replicas (processes of the built service) on one
// PostgreSQL schema, logs on s3rver, behind Debian's haproxy. The API, the console's sign-in and the
// viewer are driven through the balancer only; mid-storm one replica is killed with SIGKILL. No
// job may be lost or left stuck, FIFO and the quota must hold cluster-wide (the admission oracle in
// the database), and every request must either succeed or get a retryable answer (502/503/504, or
// an answer cut off by the kill itself; retried by the client as any client of a balancer would).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startFleet, FLEET_TRAIN_URL } from './testing/fleet.js';
import { admissionViolations, installAdmissionOracle } from './testing/admission-oracle.js';

const QUOTA = 3;
const JOBS = 12;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('three replicas behind haproxy: API, sign-in and viewer through the balancer; kill -9 of one mid-storm loses no job, strands none, keeps FIFO and the quota, and every request succeeds or is retryable', { timeout: 240_000 }, async () => {
  const fleet = await startFleet({ replicas: 3, runningQuota: QUOTA });
  const db = new pg.Client({ connectionString: fleet.schema.url });
  try {
    await db.connect();
    await installAdmissionOracle(db, QUOTA);
    const base = fleet.balancer.base;
    const api = '/v1/p1/visualization-jobs';
    const failures: string[] = [];
    let retried = 0;
    let answered = 0;
    const servedBy = new Set<string>();
    const call = async (method: string, path: string, opts: { body?: unknown; cookie?: string; expect?: number[] } = {}): Promise<{ status: number; json: Record<string, unknown> } | undefined> => {
      const expect = opts.expect ?? [200];
      for (let attempt = 0; attempt < 30; attempt++) {
        let r: Response;
        try {
          r = await fetch(base + path, {
            method,
            headers: {
              ...(opts.cookie ? { cookie: opts.cookie } : { 'x-auth-token': fleet.adminToken }),
              ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
              accept: 'application/json',
            },
            body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
            signal: AbortSignal.timeout(30_000),
          });
        } catch (err) {
          failures.push(`${method} ${path}: no answer at ${new Date().toISOString()} (${String(err)} ${String((err as Error).cause)})`);
          return undefined;
        }
        let text: string;
        try {
          text = await r.text();
        } catch {
          // The answer's head came from the replica that was then killed, and its body never came:
          // no balancer can finish a response its server died in the middle of, and a client
          // retries it like a 502 (stop and restart are safe to repeat: a repeat that lost the race
          // is refused with 0105, which counts as an answer below).
          retried++;
          await sleep(50 * (attempt + 1));
          continue;
        }
        if ([502, 503, 504].includes(r.status)) {
          retried++;
          await sleep(50 * (attempt + 1));
          continue;
        }
        answered++;
        const by = r.headers.get('x-served-by');
        if (by) servedBy.add(by);
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch {
          /* the 409 page */
        }
        // A stop or restart that lost a race is refused in the envelope: an answer, not a failure.
        const refused = r.status === 400 && json.error_code === 'ModelArts.0105';
        if (!expect.includes(r.status) && !refused) failures.push(`${method} ${path}: ${String(r.status)} ${text.slice(0, 200)}`);
        return { status: r.status, json };
      }
      failures.push(`${method} ${path}: still 5xx after 30 retries`);
      return undefined;
    };
    const statuses = async (): Promise<Map<number, number>> => {
      const r = await call('GET', `${api}?per_page=100`);
      return new Map(((r?.json.jobs ?? []) as { job_id: number; status: number }[]).map((j) => [j.job_id, j.status]));
    };

    // Sign-in through the balancer: the cookie opens the viewer whichever replica answers.
    const signIn = await fetch(`${base}/v1/auth/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: fleet.adminToken, project_id: 'p1' }) });
    assert.equal(signIn.status, 200, await signIn.clone().text());
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0];
    assert.match(cookie, /^vizjobs_session=v2\./);

    const ids: number[] = [];
    for (let i = 0; i < JOBS; i++) {
      const r = await call('POST', api, { body: { job_name: `f${String(i)}`, train_url: FLEET_TRAIN_URL } });
      ids.push(r?.json.job_id as number);
    }
    const end0 = Date.now() + 20_000;
    for (;;) {
      const s = [...(await statuses()).values()];
      if (s.filter((x) => x === 8).length === QUOTA && s.filter((x) => x === 7).length === JOBS - QUOTA) break;
      assert.ok(Date.now() < end0, `admission did not settle: ${s.join(',')}`);
      await sleep(100);
    }
    const running = [...(await statuses())].filter(([, s]) => s === 8).map(([id]) => id);
    assert.deepEqual(running, ids.slice(0, QUOTA), 'the first jobs created run');
    servedBy.clear();
    for (let i = 0; i < 9; i++) {
      const runs = await call('GET', `/visualization/p1/${String(running[i % QUOTA])}/data/runs`, { cookie });
      assert.ok(Array.isArray(runs?.json) || (runs?.status === 200 && (runs.json as unknown as unknown[]).length > 0));
    }
    assert.equal(servedBy.size, 3, `viewer requests reached ${[...servedBy].join(', ')}`);

    // The storm: workers stop and restart jobs through the balancer while readers fetch viewer
    // data with the cookie; two seconds in, one replica is killed with SIGKILL.
    const stormEnd = Date.now() + 7_000;
    let killedAt = '';
    const pick = <T>(xs: T[]): T | undefined => xs[Math.floor(Math.random() * xs.length)];
    const worker = async (): Promise<void> => {
      while (Date.now() < stormEnd) {
        const all = [...(await statuses())];
        const run = pick(all.filter(([, s]) => s === 8));
        const ended = pick(all.filter(([, s]) => s === 12 || s === 10));
        await Promise.all([
          run ? call('POST', `${api}/${String(run[0])}/stop`) : undefined,
          ended ? call('POST', `${api}/${String(ended[0])}/restart`) : undefined,
        ]);
        await sleep(20 + Math.random() * 40);
      }
    };
    const reader = async (): Promise<void> => {
      while (Date.now() < stormEnd) {
        await call('GET', `/visualization/p1/${String(pick(ids))}/data/runs`, { cookie, expect: [200, 409] });
        await sleep(5);
      }
    };
    const killer = (async () => {
      await sleep(2_000);
      killedAt = new Date().toISOString();
      fleet.replicas[1].child.kill('SIGKILL');
    })();
    await Promise.all([worker(), worker(), worker(), reader(), reader(), killer]);
    assert.ok(fleet.replicas[1].exited(), 'the replica was killed');

    // Calm: every job still there, none stuck in 1 or 9, the quota's worth running, FIFO and the quota never broken.
    const calmEnd = Date.now() + 30_000;
    let last: Map<number, number> = new Map();
    for (;;) {
      last = await statuses();
      const s = [...last.values()];
      const queuedOrRunning = s.filter((x) => x === 7 || x === 8).length;
      if (s.every((x) => [7, 8, 10, 12].includes(x)) && s.filter((x) => x === 8).length === Math.min(QUOTA, queuedOrRunning)) break;
      assert.ok(Date.now() < calmEnd, `jobs stuck: ${[...last].map(([id, st]) => `${String(id)}:${String(st)}`).join(' ')}`);
      await sleep(200);
    }
    assert.deepEqual([...last.keys()].sort((a, b) => a - b), ids, 'no job lost');
    assert.deepEqual(await admissionViolations(db), []);
    // The viewer still serves through the balancer, on the replicas left.
    const nowRunning = [...last].filter(([, s]) => s === 8).map(([id]) => id);
    for (const id of nowRunning) {
      const r = await call('GET', `/visualization/p1/${String(id)}/data/runs`, { cookie });
      assert.equal(r?.status, 200);
    }
    assert.deepEqual(failures, [], `${String(answered)} answered, ${String(retried)} retried, killed at ${killedAt}; haproxy:\n${fleet.balancer.log()}`);
    assert.ok(answered > 200, `${String(answered)} requests answered`);
  } finally {
    await db.end().catch(() => {});
    await fleet.close();
  }
});
