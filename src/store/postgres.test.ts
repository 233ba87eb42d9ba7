// The PostgreSQL store on a real server, each test in its own fresh schema: the shared JobStore
// behaviour suite, versioned migrations that replicas starting together apply once, and two store
// instances ("replicas") on one schema racing conflicting steps on one job — a trigger records
// every status change, and each must be one API.md §2 allows; ids are never reused; the running
// quota and its FIFO hold when both replicas admit jobs at once. Fails (never skips) when
// PostgreSQL is not running, saying how to start it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import pg from 'pg';
import { PostgresJobStore } from './postgres.js';
import { POSTGRES_MIGRATIONS } from './postgres-migrations.js';
import { TEST_POSTGRES_URL, createTestSchema, withSearchPath, type TestSchema } from '../testing/postgres.js';
import { created, newJob, storeContract } from '../testing/store-contract.js';
import { StoreUnavailableError, type CasResult, type JobStore } from './store.js';
import { DELETABLE, RESTARTABLE, STOPPABLE, Status } from '../domain/status.js';

storeContract('PostgreSQL', async () => {
  const schema = await createTestSchema();
  return { open: async () => new PostgresJobStore(schema.url, { maxConnections: 4 }), cleanup: () => schema.drop() };
});

async function inSchema(fn: (schema: TestSchema) => Promise<void>): Promise<void> {
  const schema = await createTestSchema();
  try {
    await fn(schema);
  } finally {
    await schema.drop();
  }
}

async function sql<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    return (await c.query<T>(text)).rows;
  } finally {
    await c.end();
  }
}

