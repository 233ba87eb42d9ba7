// data/problems names files relative to the job's train_url (like run names), never by a server
// path nor by their key in the bucket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { viewerTestApp } from '../testing/viewer-app.js';

test('data/problems lists a damaged file relative to the train_url', async () => {
  const root = await mkdtemp(join(tmpdir(), 'vizjobs-problems-'));
  const t = await viewerTestApp({ obsRoot: root, tokens: 'tok=proj' });
  try {
    await mkdir(join(root, 'demo', 'logs', 'run1'), { recursive: true });
    // One record whose length CRC is wrong.
    const bad = Buffer.alloc(8 + 4 + 5 + 4);
    bad.writeBigUInt64LE(5n, 0);
    bad.writeUInt32LE(0xdeadbeef, 8);
    bad.write('hello', 12);
    await writeFile(join(root, 'demo', 'logs', 'run1', 'events.out.tfevents.1.host'), bad);
    t.jobs.set(1, { projectId: 'proj', status: 8, trainUrl: '/demo/logs/' });
    await t.runtime.start({ jobId: 1, projectId: 'proj', jobType: 'tensorboard', trainUrl: '/demo/logs/' });
    const r = await t.app.inject({ url: '/visualization/proj/1/data/problems', headers: { 'x-auth-token': 'tok' } });
    assert.equal(r.statusCode, 200, r.body);
    const problems = r.json() as Record<string, { file: string; kind: string; message: string }[]>;
    assert.equal(problems.run1?.length, 1, r.body);
    assert.equal(problems.run1[0].file, 'run1/events.out.tfevents.1.host');
    assert.ok(!r.body.includes(root), r.body);
  } finally {
    await t.close();
    await rm(root, { recursive: true, force: true });
  }
});
