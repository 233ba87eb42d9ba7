// TensorBoard's HTTP data API for one job, under /visualization/:project_id/:job_id/data/.
// Shapes are TensorBoard's (see shared/spec/tensorboard-facts.md) so TensorBoard's own frontend
// and ours read the same answers; the one difference is §4's: every sample is kept, series over
// the point budget are reduced to it keeping each bucket's first, last, min and max.
// Beyond TensorBoard: `data/status` (load progress: state, bytes read, points…) and
// `data/problems` ({run: [{file, offset, kind, message}]}: what the engine could not read).
// Every route declares the viewer's access rule (access.ts: the API's rule plus the cookie) with
// need 'running': token for the URL's project → canonical job id (400 0104) → the job in that
// project (404) → RUNNING (409 page or envelope); then, here, it is served in this process, which
// only the lifecycle may arrange: a job not served here (a restart, another replica started it)
// is asked of the reconciler, whose failure or backoff answers 503 "storage unavailable,
// retrying" at once → its data. Failures are thrown as ApiError and answered by the app's one
// error handler (api/http-errors.ts).
// The routes themselves (registerDataApi) take a DataSource: how a request finds its loaded data.
// For a job it is the chain above; `vizjobs view` (src/view/) mounts the same routes at /data/ over
// one fixed set of log directories, so both answer byte for byte alike.
import { CONFIG_TAG } from './custom-scalars.js';
import formbody from '@fastify/formbody';
import { basename } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccessHooks, Refusal } from '../api/access.js';
import { ApiError, sendError } from '../api/errors.js';
import { Status, statusName } from '../domain/status.js';
import type { JobCondition } from '../domain/conditions.js';
import type { SeriesKind } from '../events/index.js';
import type { ServingRequests } from '../jobs/reconciler.js';
import { JobRuntimeError } from '../runtime/runtime.js';
import { viewerAccessRule, type ViewerAccess } from './access.js';
import { jobState } from './job-state.js';
import { registerMindInsightRoutes } from './mindinsight.js';
import { registerPluginRoutes } from './plugin-routes.js';
import { projectorActive, registerProjectorRoutes } from './projector.js';
import { sendCached, sendJson } from './respond.js';
import type { JobParams, Query, Req, RouteFn } from './routing.js';
import type { LoadedJob, ViewerRuntime, ViewerStatus } from './runtime.js';

/** What the viewer needs of a stored job (src/app.ts reads it from the job store). */
export interface JobFacts {
  projectId: string;
  status: number;
  trainUrl: string;
  jobType?: 'tensorboard' | 'mindinsight';
  /** For the pages that say what became of a job that is not RUNNING (job-state.ts). */
  jobName?: string;
  failureReason?: string | null;
  conditions?: readonly JobCondition[];
}

export interface JobLookup {
  get(jobId: number): Promise<JobFacts | undefined>;
}

export interface ViewerDataOptions extends ViewerAccess {
  runtime: ViewerRuntime;
  jobs: JobLookup;
  /** The lifecycle, the only caller that starts a job's viewer (the reconciler). */
  serving: ServingRequests;
}

export const VIEWER_DATA_PREFIX = '/visualization/:project_id/:job_id/data';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** What the viewer's answers take as a client wanting JSON (anything but a browser asking for a page). */
export function wantsJson(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return accept.includes('application/json') || !accept.includes('text/html');
}