describe('PostgreSQL store', () => {
  test('migrations: two replicas starting at once on an empty schema apply each version exactly once', () =>
    inSchema(async ({ url }) => {
      const a = new PostgresJobStore(url);
      const b = new PostgresJobStore(url);
      try {
        await Promise.all([a.ready(), b.ready()]);
        const last = POSTGRES_MIGRATIONS[POSTGRES_MIGRATIONS.length - 1].version;
        assert.equal(await a.schemaVersion(), last);
        assert.equal(await b.schemaVersion(), last);
        await created(a, newJob());
        assert.equal(await b.countJobs('p'), 1);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
      const c = new PostgresJobStore(url);
      await c.ready();
      await c.close();
      const rows = await sql<{ version: number }>(url, 'SELECT version FROM schema_version ORDER BY version');
      assert.deepEqual(rows.map((r) => r.version), POSTGRES_MIGRATIONS.map((m) => m.version), 'reopening applies nothing twice');
    }));

  test('an unreachable server is a clear error on use, not a crash, and close() still works', async () => {
    const s = new PostgresJobStore('postgres://postgres@127.0.0.1:1/test', { maxConnections: 1 });
    await assert.rejects(s.ready(), (e: unknown) => e instanceof StoreUnavailableError && /VIZJOBS_DB: PostgreSQL at 127\.0\.0\.1:1\/test unavailable: .*ECONNREFUSED/.test(e.message));
    await assert.rejects(s.get(1), /VIZJOBS_DB: PostgreSQL/);
    await s.close();
  });

  test('a search_path naming no existing schema is refused with the reason', async () => {
    const s = new PostgresJobStore(withSearchPath(TEST_POSTGRES_URL, 'vizjobs_no_such_schema'));
    await assert.rejects(s.ready(), /no schema to create tables in/);
    await s.close();
  });

  test('two replicas admitting the same queue never exceed the running quota and admit first come first served', () =>
    inSchema(async ({ url }) => {
      const a = new PostgresJobStore(url, { runningQuota: 2 });
      const b = new PostgresJobStore(url, { runningQuota: 2 });
      try {
        for (let round = 0; round < 5; round++) {
          const ids: number[] = [];
          for (let i = 0; i < 6; i++) ids.push((await created(i % 2 ? a : b, newJob(`r${round}q${i}`))).jobId);
          // What each replica's reconciler does: walk the pending queue in order, try to admit each.
          const admit = async (s: JobStore) => {
            for (const j of await s.pending(0)) await s.markRunning(j.jobId, 1);
          };
          await Promise.all([admit(a), admit(b), admit(a), admit(b)]);
          const running = (await a.running()).map((j) => j.jobId);
          assert.deepEqual(running, ids.slice(0, 2), `round ${round}: the two oldest run, nobody else`);
          for (const id of [...ids].reverse()) {
            assert.ok((await a.beginKill(id, DELETABLE, 'deleted', Status.KILLED, 2)).ok);
            assert.equal(await b.finishDelete(id), true);
          }
        }
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    }));

  test('a burst of admissions from three replicas at once never exceeds the running quota', () =>
    inSchema(async ({ url }) => {
      const replicas = [0, 1, 2].map(() => new PostgresJobStore(url, { runningQuota: 2, maxConnections: 12 }));
      try {
        for (let round = 0; round < 10; round++) {
          const ids: number[] = [];
          for (let i = 0; i < 12; i++) ids.push((await created(replicas[i % 3], newJob(`b${round}-${i}`))).jobId);
          const admitted = await Promise.all(replicas.flatMap((r) => ids.map((id) => r.markRunning(id, 1))));
          assert.equal(admitted.filter(Boolean).length, 2, `round ${round}: admissions`);
          assert.equal(await replicas[0].countRunning('p'), 2);
          for (const id of ids) {
            assert.ok((await replicas[1].beginKill(id, DELETABLE, 'deleted', Status.KILLED, 2)).ok);
            assert.equal(await replicas[2].finishDelete(id), true);
          }
        }
      } finally {
        await Promise.all(replicas.map((r) => r.close()));
      }
    }));

  test('two replicas racing stop/restart/delete and reconciler steps on one job never make a forbidden transition; ids are never reused', () =>
    inSchema(async ({ url }) => {
      const a = new PostgresJobStore(url, { runningQuota: 100 });
      const b = new PostgresJobStore(url, { runningQuota: 100 });
      try {
        await Promise.all([a.ready(), b.ready()]);
        // Every UPDATE and DELETE of a job, as (old status, new status; -1 = row deleted).
        await sql(url, `
          CREATE TABLE transitions (seq BIGSERIAL PRIMARY KEY, job_id BIGINT, old_status INT, new_status INT);
          CREATE FUNCTION record_transition() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            IF TG_OP = 'DELETE' THEN
              INSERT INTO transitions (job_id, old_status, new_status) VALUES (OLD.job_id, OLD.status, -1);
              RETURN OLD;
            END IF;
            INSERT INTO transitions (job_id, old_status, new_status) VALUES (NEW.job_id, OLD.status, NEW.status);
            RETURN NEW;
          END $$;
          CREATE TRIGGER jobs_transitions AFTER UPDATE OR DELETE ON jobs FOR EACH ROW EXECUTE FUNCTION record_transition();`);

        type Op = 'stop' | 'restart' | 'delete' | 'markRunning' | 'markWaiting' | 'finishStop' | 'finishDelete' | 'failDelete' | 'markFailed';
        const API: Partial<Record<Op, readonly number[]>> = { stop: STOPPABLE, restart: RESTARTABLE, delete: DELETABLE };
        const run = (s: JobStore, id: number, op: Op): Promise<CasResult | boolean> => {
          switch (op) {
            case 'stop': return s.beginKill(id, STOPPABLE, 'stopped', Status.KILLED, 10);
            case 'delete': return s.beginKill(id, DELETABLE, 'deleted', Status.KILLED, 10);
            case 'restart': return s.beginRestart(id, RESTARTABLE);
            case 'markRunning': return s.markRunning(id, 10);
            case 'markWaiting': return s.markWaiting(id);
            case 'finishStop': return s.finishStop(id);
            case 'finishDelete': return s.finishDelete(id);
            case 'failDelete': return s.failDelete(id, 'teardown failed');
            case 'markFailed': return s.markFailed(id, 'storage refused', 10);
          }
        };
        const ids: number[] = [];
        await fc.assert(
          fc.asyncProperty(
            fc.constantFrom(Status.RUNNING, Status.KILLED),
            fc.array(fc.tuple(fc.boolean(), fc.constantFrom<Op>('stop', 'restart', 'delete', 'stop', 'restart', 'delete', 'markRunning', 'markWaiting', 'finishStop', 'finishDelete', 'failDelete', 'markFailed')), { minLength: 2, maxLength: 16 }),
            async (start, ops) => {
              const id = (await created(ids.length % 2 ? a : b, newJob('race'))).jobId;
              ids.push(id);
              assert.equal(await a.markRunning(id, 1), true);
              if (start === Status.KILLED) {
                assert.ok((await b.beginKill(id, STOPPABLE, 'stopped', Status.KILLED, 2)).ok);
                assert.equal(await a.finishStop(id), true);
              }
              const results = await Promise.all(ops.map(([onA, op]) => run(onA ? a : b, id, op)));
              results.forEach((r, i) => {
                const allowed = API[ops[i][1]];
                if (!allowed || typeof r === 'boolean' || r.ok) return;
                if (r.status !== undefined) assert.equal(allowed.includes(r.status), false, `${ops[i][1]} refused from ${r.status}, which allows it`);
              });
              const end = await a.get(id);
              if (end?.status === Status.KILLING) assert.notEqual(end.desired, 'running');
              // Leave nothing behind for the next run.
              if (end?.status === Status.KILLING && end.desired === 'stopped') assert.equal(await a.finishStop(id), true);
              if (end && !(end.status === Status.KILLING && end.desired === 'deleted')) {
                assert.ok((await a.beginKill(id, DELETABLE, 'deleted', Status.KILLED, 20)).ok);
              }
              if (end) assert.equal(await b.finishDelete(id), true);
              assert.equal(await b.get(id), undefined);
            },
          ),
          { numRuns: 40 },
        );
        const legal = (from: number, to: number): boolean => {
          if (to === Status.KILLING) return DELETABLE.includes(from) || STOPPABLE.includes(from);
          if (to === Status.INIT) return RESTARTABLE.includes(from);
          if (to === Status.WAITING) return from === Status.INIT;
          if (to === Status.RUNNING) return from === Status.INIT || from === Status.WAITING;
          if (to === Status.FAILED) return STOPPABLE.includes(from);
          if (from === Status.KILLING) return [Status.KILLED, Status.COMPLETED, Status.DELETE_FAILED, -1].includes(to);
          return false;
        };
        const log = await sql<{ job_id: string; old_status: number; new_status: number }>(url, 'SELECT job_id, old_status, new_status FROM transitions ORDER BY seq');
        assert.ok(log.length > 40 * 4, `recorded ${log.length} transitions`);
        const bad = log.filter((t) => !legal(t.old_status, t.new_status));
        assert.deepEqual(bad, [], 'forbidden transitions');
        assert.equal(new Set(ids).size, ids.length, 'ids unique');
        assert.deepEqual(ids, [...ids].sort((x, y) => x - y), 'each new id is above every earlier (deleted) one');
        // Concurrent creates from both replicas still draw distinct, fresh ids.
        const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => created(i % 2 ? a : b, newJob(`burst${i}`))));
        const burstIds = burst.map((j) => j.jobId);
        assert.equal(new Set(burstIds).size, 20);
        assert.ok(Math.min(...burstIds) > Math.max(...ids));
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    }));
});
