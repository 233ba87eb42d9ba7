// Test support: what service_url serves in the lifecycle and API tests instead of the real viewer
// (src/viewer): a JSON list of the runs under train_url while the job is RUNNING, 409 with a short
// page otherwise. It registers only /visualization/:project_id/:job_id/, as buildServer's
// deps.viewer, the one place a viewer is plugged in. Who may see it is the API's access rule
// (api/access.ts); only the 409's page is this plugin's own.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type {} from '@fastify/swagger';
import type { AccessRule } from '../api/access.js';
import { sendError } from '../api/errors.js';
import type { ServerContext } from '../server.js';
import type { JobRecord } from '../store/store.js';
import { STATUS_NAMES } from '../domain/status.js';
import type { InProcessRuntime } from './in-process-runtime.js';

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

/** buildServer's `viewer` for tests: the placeholder over `runtime`, behind the API's access rule. */
export function placeholderViewerOf(runtime: InProcessRuntime): FastifyPluginAsync<ServerContext> {
  return async (app, ctx) => {
    await app.register(placeholderViewer, { access: ctx.access, runtime });
  };
}
