// TensorBoard's HTTP data API for one job, under /visualization/:project_id/:job_id/data/.
// Shapes are TensorBoard's (see shared/spec/tensorboard-facts.md) so TensorBoard's own frontend
// and ours read the same answers; the one difference is §4's: every sample is kept, series over
// the point budget are reduced to it keeping each bucket's first, last, min and max.
// Beyond TensorBoard: `data/status` (load progress: state, bytes read, points…) and
// `data/problems` ({run: [{file, offset, kind, message}]}: what the engine could not read).
// Every request is checked in this order: token (header or cookie) for the URL's project →
// the job exists in that project (404) → it is RUNNING (409 page) → its data.
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, sendError } from '../api/errors.js';
import type { Logdir, RunInfo, SeriesKind, TagInfo } from '../events/index.js';
import { authenticateViewer, type ViewerAccess } from './access.js';
import { decodeBlobKey, encodeBlobKey, imageContentType } from './blob-key.js';
import { compressHistogram } from './distributions.js';
import { graphDefToPbtxt } from './graph-pbtxt.js';
import { downsampleIndices, parseSamples } from './downsample.js';
import { experimentJson, sessionGroupsJson, type SessionGroupsRequest } from './hparams.js';
import { sendCached, sendJson } from './respond.js';
import type { ViewedJob, ViewerRuntime } from './runtime.js';
import { scalarCsv, scalarTriplesBuffer, tbNumber } from './tb-json.js';
import { markdownToSafeHtml, textTensorToHtml } from './text-html.js';

export const RUNNING = 8;

/** What the viewer needs of a stored job; the lead wires it to the job store. */
export interface ViewerJob {
  projectId: string;
  status: number;
  trainUrl: string;
  jobType?: 'tensorboard' | 'mindinsight';
}

export interface ViewerJobs {
  get(jobId: number): Promise<ViewerJob | undefined>;
}

export interface ViewerDataOptions extends ViewerAccess {
  runtime: ViewerRuntime;
  jobs: ViewerJobs;
}

type Query = Record<string, string | string[] | undefined>;
interface JobParams {
  project_id: string;
  job_id: string;
}
type Req = FastifyRequest<{ Params: JobParams; Querystring: Query }>;

export const VIEWER_DATA_PREFIX = '/visualization/:project_id/:job_id/data';

const STATUS_NAMES: Record<number, string> = {
  0: 'UNKNOWN', 1: 'INIT', 2: 'IMAGE_CREATING', 3: 'IMAGE_FAILED', 4: 'SUBMIT_TRYING', 5: 'SUBMIT_FAILED',
  6: 'DELETE_FAILED', 7: 'WAITING', 8: 'RUNNING', 9: 'KILLING', 10: 'COMPLETED', 11: 'FAILED', 12: 'KILLED',
  13: 'CANCELED', 14: 'LOST', 15: 'SCALING',
};

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function wantsJson(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return accept.includes('application/json') || !accept.includes('text/html');
}

