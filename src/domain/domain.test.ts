// The domain module states API.md §2 exactly: status numbers and names, which statuses stop,
// restart and delete may leave, the reconciler's queue sets; the one job-id rule; conditions that
// stay bounded and keep their transition time while their status holds.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  canDelete, canRestart, canStop, CONDITION_TYPES, DELETABLE, ENDED_AS_ASKED, ENDED_BADLY, IN_PROGRESS, FAILABLE, JOB_ID_PATTERN, MAX_CONDITION_MESSAGE, parseConditions, parseJobId,
  QUEUED, RECONCILE_PENDING, RESTARTABLE, sameConditions, setCondition, Status, STATUS_NAMES, statusName, STOPPABLE,
  type JobCondition,
} from './index.js';

const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);

describe('domain statuses match API.md §2', () => {
  it('numbers and names are ModelArts\' (0 UNKNOWN … 14 LOST, 15 SCALING)', () => {
    const spec = 'UNKNOWN INIT IMAGE_CREATING IMAGE_FAILED SUBMIT_TRYING SUBMIT_FAILED DELETE_FAILED WAITING RUNNING KILLING COMPLETED FAILED KILLED CANCELED LOST SCALING'.split(' ');
    spec.forEach((name, n) => {
      assert.equal(STATUS_NAMES[n], name);
      assert.equal(statusName(n), name);
    });
    assert.equal(statusName(21), 'STATUS_21');
  });

  it('stop leaves 1, 7, 8; restart 3, 5, 6, 10, 11, 12, 13, 14; delete every status 0..21 but 9', () => {
    assert.deepEqual(sorted(STOPPABLE), [1, 7, 8]);
    assert.deepEqual(sorted(RESTARTABLE), [3, 5, 6, 10, 11, 12, 13, 14]);
    assert.deepEqual(sorted(DELETABLE), Array.from({ length: 22 }, (_, i) => i).filter((s) => s !== 9));
    for (let s = 0; s <= 21; s++) {
      assert.equal(canStop(s), [1, 7, 8].includes(s), `stop from ${s}`);
      assert.equal(canRestart(s), [3, 5, 6, 10, 11, 12, 13, 14].includes(s), `restart from ${s}`);
      assert.equal(canDelete(s), s !== 9, `delete from ${s}`);
    }
  });

  it('the queue is 1 and 7, a pass also picks up 9, and only 1, 7, 8 may fail', () => {
    assert.deepEqual(sorted(QUEUED), [Status.INIT, Status.WAITING]);
    assert.deepEqual(sorted(RECONCILE_PENDING), [Status.INIT, Status.WAITING, Status.KILLING]);
    assert.deepEqual(sorted(FAILABLE), [Status.INIT, Status.WAITING, Status.RUNNING]);
  });

  it('every status 0..15 is in exactly one family, and restart leaves exactly the ended ones', () => {
    for (let st = 0; st <= 15; st++) {
      const families = [[Status.RUNNING], IN_PROGRESS, ENDED_AS_ASKED, ENDED_BADLY].filter((f) => f.includes(st)).length;
      assert.equal(families, st === Status.UNKNOWN ? 0 : 1, `status ${st}`);
    }
    assert.deepEqual(sorted(RESTARTABLE), sorted([...ENDED_AS_ASKED, ...ENDED_BADLY]));
  });

  it('the sets cannot be changed by a caller', () => {
    assert.throws(() => (STOPPABLE as number[]).push(9));
    assert.equal(Object.isFrozen(STATUS_NAMES), true);
  });
});

describe('the job-id rule', () => {
  it('accepts canonical positive integers of up to 15 digits only', () => {
    assert.equal(parseJobId('1'), 1);
    assert.equal(parseJobId('999999999999999'), 999_999_999_999_999);
    for (const bad of ['0', '04', '+4', '4.0', '1e3', ' 4', '', '1000000000000000', '-1']) assert.equal(parseJobId(bad), undefined, bad);
    assert.equal(JOB_ID_PATTERN, '^[1-9][0-9]{0,14}$');
  });
});

describe('job conditions', () => {
  it('a condition keeps its lastTransitionTime while its status holds and gets a new one when it flips', () => {
    let c = setCondition([], { type: 'StorageReachable', status: 'False', reason: 'StorageUnavailable', message: 'down' }, 100);
    c = setCondition(c, { type: 'StorageReachable', status: 'False', reason: 'StorageUnavailable', message: 'still down' }, 200);
    assert.equal(c[0].lastTransitionTime, 100);
    assert.equal(c[0].message, 'still down');
    c = setCondition(c, { type: 'StorageReachable', status: 'True', reason: 'Reachable', message: 'ok' }, 300);
    assert.equal(c.length, 1);
    assert.equal(c[0].lastTransitionTime, 300);
  });

  it('is bounded: one entry per known type, in a fixed order, messages capped at 512 characters', () => {
    let c = setCondition([], { type: 'Serving', status: 'False', reason: 'RetryingStart', message: 'x'.repeat(10_000) }, 1);
    c = setCondition(c, { type: 'StorageReachable', status: 'False', reason: 'StorageUnavailable', message: 'y' }, 1);
    assert.deepEqual(c.map((x) => x.type), [...CONDITION_TYPES]);
    assert.equal(c[1].message.length, MAX_CONDITION_MESSAGE);
  });

  it('stored JSON that is garbage, of unknown types or duplicated reads as what is well-formed', () => {
    assert.deepEqual(parseConditions(null), []);
    assert.deepEqual(parseConditions('{'), []);
    assert.deepEqual(parseConditions('{"type":"Serving"}'), []);
    const good: JobCondition = { type: 'Serving', status: 'True', reason: 'Started', message: 'm', lastTransitionTime: 5 };
    const parsed = parseConditions(JSON.stringify([good, { ...good, status: 'False' }, { type: 'Bogus', status: 'True' }, 7, { type: 'StorageReachable', status: 'Maybe' }]));
    assert.deepEqual(parsed, [good]);
    assert.equal(sameConditions(parsed, [good]), true);
    assert.equal(sameConditions(parsed, []), false);
  });
});
