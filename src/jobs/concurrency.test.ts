// Concurrent conflicting stop/restart/delete on one job never produce a transition API.md §2
// forbids: the winners always form a legal chain from the starting status, every loser's 0105
// names a status it may not leave that way, and the job ends where the last winner sent it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startTestServer, waitFor, BASE, type TestServer } from '../testing/test-server.js';
import { DELETABLE, RESTARTABLE, STOPPABLE } from '../domain/status.js';

type Op = 'stop' | 'restart' | 'delete';
const ALLOWED: Record<Op, readonly number[]> = { stop: STOPPABLE, restart: RESTARTABLE, delete: DELETABLE };
const AFTER: Record<Op, number> = { stop: 9, restart: 1, delete: 9 };
// What the reconciler may do on its own between two calls (KILLING is held by the test).
const SPONTANEOUS: Record<number, number[]> = { 1: [7, 8], 7: [8] };

/** The ops that can come last in some legal chain of all the winners from `start` (empty: no legal order). */
function legalLasts(start: number, winners: Op[]): Set<Op | undefined> {
  const reach = (s: number): number[] => [s, ...(SPONTANEOUS[s] ?? []).flatMap(reach)];
  const lasts = new Set<Op | undefined>();
  const search = (s: number, left: Op[], last: Op | undefined): void => {
    if (left.length === 0) {
      lasts.add(last);
      return;
    }
    left.forEach((op, i) => {
      if (reach(s).some((r) => ALLOWED[op].includes(r))) search(AFTER[op], left.filter((_, j) => j !== i), op);
    });
  };
  search(start, winners, undefined);
  return lasts;
}

/** Whether the winners, in some order, form a legal chain from `start`. */
function legalChain(start: number, winners: Op[]): boolean {
  return legalLasts(start, winners).size > 0;
}

async function jobAt(ts: TestServer, start: 8 | 12): Promise<number> {
  const id = (await ts.call('POST', BASE, { body: { job_name: 'race', train_url: '/demo/pytorch-mlp/' } })).body.job_id as number;
  await waitFor(ts, id, (s) => s === 8);
  if (start === 12) {
    await ts.call('POST', `${BASE}/${id}/stop`);
    await waitFor(ts, id, (s) => s === 12);
  }
  return id;
}

const call = (ts: TestServer, id: number, op: Op) =>
  op === 'delete' ? ts.call('DELETE', `${BASE}/${id}`) : ts.call('POST', `${BASE}/${id}/${op}`);

test('concurrent stop/restart/delete storms on one job only ever make legal transitions', async () => {
  const ts = await startTestServer();
  try {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<8 | 12>(8, 12), fc.array(fc.constantFrom<Op>('stop', 'restart', 'delete'), { minLength: 2, maxLength: 12 }), async (start, ops) => {
        const id = await jobAt(ts, start);
        ts.runtime.holdStop();
        ts.runtime.holdTeardown();
        let results;
        try {
          results = await Promise.all(ops.map((op) => call(ts, id, op)));
        } finally {
          ts.runtime.releaseStop();
          ts.runtime.releaseTeardown();
        }
        const winners: Op[] = [];
        results.forEach((r, i) => {
          const op = ops[i];
          if (r.body.is_success === true) winners.push(op);
          else {
            assert.equal(r.body.error_code, 'ModelArts.0105', r.text);
            const verb = op === 'restart' ? 'resubmit' : op;
            const m = new RegExp(`^This job can't be ${verb}\\. job status: (\\d+)$`).exec(r.body.error_message as string);
            assert.ok(m, r.text);
            assert.equal(ALLOWED[op].includes(Number(m[1])), false, `${op} refused from ${m[1]}, which allows it`);
          }
        });
        assert.ok(legalChain(start, winners), `winners ${winners.join(',')} from ${start}`);
        const end = await waitFor(ts, id, (s) => s !== 9 && s !== 1 && s !== 7);
        if (winners.includes('delete')) assert.equal(end, undefined);
        else {
          // Concurrent calls have no defined order (on PostgreSQL they really interleave): the job
          // ends where the last winner of some legal order sends it.
          const ends: number[] = [...legalLasts(start, winners)].map((op) => (op === 'stop' ? 12 : op === 'restart' ? 8 : start));
          assert.ok(ends.includes(end as number), `ended ${String(end)}; winners ${winners.join(',')} from ${start}`);
        }
        if (end !== undefined) {
          await ts.call('DELETE', `${BASE}/${id}`);
          await waitFor(ts, id, (s) => s === undefined);
        }
      }),
      { numRuns: 40 },
    );
  } finally {
    await ts.close();
  }
});

test('the legality check itself refuses forbidden chains', () => {
  assert.equal(legalChain(8, ['stop', 'delete']), false);
  assert.equal(legalChain(8, ['restart']), false);
  assert.equal(legalChain(12, ['restart', 'stop']), true);
  assert.equal(legalChain(12, ['stop']), false);
  assert.deepEqual([...legalLasts(12, ['stop', 'restart'])], ['stop'], 'restart must come first from 12');
});
