// The viewer page's access: the viewer's access rule (viewer/access.ts, the API's rule plus the
// console's cookie) with need 'running', answered in the page's own way. A request that cannot
// prove access gets the rule's status for it (401, or 403 for another project's token; 429 with
// Retry-After for an address that failed too often) with the page as the body: the page shows a
// sign-in form and reveals nothing, since every byte of data comes from the data API, which
// refuses it. A signed-in request whose job id breaks the job-id rule, or whose job is missing or
// in another project, gets the API's envelope (400, 404); one whose job is not RUNNING the 409 page.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendViewerRefusal, viewerAccessRule, type ViewerAccess, type JobLookup } from '../viewer/index.js';
import type { ViewerPageGate } from './plugin.js';

export function viewerPageGate(jobs: JobLookup, access: ViewerAccess): ViewerPageGate {
  const rule = viewerAccessRule(access, jobs);
  return {
    install: (app) => rule.install(app),
    hooks: (sendPage) =>
      rule.hooks({
        need: 'running',
        refuse: (request: FastifyRequest, reply: FastifyReply, refusal) => {
          if (refusal.stage !== 'token') return sendViewerRefusal(request, reply, refusal);
          const status = refusal.error.http;
          // Still the page at 429: its sign-in form works, since a valid token is never refused.
          for (const [name, value] of Object.entries(refusal.error.headers)) reply.header(name, value);
          return sendPage(request, reply, status === 403 || status === 429 ? status : 401);
        },
      }),
  };
}