/** 409 for a job that is not RUNNING (`err`, the access rule's): a short page for browsers, the envelope for API clients. */
function sendNotRunning(request: FastifyRequest, reply: FastifyReply, err: ApiError, jobId: number, status: number): FastifyReply {
  const name = statusName(status);
  if (wantsJson(request)) return sendError(reply, err);
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>Job ${jobId} is not running</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40em;margin:4em auto">
<h1>This visualization job is not running</h1>
<p>Job ${jobId} has status ${status} (${escapeHtml(name)}). Its viewer serves only while the job is RUNNING (${Status.RUNNING}).
Restart it from the console or with <code>POST …/visualization-jobs/${jobId}/restart</code>.</p>
</body></html>`;
  return reply.code(err.http).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
}

/** How the viewer answers a refusal of its access rule: the envelope, but the 409 page for a browser. */
export function sendViewerRefusal(request: FastifyRequest, reply: FastifyReply, refusal: Refusal<JobFacts>): FastifyReply {
  const stopped = refusal.notRunning;
  if (stopped) return sendNotRunning(request, reply, refusal.error, stopped.jobId, stopped.job.status);
  return sendError(reply, refusal.error);
}

/** 503 for a job whose storage fails: "storage unavailable, retrying", or why it will not recover. */
function storageUnavailable(err: unknown): ApiError {
  return new ApiError('storageUnavailable', err instanceof JobRuntimeError && err.permanent ? err.message : undefined);
}

/** TensorBoard's dashboards: name, tab name, element, and the series kinds that enable it. */
const PLUGINS: [string, string, string, SeriesKind[]][] = [
  ['scalars', 'Scalars', 'tf-scalar-dashboard', ['scalars']],
  ['images', 'Images', 'tf-image-dashboard', ['images']],
  ['audio', 'Audio', 'tf-audio-dashboard', ['audio']],
  ['graphs', 'Graphs', 'tf-graph-dashboard', []],
  ['distributions', 'Distributions', 'tf-distribution-dashboard', ['histograms']],
  ['histograms', 'Histograms', 'tf-histogram-dashboard', ['histograms']],
  ['text', 'Text', 'tf-text-dashboard', ['text']],
  ['pr_curves', 'PR Curves', 'tf-pr-curve-dashboard', ['pr_curves']],
  ['hparams', 'HParams', 'tf-hparams-dashboard', ['hparams']],
  ['custom_scalars', 'Custom Scalars', 'tf-custom-scalar-dashboard', []],
];

export async function viewerDataRoutes(app: FastifyInstance, opts: ViewerDataOptions): Promise<void> {
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) await app.register(formbody);

  const access = viewerAccessRule(opts, opts.jobs);
  await access.install(app);
  const hooks = access.hooks({ need: 'running', refuse: sendViewerRefusal });

  /** The granted job; one RUNNING in the store but not served here (e.g. after a restart) is asked of the reconciler. */
  async function serving(request: Req): Promise<{ jobId: number; job: JobFacts }> {
    const { jobId, job } = access.grantedJob(request);
    if (!opts.runtime.isServing(jobId)) {
      try {
        await opts.serving.ensureServing(jobId);
      } catch (err) {
        throw storageUnavailable(err);
      }
    }
    return { jobId, job };
  }

  async function viewed(request: Req, soon = false): Promise<LoadedJob> {
    const { jobId } = await serving(request);
    let v: LoadedJob | undefined;
    try {
      v = soon ? await opts.runtime.viewSoon(jobId) : await opts.runtime.view(jobId);
    } catch (err) {
      throw storageUnavailable(err);
    }
    if (!v) throw new ApiError('notRunning', 'The job is not running.');
    return v;
  }

  // Beyond TensorBoard: the job's own state, whatever its status (the access rule up to the job,
  // not RUNNING), so a page whose job stopped can say why and see it come back.
  app.get<{ Params: JobParams }>(`${VIEWER_DATA_PREFIX}/job`, access.hooks({ need: 'job' }), async (request, reply) => {
    const { jobId, job } = access.grantedJob(request);
    return reply.header('cache-control', 'no-store').send(jobState(jobId, job));
  });

  await registerDataApi(app, {
    prefix: VIEWER_DATA_PREFIX,
    hooks,
    viewed: (request) => viewed(request),
    viewedSoon: (request) => viewed(request, true),
    status: async (request) => opts.runtime.status((await serving(request)).jobId),
    miss: async (request) => {
      await serving(request);
    },
    describe: (v) => ({ dataLocation: v.job.trainUrl, windowTitle: `vizjobs job ${v.job.jobId}` }),
  });
}

/**
 * Where the data routes find what they serve: the job service's access rule and reconciler for a
 * job (viewerDataRoutes), one fixed set of log directories for `vizjobs view` (src/view/). The
 * routes themselves are the same for both.
 */
export interface DataSource {
  /** Where `data/` sits: `/visualization/:project_id/:job_id/data` or `/data`. */
  prefix: string;
  /** Access hooks every data route declares (none for a loopback `vizjobs view`). */
  hooks: Partial<AccessHooks>;
  /** The loaded data for a request (waits for the first load); throws ApiError when it cannot. */
  viewed(request: Req): Promise<LoadedJob>;
  /** As viewed(), but may answer from a first load still running (ViewerRuntime.viewSoon). */
  viewedSoon?(request: Req): Promise<LoadedJob>;
  /** Load progress for data/status, without waiting for the data. */
  status(request: Req): Promise<ViewerStatus | undefined>;
  /** Runs a request for an unknown data path through the same checks before its 404. */
  miss(request: Req): Promise<void>;
  /** What data/environment names. */
  describe(v: LoadedJob): { dataLocation: string; windowTitle: string };
}

/** Registers TensorBoard's data API (and data/status, data/problems) under `src.prefix`. */
export async function registerDataApi(app: FastifyInstance, src: DataSource): Promise<void> {
  const { hooks, viewed } = src;
  const prefix = src.prefix;

  /** Registers a data route whose handler needs the job's loaded data. */
  const route: RouteFn = (method, path, handler, options) => {
    const load = options?.partial && src.viewedSoon ? src.viewedSoon : viewed;
    app.route<{ Params: JobParams; Querystring: Query }>({
      method,
      url: `${prefix}/${path}`,
      ...hooks,
      handler: async (request, reply) => handler(await load(request), request.query, request, reply),
    });
  };

  // --- core -------------------------------------------------------------------------------
  // Answered once the first load has listed the directory (every run), not when it has read it.
  route('GET', 'runs', (v, _q, req, reply) => sendCached(req, reply, v, 'runs', () => v.logdir.runNames()), { partial: true });

  // Nothing in it depends on the logs: answered during a first load too (the web UI asks it first).
  route('GET', 'environment', (v, _q, req, reply) =>
    sendJson(req, reply, {
      version: '2.21.0',
      data_location: src.describe(v).dataLocation,
      window_title: src.describe(v).windowTitle,
      experiment_name: '',
      experiment_description: '',
      creation_time: 0,
      debug: { data_provider: 'vizjobs', flags: {} },
      // Beyond TensorBoard: the job's type as given, which chooses the web UI's names.
      job_type: v.job.jobType,
    }),
    { partial: true },
  );

  route('GET', 'plugins_listing', (v, _q, req, reply) =>
    sendCached(req, reply, v, 'plugins_listing', () => {
      const runs = v.logdir.runs();
      const has = (kinds: SeriesKind[]): boolean => runs.some((r) => kinds.some((k) => r.kinds.has(k)));
      const out: Record<string, object> = {};
      for (const [name, tab, element, kinds] of PLUGINS) {
        const enabled = name === 'graphs' ? runs.some((r) => r.hasGraph || r.runMetadataTags.length > 0)
          : name === 'custom_scalars' ? runs.some((r) => r.tags.some((t) => t.tag === CONFIG_TAG && t.metadata.pluginName === 'custom_scalars'))
          : has(kinds);
        out[name] = {
          enabled,
          tab_name: tab,
          disable_reload: false,
          remove_dom: false,
          loading_mechanism: { type: 'CUSTOM_ELEMENT', element_name: element },
        };
      }
      // TensorBoard's projector entry (an IFRAME plugin there; our page draws it itself).
      out.projector = {
        enabled: projectorActive(v.logdir),
        tab_name: 'projector',
        disable_reload: true,
        remove_dom: false,
        loading_mechanism: { type: 'IFRAME', module_path: '/data/plugin/projector/index.js' },
      };
      return out;
    }),
  );

  // Files are named relative to the train_url, like runs.
  route('GET', 'problems', (v, _q, req, reply) => {
    const prefix = v.logdir.location.prefix;
    const rel = (file: string): string => (file.startsWith(prefix) ? file.slice(prefix.length) : file);
    return sendJson(req, reply, Object.fromEntries(v.logdir.runs().map((r) => [r.name, r.problems.map((p) => ({ ...p, file: rel(p.file) }))])));
  });

  // data/status must answer while the first load runs, so it does not wait for the data.
  app.get<{ Params: JobParams; Querystring: Query }>(`${prefix}/status`, hooks, async (request, reply) => {
    const s = await src.status(request);
    const st = s?.stats;
    return sendJson(request, reply, {
      state: s?.state ?? 'idle',
      error: s?.error ?? null,
      runs: st?.runs ?? 0,
      files: st?.files ?? 0,
      bytes_read: st?.bytesRead ?? 0,
      records: st?.records ?? 0,
      points: st?.samples ?? 0,
      memory_bytes: st?.memoryBytes ?? 0,
      problems: st?.problems ?? 0,
      reloads: st?.reloads ?? 0,
      last_reload_at: s?.lastReloadAt ?? null,
      last_reload_ms: s?.lastReloadMs ?? null,
      // While a load runs: whether every run is known yet, and event files read of those it reads.
      // data/runs and scalars/tags may answer before it ends (header X-Vizjobs-Partial: read/files).
      load: s?.progress ? { listed: s.progress.listed, files: s.progress.files, files_read: s.progress.filesRead } : null,
    });
  });

  registerPluginRoutes(route);
  // MindInsight's read-only routes beside data/ (…/v1/mindinsight/datavisual/…), over the same data.
  registerMindInsightRoutes(app, {
    dataPrefix: prefix,
    hooks,
    viewed,
    miss: src.miss,
    baseName: (v) => basename(src.describe(v).dataLocation.replace(/\/+$/, '')),
  });
  registerProjectorRoutes(route);

  // Anything else under data/: the access checks still apply first, then the envelope's 404.
  app.route<{ Params: JobParams; Querystring: Query }>({
    method: ['GET', 'POST'],
    url: `${prefix}/*`,
    ...hooks,
    handler: async (request, reply) => {
      await src.miss(request);
      return sendError(reply, 'noRoute');
    },
  });
}
