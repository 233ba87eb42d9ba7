// The viewer page's access: the viewer's access rule (viewer/access.ts, the API's rule plus the
// console's cookie) with need 'running', answered in the page's own way. A request that cannot
// prove access gets the rule's status for it (401, or 403 for another project's token; 429 with
// Retry-After for an address that failed too often) with the page as the body: the page shows a
// sign-in form and reveals nothing, since every byte of data comes from the data API, which
// refuses it. A signed-in request whose job id breaks the job-id rule, or whose job is missing or
// in another project, gets the API's envelope (400, 404) — but a browser asking for a page gets the
// viewer page with that 404, or with the 409 of a job that is not RUNNING, carrying the job's state
// (viewer/job-state.ts) for the page's script to show, wait on, and leave when the job runs again.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { jobState, scriptJson, sendViewerRefusal, stateHtml, viewerAccessRule, wantsJson, type ViewerAccess, type JobLookup } from '../viewer/index.js';
import type { ViewerPageGate } from './plugin.js';

export function viewerPageGate(jobs: JobLookup, access: ViewerAccess): ViewerPageGate {
  const rule = viewerAccessRule(access, jobs);
  return {
    install: (app) => rule.install(app),
    hooks: (sendPage) =>
      rule.hooks({
        need: 'running',
        refuse: (request: FastifyRequest, reply: FastifyReply, refusal) => {
          if (refusal.stage !== 'token') {
            const stopped = refusal.notRunning;
            if (wantsJson(request) || (!stopped && refusal.error.http !== 404)) return sendViewerRefusal(request, reply, refusal);
            const state = jobState(stopped ? stopped.jobId : (request.params as { job_id?: string }).job_id ?? '', stopped?.job);
            return sendPage(request, reply, refusal.error.http, { html: stateHtml(state), json: scriptJson(state) });
          }
          const status = refusal.error.http;
          // Still the page at 429: its sign-in form works, since a valid token is never refused.
          for (const [name, value] of Object.entries(refusal.error.headers)) reply.header(name, value);
          return sendPage(request, reply, status === 403 || status === 429 ? status : 401);
        },
      }),
  };
}
