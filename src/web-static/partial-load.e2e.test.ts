// A first load that outlasts the first answers, end to end: the built service (`vizjobs serve`)
// reads a job from a real S3-protocol server (s3rver) through a front that holds one run's object
// until the test lets it go; the page in Debian's Chromium draws the runs read so far (and asks
// for the run not read yet, which the server would read next), and once
// the load ends it asks again by itself and draws the last run — with its regular poll pushed out
// to a minute, so nothing else could have asked.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Browser } from 'playwright-core';
import { s3ClientConfig } from '../storage/s3.js';
import { ensureBrowserTestsCanRun, launchChromium } from '../testing/browser.js';
import { startHttpFront, type HttpFront } from '../testing/http-front.js';
import { startS3rver, S3RVER_ACCESS_KEY_ID, S3RVER_SECRET_ACCESS_KEY, type S3rverHandle } from '../testing/s3rver.js';
import { callWithToken, startServeProcess, type ServeProcess } from '../testing/serve-process.js';
import { SummaryWriter } from '../writer/index.js';
import { until } from '../testing/until.js';

const TOKEN = 'partial-token';
const PROJECT = 'partial-proj';
const BUCKET = 'partial-logs';

interface ChartStats {
  runs: Record<string, { points: number }>;
}
interface Debug {
  ready: boolean;
  runs: string[];
  scalars(): Record<string, ChartStats>;
}

let tmp = '';
let s3: S3rverHandle | undefined;
let front: HttpFront | undefined;
let server: ServeProcess | undefined;
let browser: Browser | undefined;
let release: () => void = () => undefined;
let viewerUrl = '';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

before(async () => {
  ensureBrowserTestsCanRun();
  tmp = mkdtempSync(join(tmpdir(), 'vizjobs-partial-e2e-'));
  const logs = join(tmp, 'logs');
  for (const run of ['run-a', 'run-b', 'run-c']) {
    const w = new SummaryWriter(join(logs, run), { now: () => 1.78e9 });
    for (let step = 0; step < 10; step++) w.addScalar('loss', 1 / (step + 1), step, 1.78e9 + step);
    w.close();
  }
  s3 = await startS3rver({ buckets: [BUCKET] });
  const client = new S3Client(s3ClientConfig({ endpoint: s3.endpoint, accessKeyId: S3RVER_ACCESS_KEY_ID, secretAccessKey: S3RVER_SECRET_ACCESS_KEY }));
  for (const f of filesUnder(logs)) {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `job/${relative(logs, f)}`, Body: readFileSync(f) }));
  }
  client.destroy();
  // The front passes everything on, but holds reads of run-c's object until released.
  const held = new Promise<void>((r) => (release = r));
  front = await startHttpFront(s3.endpoint, (req, _res, pass) => {
    if (req.method === 'GET' && (req.url ?? '').includes('/run-c/')) void held.then(pass);
    else pass();
  });
  const frontUrl = front.endpoint;
  server = await startServeProcess(['--data-dir', join(tmp, 'data'), '--obs-root', join(tmp, 'obs')], {
    VIZJOBS_TOKENS: `${TOKEN}=${PROJECT}`,
    VIZJOBS_HOST: '127.0.0.1',
    VIZJOBS_PUBLIC_URL: '',
    VIZJOBS_S3_ENDPOINT: frontUrl,
    AWS_ACCESS_KEY_ID: S3RVER_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: S3RVER_SECRET_ACCESS_KEY,
  });
  const created = await callWithToken(server.base, 'POST', `/v1/${PROJECT}/visualization-jobs`, TOKEN, { job_name: 'partial', train_url: `s3://${BUCKET}/job/` });
  assert.equal(created.status, 200, JSON.stringify(created.json));
  const id = String(created.json?.job_id);
  await until('the job RUNNING', async () => (await callWithToken(server!.base, 'GET', `/v1/${PROJECT}/visualization-jobs/${id}`, TOKEN)).json?.status === 8);
  viewerUrl = `${server.base}/visualization/${PROJECT}/${id}/`;
  browser = await launchChromium();
});

after(async () => {
  release();
  await browser?.close();
  await server?.stop();
  await front?.close();
  await s3?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('runs read so far are drawn while the first load runs, and the rest as soon as it ends', async () => {
  const context = await browser!.newContext({ extraHTTPHeaders: { 'X-Auth-Token': TOKEN } });
  const page = await context.newPage();
  try {
    await page.addInitScript(() => {
      (globalThis as unknown as { __vizjobsPollMs: number }).__vizjobsPollMs = 60_000;
    });
    // The series requests the page makes: while the load runs, a run the tags answer does not
    // list yet (run-c, not read) is asked for too, which makes the server read it next.
    const asked: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('scalars/scalars_multirun')) asked.push(r.postData() ?? '');
    });
    await page.goto(viewerUrl);
    const drawn = async (): Promise<string[]> =>
      page.evaluate(() => {
        const d = (globalThis as unknown as { __vizjobs?: Debug }).__vizjobs;
        const loss = d?.ready ? d.scalars().loss : undefined;
        return loss ? Object.keys(loss.runs).filter((r) => loss.runs[r].points > 0).sort() : [];
      });
    // The first answers: every run listed, the tags of the two runs read; run-c is still held.
    const first = await until('the runs read so far drawn', async () => {
      const runs = await drawn();
      return runs.length >= 2 ? runs : undefined;
    }).catch(async (e: unknown) => {
      const state = await page.evaluate(() => {
        const d = (globalThis as unknown as { __vizjobs?: Debug & { error?: string } }).__vizjobs;
        return JSON.stringify({ ready: d?.ready, runs: d?.runs, error: d?.error, scalars: d?.ready ? d.scalars() : null });
      });
      const status = await callWithToken(server!.base, 'GET', new URL('data/status', viewerUrl).pathname, TOKEN);
      throw new Error(`${String(e)}; page ${state}; status ${JSON.stringify(status.json)}`);
    });
    assert.deepEqual(first, ['run-a', 'run-b']);
    const listed = await page.evaluate(() => (globalThis as unknown as { __vizjobs: Debug }).__vizjobs.runs.slice().sort());
    assert.deepEqual(listed, ['run-a', 'run-b', 'run-c']);
    assert.ok(asked.some((body) => new URLSearchParams(body).getAll('runs').includes('run-c')), `series asked before the load ended: ${JSON.stringify(asked)}`);
    // Let the load end: the page asks again by itself (its next regular poll is a minute away).
    release();
    const all = await until('run-c drawn after the load ended', async () => {
      const runs = await drawn();
      return runs.includes('run-c') ? runs : undefined;
    }, 15_000);
    assert.deepEqual(all, ['run-a', 'run-b', 'run-c']);
  } finally {
    await context.close();
  }
});
