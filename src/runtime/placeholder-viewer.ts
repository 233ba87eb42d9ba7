// What service_url serves until the real viewer (src/viewer) replaces it: a JSON list of the runs
// under train_url while the job is RUNNING, 409 with a short page otherwise. The whole prefix
// /visualization/:project_id/:job_id/ is registered here only, so buildServer swaps this plugin
// for the viewer's in one place (deps.viewer). Who may see it is the API's access rule
// (api/access.ts); only the 409's page is this plugin's own.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type {} from '@fastify/swagger';
import type { AccessRule } from '../api/access.js';
import { sendError } from '../api/errors.js';
import type { JobRecord } from '../store/store.js';
import { STATUS_NAMES } from '../jobs/status.js';
import type { InProcessRuntime } from './in-process.js';

export interface PlaceholderViewerOptions {
  access: AccessRule<JobRecord>;
  runtime: InProcessRuntime;
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function notRunningPage(reply: FastifyReply, job: JobRecord): FastifyReply {
  const what = `${job.status} ${STATUS_NAMES[job.status] ?? ''}`.trim();
  return reply
    .code(409)
    .type('text/html; charset=utf-8')
    .send(`<!doctype html><title>Job not running</title><p>Visualization job ${job.jobId} (${escapeHtml(job.jobName)}) is not running (status ${escapeHtml(what)}).</p>`);
}

export const placeholderViewer: FastifyPluginAsync<PlaceholderViewerOptions> = async (app, { access, runtime }) => {
  await access.install(app);
  const hooks = access.hooks({
    need: 'running',
    refuse: (_request, reply, refusal) => (refusal.notRunning ? notRunningPage(reply, refusal.notRunning.job) : sendError(reply, refusal.error)),
  });
  app.get('/visualization/:project_id/:job_id/', { ...hooks, schema: { hide: true } }, async (req, reply) => {
    const { job } = access.grantedJob(req);
    // RUNNING in the store, but not (yet, or no longer) serving here: not running either.
    const runs = await runtime.runs(job.jobId);
    if (!runs) return notRunningPage(reply, job);
    return { job_id: job.jobId, train_url: job.trainUrl, runs };
  });
};
