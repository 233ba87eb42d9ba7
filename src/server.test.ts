// buildServer's seams: a viewer plugin replaces the placeholder under /visualization/…, extra
// plugins are registered after the job routes, and both receive the server's context.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyPluginAsync } from 'fastify';
import { startTestServer, TOKEN, BASE, waitFor } from './testing/test-server.js';
import type { ServerContext } from './server.js';

test('deps.viewer owns the viewer prefix and deps.plugins get the context (auth, jobs)', async () => {
  const viewer: FastifyPluginAsync<ServerContext> = async (app, ctx) => {
    app.get<{ Params: { project_id: string; job_id: string } }>('/visualization/:project_id/:job_id/*', async (req, reply) => {
      const denied = ctx.auth.authorize(req.headers['x-auth-token'] as string | undefined, req.params.project_id);
      if (denied) return reply.code(denied.http).send(denied.body());
      return { job: await ctx.jobs.get(Number(req.params.job_id)) };
    });
  };
  const extra: FastifyPluginAsync<ServerContext> = async (app, ctx) => {
    app.get('/extra', async () => ({ quota: ctx.config.runningQuota }));
  };
  const ts = await startTestServer({}, { viewer, plugins: [extra] });
  try {
    const id = (await ts.call('POST', BASE, { body: { job_name: 'v', train_url: '/demo/pytorch-mlp/' } })).body.job_id as number;
    await waitFor(ts, id, (s) => s === 8);
    const r = await ts.call('GET', `/visualization/p1/${id}/data/runs`, { token: TOKEN });
    const { projectId, status, trainUrl, jobName, failureReason } = (r.body as { job: Record<string, unknown> }).job;
    assert.deepEqual({ projectId, status, trainUrl, jobName, failureReason }, { projectId: 'p1', status: 8, trainUrl: '/demo/pytorch-mlp/', jobName: 'v', failureReason: null });
    assert.equal((await ts.call('GET', `/visualization/p1/${id}/data/runs`, { token: null })).body.error_code, 'ModelArts.0201');
    // The placeholder is not registered alongside the real viewer.
    assert.equal('runs' in (await ts.call('GET', `/visualization/p1/${id}/`)).body, false);
    assert.deepEqual((await ts.call('GET', '/extra', { token: null })).body, { quota: 10 });
  } finally {
    await ts.close();
  }
});

test('every plugin sees the request cookies, parsed once by the server (@fastify/cookie)', async () => {
  const reader: FastifyPluginAsync<ServerContext> = async (app) => {
    app.get('/cookies', async (req) => ({ cookies: req.cookies }));
  };
  const ts = await startTestServer({}, { plugins: [reader] });
  try {
    const r = await ts.call('GET', '/cookies', { token: null, headers: { cookie: 'a=1; vizjobs_session=x.y' } });
    assert.deepEqual(r.body, { cookies: { a: '1', vizjobs_session: 'x.y' } });
  } finally {
    await ts.close();
  }
});
