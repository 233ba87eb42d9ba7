// The viewer page's access rule, built from the viewer's own checks. A request that cannot prove
// access gets the API's status for it (401, or 403 for another project's token) with the page as
// the body: the page shows a sign-in form and reveals nothing, since every byte of data comes from
// the data API, which refuses it. An address that failed too often gets 429 with Retry-After
// (and the same page) instead. A signed-in request whose job id breaks the API's job-id rule gets
// the API's 400; one for a job that is missing or in another project gets the API's 404, and one
// for a job that is not RUNNING gets the 409 page.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from '../api/errors.js';
import { badJobId, parseJobId } from '../api/job-id.js';
import { Status } from '../domain/status.js';
import { authenticateViewer, sendNotRunning, type ViewerAccess, type ViewerJobs } from '../viewer/index.js';
import type { ViewerPageGate } from './plugin.js';

export function viewerPageGate(jobs: ViewerJobs, access: ViewerAccess): ViewerPageGate {
  return async (request: FastifyRequest, reply: FastifyReply, { projectId, jobId }) => {
    const refused = await authenticateViewer(request, projectId, access);
    if (refused?.http === 429) {
      // Still the page: its sign-in form works, since a valid token is never refused.
      for (const [name, value] of Object.entries(refused.headers)) reply.header(name, value);
      return 429;
    }
    if (refused) return refused.http === 403 ? 403 : 401;
    const id = parseJobId(jobId);
    if (id === undefined) {
      sendError(reply, badJobId());
      return false;
    }
    const job = await jobs.get(id);
    if (!job || job.projectId !== projectId) {
      sendError(reply, 'notFound');
      return false;
    }
    if (job.status !== Status.RUNNING) {
      sendNotRunning(request, reply, id, job.status);
      return false;
    }
    return 200;
  };
}
