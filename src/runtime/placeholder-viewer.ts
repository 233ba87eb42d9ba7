// What service_url serves until the real viewer (src/viewer) replaces it: a JSON list of the runs
// under train_url while the job is RUNNING, 409 with a short page otherwise. The whole prefix
// /visualization/:project_id/:job_id/ is registered here only, so buildServer swaps this plugin
// for the viewer's in one place (deps.viewer).
import type { FastifyPluginAsync } from 'fastify';
import type {} from '@fastify/swagger';
import { sendError } from '../api/errors.js';
import { badJobId, parseJobId } from '../api/job-id.js';
import type { Authorizer } from '../api/auth.js';
import type { AuthFailureLimiter } from '../api/auth-limit.js';
import { tokenFromHeader } from '../api/auth.js';
import type { JobStore } from '../store/store.js';
import { Status, STATUS_NAMES } from '../domain/status.js';
import type { InProcessRuntime } from './in-process.js';

export interface PlaceholderViewerOptions {
  auth: Authorizer;
  limiter: AuthFailureLimiter;
  store: JobStore;
  runtime: InProcessRuntime;
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export const placeholderViewer: FastifyPluginAsync<PlaceholderViewerOptions> = async (app, opts) => {
  app.get<{ Params: { project_id: string; job_id: string } }>('/visualization/:project_id/:job_id/', { schema: { hide: true } }, async (req, reply) => {
    const { project_id: projectId, job_id: jobIdRaw } = req.params;
    const denied = opts.limiter.judge(req.ip, opts.auth.authorize(tokenFromHeader(req.headers['x-auth-token']), projectId));
    if (denied) return sendError(reply, denied);
    const jobId = parseJobId(jobIdRaw);
    if (jobId === undefined) return sendError(reply, badJobId());
    const job = await opts.store.get(jobId);
    if (!job || job.projectId !== projectId) return sendError(reply, 'notFound');
    const runs = job.status === Status.RUNNING ? await opts.runtime.runs(job.jobId) : undefined;
    if (!runs) {
      const what = `${job.status} ${STATUS_NAMES[job.status] ?? ''}`.trim();
      return reply
        .code(409)
        .type('text/html; charset=utf-8')
        .send(`<!doctype html><title>Job not running</title><p>Visualization job ${job.jobId} (${escapeHtml(job.jobName)}) is not running (status ${escapeHtml(what)}).</p>`);
    }
    return { job_id: job.jobId, train_url: job.trainUrl, runs };
  });
};