/** 409 for a job that is not RUNNING: a short page for browsers, the envelope for API clients. */
export function sendNotRunning(request: FastifyRequest, reply: FastifyReply, jobId: number, status: number): FastifyReply {
  const name = STATUS_NAMES[status] ?? String(status);
  const err = new ApiError('notRunning', `The job is not running. job status: ${status}`);
  if (wantsJson(request)) return sendError(reply, err);
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>Job ${jobId} is not running</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40em;margin:4em auto">
<h1>This visualization job is not running</h1>
<p>Job ${jobId} has status ${status} (${escapeHtml(name)}). Its viewer serves only while the job is RUNNING (8).
Restart it from the console or with <code>POST …/visualization-jobs/${jobId}/restart</code>.</p>
</body></html>`;
  return reply.code(409).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
}

function one(q: Query, name: string): string | undefined {
  const v = q[name];
  return Array.isArray(v) ? v[0] : v;
}

function many(q: Query, name: string): string[] {
  const v = q[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** Evenly spaced indices including the first and last: the budget for non-scalar series. */
export function evenIndices(n: number, limit: number): number[] {
  if (n <= limit) return Array.from({ length: n }, (_, i) => i);
  if (limit <= 1) return limit === 1 ? [n - 1] : [];
  const out: number[] = [];
  for (let k = 0; k < limit; k++) out.push(Math.round((k * (n - 1)) / (limit - 1)));
  return out;
}

function tagsOfKind(logdir: Logdir, kind: SeriesKind): [RunInfo, TagInfo[]][] {
  const out: [RunInfo, TagInfo[]][] = [];
  for (const r of logdir.runs()) {
    const tags = r.tags.filter((t) => t.kind === kind);
    if (tags.length) out.push([r, tags]);
  }
  return out;
}

function describedTags(logdir: Logdir, kind: SeriesKind, withSamples = false): Record<string, Record<string, object>> {
  const result: Record<string, Record<string, object>> = {};
  for (const [r, tags] of tagsOfKind(logdir, kind)) {
    const byTag: Record<string, object> = {};
    for (const t of tags) {
      const entry: Record<string, unknown> = {
        displayName: t.metadata.displayName,
        description: t.metadata.description ? markdownToSafeHtml(t.metadata.description) : '',
      };
      if (withSamples) entry.samples = t.maxSamplesPerStep;
      byTag[t.tag] = entry;
    }
    result[r.name] = byTag;
  }
  return result;
}

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
];

class HttpError extends Error {
  constructor(readonly err: ApiError) {
    super(err.message);
  }
}

function need(q: Query, name: string): string {
  const v = one(q, name);
  if (v === undefined || v === '') throw new HttpError(new ApiError('badParameter', `Invalid parameter ${name}: required`));
  return v;
}

function notFound(what: string): HttpError {
  return new HttpError(new ApiError('notFound', `The resource you requested is not exist: ${what}`));
}

function budget(q: Query): number {
  const limit = parseSamples(one(q, 'samples'));
  if (limit === undefined) {
    throw new HttpError(new ApiError('badParameter', 'Invalid parameter samples: must be "all" or an integer ≥ 1'));
  }
  return limit;
}

function scalarJson(logdir: Logdir, run: string, tag: string, limit: number): Buffer {
  const s = logdir.scalars(run, tag);
  if (!s) throw notFound(`no scalar data for run=${run} tag=${tag}`);
  const idx = downsampleIndices(s.values, s.length, limit);
  return scalarTriplesBuffer(s, idx, s.length);
}

/** Sample index of a blob key's step (latest sample with that step: a purge may have rewritten it). */
function sampleAtStep(steps: Float64Array, length: number, step: number): number {
  for (let i = length - 1; i >= 0; i--) if (steps[i] === step) return i;
  return -1;
}

function prEntry(wallTime: number, step: number, data: Float64Array, n: number): Record<string, unknown> {
  const row = (r: number): number[] => Array.from(data.subarray(r * n, r * n + n));
  const tp = row(0).map(Math.trunc);
  const fp = row(1).map(Math.trunc);
  let end = n - 1;
  while (end > 0 && tp[end] + fp[end] === 0) end--;
  end += 1;
  const thresholds = Array.from({ length: n }, (_, i) => (n > 1 ? i / (n - 1) : 0));
  return {
    wall_time: wallTime,
    step,
    precision: row(4).slice(0, end).map(tbNumber),
    recall: row(5).slice(0, end).map(tbNumber),
    true_positives: tp.slice(0, end),
    false_positives: fp.slice(0, end),
    true_negatives: row(2).map(Math.trunc).slice(0, end),
    false_negatives: row(3).map(Math.trunc).slice(0, end),
    thresholds: thresholds.slice(0, end),
  };
}

/**
 * Image and audio bytes from the logs. The sandbox CSP matters for SVG: opened directly, an SVG
 * from a log file would otherwise run its scripts with the viewer's origin (and its cookie).
 */
function sendBlob(reply: FastifyReply, contentType: string, bytes: Buffer): FastifyReply {
  return reply
    .header('content-type', contentType)
    .header('cache-control', 'private, max-age=300')
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'; img-src data:; media-src data:; style-src 'unsafe-inline'; sandbox")
    .send(bytes);
}

function parseJsonParam(raw: string | undefined): unknown {
  if (raw === undefined || raw === '') return {};
  try {
    return JSON.parse(raw);
  } catch {
    throw new HttpError(new ApiError('invalidArgument', 'Invalid Argument. request must be JSON'));
  }
}

/** The fields of a ListSessionGroupsRequest we honour, each kept only when it has the right type. */
function sessionGroupsRequest(raw: unknown): SessionGroupsRequest {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {};
  const r = raw as Record<string, unknown>;
  const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const cols = Array.isArray(r.colParams) ? r.colParams : [];
  return {
    startIndex: num(r.startIndex),
    sliceSize: num(r.sliceSize),
    colParams: cols
      .filter((c): c is Record<string, unknown> => typeof c === 'object' && c !== null)
      .map((c) => {
        const m = typeof c.metric === 'object' && c.metric !== null ? (c.metric as Record<string, unknown>) : undefined;
        return {
          hparam: str(c.hparam),
          metric: m ? { group: str(m.group), tag: str(m.tag) } : undefined,
          order: str(c.order),
          filterRegexp: str(c.filterRegexp)?.slice(0, 256),
        };
      }),
  };
}

export async function viewerDataRoutes(app: FastifyInstance, opts: ViewerDataOptions): Promise<void> {
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) await app.register(formbody);

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof HttpError) return sendError(reply, error.err);
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      return sendError(reply, new ApiError(status === 413 ? 'bodyTooLarge' : 'invalidArgument'));
    }
    request.log.error({ err: error }, 'viewer data route failed');
    return sendError(reply, 'internal');
  });

  /** Access checks of every data route; sends the refusal itself and returns undefined then. */
  async function jobOf(request: Req, reply: FastifyReply): Promise<{ jobId: number; job: ViewerJob } | undefined> {
    const { project_id: projectId, job_id: rawId } = request.params;
    const authErr = authenticateViewer(request, projectId, opts);
    if (authErr) {
      sendError(reply, authErr);
      return undefined;
    }
    const jobId = /^[1-9][0-9]{0,15}$/.test(rawId) ? Number(rawId) : NaN;
    const job = Number.isSafeInteger(jobId) ? await opts.jobs.get(jobId) : undefined;
    if (!job || job.projectId !== projectId) {
      sendError(reply, 'notFound');
      return undefined;
    }
    if (job.status !== RUNNING) {
      sendNotRunning(request, reply, jobId, job.status);
      return undefined;
    }
    if (!opts.runtime.isServing(jobId)) {
      // RUNNING in the store but not started in this process (e.g. just after a restart).
      try {
        await opts.runtime.start({ jobId, projectId, trainUrl: job.trainUrl, jobType: job.jobType ?? 'tensorboard' });
      } catch (err) {
        reply.code(503).header('content-type', 'application/json; charset=utf-8').send({
          is_success: false,
          error_code: 'ModelArts.0010',
          error_message: `Internal error. Storage unavailable: ${err instanceof Error ? err.message : String(err)}`,
        });
        return undefined;
      }
    }
    return { jobId, job };
  }

  async function viewed(request: Req, reply: FastifyReply): Promise<ViewedJob | undefined> {
    const j = await jobOf(request, reply);
    if (!j) return undefined;
    const v = await opts.runtime.view(j.jobId);
    if (!v) {
      sendError(reply, new ApiError('notRunning', 'The job is not running.'));
      return undefined;
    }
    return v;
  }

  /** Registers a data route whose handler needs the job's loaded data. */
  function route(method: 'GET' | 'POST' | ('GET' | 'POST')[], path: string, handler: (v: ViewedJob, q: Query, request: Req, reply: FastifyReply) => Promise<FastifyReply> | FastifyReply): void {
    app.route<{ Params: JobParams; Querystring: Query }>({
      method,
      url: `${VIEWER_DATA_PREFIX}/${path}`,
      handler: async (request, reply) => {
        const v = await viewed(request, reply);
        if (!v) return reply;
        return handler(v, request.query, request, reply);
      },
    });
  }

  // --- core -------------------------------------------------------------------------------
  route('GET', 'runs', (v, _q, req, reply) => sendCached(req, reply, v, 'runs', () => v.logdir.runs().map((r) => r.name)));

  route('GET', 'environment', (v, _q, req, reply) =>
    sendJson(req, reply, {
      version: '2.21.0',
      data_location: v.job.trainUrl,
      window_title: `vizjobs job ${v.job.jobId}`,
      experiment_name: '',
      experiment_description: '',
      creation_time: 0,
      debug: { data_provider: 'vizjobs', flags: {} },
    }),
  );

  route('GET', 'plugins_listing', (v, _q, req, reply) =>
    sendCached(req, reply, v, 'plugins_listing', () => {
      const runs = v.logdir.runs();
      const has = (kinds: SeriesKind[]): boolean => runs.some((r) => r.tags.some((t) => kinds.includes(t.kind)));
      const out: Record<string, object> = {};
      for (const [name, tab, element, kinds] of PLUGINS) {
        const enabled = name === 'graphs' ? runs.some((r) => r.hasGraph || r.runMetadataTags.length > 0) : has(kinds);
        out[name] = {
          enabled,
          tab_name: tab,
          disable_reload: false,
          remove_dom: false,
          loading_mechanism: { type: 'CUSTOM_ELEMENT', element_name: element },
        };
      }
      return out;
    }),
  );

  route('GET', 'problems', (v, _q, req, reply) =>
    sendJson(req, reply, Object.fromEntries(v.logdir.runs().map((r) => [r.name, r.problems]))),
  );

  // data/status must answer while the first load runs, so it does not wait for the data.
  app.get<{ Params: JobParams; Querystring: Query }>(`${VIEWER_DATA_PREFIX}/status`, async (request, reply) => {
    const j = await jobOf(request, reply);
    if (!j) return reply;
    const s = opts.runtime.status(j.jobId);
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
    });
  });

  // --- scalars ----------------------------------------------------------------------------
  route('GET', 'plugin/scalars/tags', (v, _q, req, reply) =>
    sendCached(req, reply, v, 'scalars/tags', () => describedTags(v.logdir, 'scalars')),
  );

  route('GET', 'plugin/scalars/scalars', (v, q, req, reply) => {
    const run = need(q, 'run');
    const tag = need(q, 'tag');
    const limit = budget(q);
    const csv = one(q, 'format') === 'csv';
    const key = `scalars\0${run}\0${tag}\0${limit}\0${csv ? 'csv' : 'json'}`;
    return sendCached(
      req,
      reply,
      v,
      key,
      () => {
        if (!csv) return scalarJson(v.logdir, run, tag, limit);
        const s = v.logdir.scalars(run, tag);
        if (!s) throw notFound(`no scalar data for run=${run} tag=${tag}`);
        return scalarCsv(s, downsampleIndices(s.values, s.length, limit), s.length);
      },
      csv ? 'text/csv; charset=utf-8' : undefined,
    );
  });

  route('POST', 'plugin/scalars/scalars_multirun', (v, q, req, reply) => {
    const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Query;
    const tag = one(body, 'tag') ?? one(q, 'tag');
    if (!tag) throw new HttpError(new ApiError('badParameter', 'Invalid parameter tag: required'));
    const runs = [...many(body, 'runs'), ...many(q, 'runs')];
    const limit = budget({ samples: one(body, 'samples') ?? one(q, 'samples') });
    return sendCached(req, reply, v, `multirun\0${tag}\0${limit}\0${JSON.stringify(runs)}`, () => {
      const parts: Buffer[] = [];
      for (const run of runs) {
        if (!v.logdir.scalars(run, tag)) continue;
        parts.push(Buffer.from(`${parts.length ? ',' : ''}${JSON.stringify(run)}:`), scalarJson(v.logdir, run, tag, limit));
      }
      return Buffer.concat([Buffer.from('{'), ...parts, Buffer.from('}')]);
    });
  });

  // --- histograms and distributions ---------------------------------------------------------
  for (const plugin of ['histograms', 'distributions'] as const) {
    route('GET', `plugin/${plugin}/tags`, (v, _q, req, reply) =>
      sendCached(req, reply, v, `${plugin}/tags`, () => describedTags(v.logdir, 'histograms')),
    );
    route('GET', `plugin/${plugin}/${plugin}`, (v, q, req, reply) => {
      const run = need(q, 'run');
      const tag = need(q, 'tag');
      const limit = budget(q);
      return sendCached(req, reply, v, `${plugin}\0${run}\0${tag}\0${limit}`, () => {
        const h = v.logdir.histograms(run, tag);
        if (!h) throw notFound(`no histogram data for run=${run} tag=${tag}`);
        return evenIndices(h.length, limit).map((i) => {
          const b = h.buckets[i];
          if (plugin === 'distributions') return [h.wallTimes[i], h.steps[i], compressHistogram(b)];
          const triples: number[][] = [];
          for (let k = 0; k + 2 < b.length; k += 3) triples.push([b[k], b[k + 1], b[k + 2]]);
          return [h.wallTimes[i], h.steps[i], triples];
        });
      });
    });
  }

  // --- images and audio ---------------------------------------------------------------------
  route('GET', 'plugin/images/tags', (v, _q, req, reply) =>
    sendCached(req, reply, v, 'images/tags', () => describedTags(v.logdir, 'images', true)),
  );
  route('GET', 'plugin/images/images', (v, q, req, reply) => {
    const run = need(q, 'run');
    const tag = need(q, 'tag');
    const sample = Number(one(q, 'sample') ?? '0');
    if (!Number.isInteger(sample) || sample < 0) throw new HttpError(new ApiError('badParameter', 'Invalid parameter sample: must be an integer ≥ 0'));
    const limit = budget(q);
    return sendCached(req, reply, v, `images\0${run}\0${tag}\0${sample}\0${limit}`, () => {
      const s = v.logdir.images(run, tag);
      if (!s) throw notFound(`no image data for run=${run} tag=${tag}`);
      const with_ = evenIndices(s.length, Infinity).filter((i) => s.blobs[i].length > sample);
      return evenIndices(with_.length, limit).map((k) => {
        const i = with_[k];
        return {
          wall_time: s.wallTimes[i],
          step: s.steps[i],
          query: `blob_key=${encodeBlobKey({ plugin: 'images', run, tag, step: s.steps[i], index: sample + 2 })}`,
        };
      });
    });
  });
  route('GET', 'plugin/images/individualImage', async (v, q, _req, reply) => {
    const key = decodeBlobKey(need(q, 'blob_key'));
    if (!key || key.plugin !== 'images') throw new HttpError(new ApiError('badParameter', 'Invalid parameter blob_key'));
    const s = v.logdir.images(key.run, key.tag);
    const i = s ? sampleAtStep(s.steps, s.length, key.step) : -1;
    const ref = s && i >= 0 ? s.blobs[i][key.index - 2] : undefined;
    if (!ref) throw notFound('no such image');
    const bytes = await v.logdir.readBlob(ref);
    return sendBlob(reply, imageContentType(bytes), bytes);
  });

  route('GET', 'plugin/audio/tags', (v, _q, req, reply) =>
    sendCached(req, reply, v, 'audio/tags', () => describedTags(v.logdir, 'audio', true)),
  );
  route('GET', 'plugin/audio/audio', (v, q, req, reply) => {
    const run = need(q, 'run');
    const tag = need(q, 'tag');
    const sample = Number(one(q, 'sample') ?? '0');
    if (!Number.isInteger(sample) || sample < 0) throw new HttpError(new ApiError('badParameter', 'Invalid parameter sample: must be an integer ≥ 0'));
    const limit = budget(q);
    return sendCached(req, reply, v, `audio\0${run}\0${tag}\0${sample}\0${limit}`, () => {
      const s = v.logdir.audio(run, tag);
      if (!s) throw notFound(`no audio data for run=${run} tag=${tag}`);
      const with_ = evenIndices(s.length, Infinity).filter((i) => s.blobs[i].length > sample);
      return evenIndices(with_.length, limit).map((k) => {
        const i = with_[k];
        const ref = s.blobs[i][sample];
        return {
          wall_time: s.wallTimes[i],
          step: s.steps[i],
          label: ref.label ? markdownToSafeHtml(ref.label) : '',
          contentType: ref.contentType || 'audio/wav',
          query: `blob_key=${encodeBlobKey({ plugin: 'audio', run, tag, step: s.steps[i], index: sample })}`,
        };
      });
    });
  });
  route('GET', 'plugin/audio/individualAudio', async (v, q, _req, reply) => {
    const key = decodeBlobKey(need(q, 'blob_key'));
    if (!key || key.plugin !== 'audio') throw new HttpError(new ApiError('badParameter', 'Invalid parameter blob_key'));
    const s = v.logdir.audio(key.run, key.tag);
    const i = s ? sampleAtStep(s.steps, s.length, key.step) : -1;
    const ref = s && i >= 0 ? s.blobs[i][key.index] : undefined;
    if (!ref) throw notFound('no such audio clip');
    const bytes = await v.logdir.readBlob(ref);
    // Only audio types are echoed back, so the parameter cannot turn a clip into a page.
    const asked = one(q, 'content_type');
    const type = asked && /^audio\/[a-z0-9.+-]+$/i.test(asked) ? asked : ref.contentType || 'audio/wav';
    return sendBlob(reply, type, bytes);
  });

  // --- text ---------------------------------------------------------------------------------
  route('GET', 'plugin/text/tags', (v, _q, req, reply) =>
    sendCached(req, reply, v, 'text/tags', () =>
      Object.fromEntries(tagsOfKind(v.logdir, 'text').map(([r, tags]) => [r.name, tags.map((t) => t.tag)])),
    ),
  );
  route('GET', 'plugin/text/text', (v, q, req, reply) => {
    const run = need(q, 'run');
    const tag = need(q, 'tag');
    const limit = budget(q);
    return sendCached(req, reply, v, `text\0${run}\0${tag}\0${limit}`, () => {
      const s = v.logdir.text(run, tag);
      if (!s) throw notFound(`no text data for run=${run} tag=${tag}`);
      return evenIndices(s.length, limit).map((i) => ({
        wall_time: s.wallTimes[i],
        step: s.steps[i],
        text: textTensorToHtml(s.values[i].strings, s.values[i].shape),
      }));
    });
  });

  // --- PR curves ----------------------------------------------------------------------------
  route('GET', 'plugin/pr_curves/tags', (v, _q, req, reply) =>
    sendCached(req, reply, v, 'pr_curves/tags', () => describedTags(v.logdir, 'pr_curves')),
  );
  route('GET', 'plugin/pr_curves/pr_curves', (v, q, req, reply) => {
    const tag = need(q, 'tag');
    const runs = many(q, 'run');
    if (runs.length === 0) throw new HttpError(new ApiError('badParameter', 'Invalid parameter run: required'));
    const limit = budget(q);
    return sendCached(req, reply, v, `pr\0${tag}\0${limit}\0${JSON.stringify(runs)}`, () => {
      const out: Record<string, unknown[]> = {};
      for (const run of runs) {
        const s = v.logdir.prCurves(run, tag);
        if (!s) continue;
        out[run] = evenIndices(s.length, limit).map((i) => prEntry(s.wallTimes[i], s.steps[i], s.data[i], s.thresholds[i]));
      }
      return out;
    });
  });

  // --- hparams ------------------------------------------------------------------------------
  route(['GET', 'POST'], 'plugin/hparams/experiment', (v, _q, req, reply) =>
    sendCached(req, reply, v, 'hparams/experiment', () => experimentJson(v.logdir)),
  );
  route(['GET', 'POST'], 'plugin/hparams/session_groups', (v, q, req, reply) => {
    const raw: unknown = req.method === 'POST' ? req.body : parseJsonParam(one(q, 'request'));
    const request = sessionGroupsRequest(raw);
    return sendJson(req, reply, sessionGroupsJson(v.logdir, request));
  });

  // --- graphs -------------------------------------------------------------------------------
  route('GET', 'plugin/graphs/info', (v, _q, req, reply) =>
    sendCached(req, reply, v, 'graphs/info', () => {
      const out: Record<string, object> = {};
      for (const r of v.logdir.runs()) {
        if (!r.hasGraph && r.runMetadataTags.length === 0) continue;
        out[r.name] = {
          run: r.name,
          run_graph: r.hasGraph,
          tags: Object.fromEntries(
            r.runMetadataTags.map((t) => [t, { tag: t, conceptual_graph: false, op_graph: false, profile: true }]),
          ),
        };
      }
      return out;
    }),
  );

  route('GET', 'plugin/graphs/graph', async (v, q, req, reply) => {
    const run = need(q, 'run');
    const ref = v.logdir.graph(run);
    if (!ref) throw notFound(`no graph for run=${run}`);
    const bytes = await v.logdir.readBlob(ref);
    return sendCached(req, reply, v, `graph\0${run}`, () => graphDefToPbtxt(bytes), 'text/x-protobuf; charset=utf-8');
  });

  // Anything else under data/: the access checks still apply first, then the envelope's 404.
  app.route<{ Params: JobParams; Querystring: Query }>({
    method: ['GET', 'POST'],
    url: `${VIEWER_DATA_PREFIX}/*`,
    handler: async (request, reply) => {
      const j = await jobOf(request, reply);
      if (!j) return reply;
      return sendError(reply, 'noRoute');
    },
  });
}
