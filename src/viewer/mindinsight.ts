// MindInsight's read-only data routes (mindinsight/backend/datavisual: task_manager_api.py,
// train_visual_api.py) over a job's loaded Logdir, under `{service_url}v1/mindinsight/datavisual/`:
// train-jobs, plugins, scalar/metadata, scalars, image/metadata, image/single-image, histograms,
// tensors — with MindInsight's JSON shapes, so a MindInsight client reads a vizjobs job.
// Train jobs are the Logdir's runs (`./` for the directory itself, `./<run>` for the others);
// series are named as MindInsight names them, `{tag}/{plugin}` (a MindSpore series' display name;
// a TensorBoard series of the same kinds is named the same way, so either format is served).
// Differences from MindInsight, by design: every sample is kept (MindInsight samples 1,000 scalars,
// 10 images, 50 histograms, 20 tensors per tag), so a long series is reduced to the viewer's point
// budget (`samples`, as the TensorBoard routes); histograms are re-binned from the buckets stored
// (their first left and last right are the step's range, where MindInsight reads the proto's min/max).
// Errors raised here answer in MindInsight's shape `{"error_code": "5054…", "error_msg": …}` (its
// codes: RUNTIME 1, TYPE 1, LEVEL 0, SYSID 42, module, value); the access rule before them (token,
// project, RUNNING) still answers with the API's envelope, as every viewer route does.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AccessHooks } from '../api/access.js';
import { decodeMsTensor, dataTypeName, isMindSporeSummaryFile, tensorStatistics, type Logdir, type TagInfo } from '../events/index.js';
import { imageContentType } from './blob-key.js';
import { DEFAULT_SAMPLE_LIMIT, downsampleIndices, parseSamples } from './downsample.js';
import { sendJson, sendLogBlob } from './respond.js';
import { evenIndices, many, one, type JobParams, type Query, type Req } from './routing.js';
import type { LoadedJob } from './runtime.js';

/** MindInsight's error: its code (hex of the composed number) and HTTP status. */
export class MindInsightError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly http = 400,
  ) {
    super(message);
  }
}

/** MindInsight's composed error code: module 0 GENERAL, 5 DATAVISUAL. */
const code = (module: number, value: number): string => ((((1 << 30) | (1 << 28) | (42 << 17) | (module << 12) | value) >>> 0).toString(16).toUpperCase().padStart(8, '0'));

const miErrors = {
  paramValue: (detail: string) => new MindInsightError(code(0, 2), `Invalid parameter value. ${detail}`),
  paramMissing: (name: string) => new MindInsightError(code(0, 3), `Param missing. '${name}' is required.`),
  noRoute: () => new MindInsightError(code(5, 1), 'Restful api not exist.', 404),
  trainJob: (detail?: string) => new MindInsightError(code(5, 5), detail ? `Train job is not exist. Detail: ${detail}` : 'Train job is not exist.'),
  image: (detail: string) => new MindInsightError(code(5, 13), `Image is not exist. Detail: ${detail}`),
  scalar: (detail: string) => new MindInsightError(code(5, 14), `Scalar value is not exist. Detail: ${detail}`),
  histogram: (detail: string) => new MindInsightError(code(5, 15), `Histogram value is not exist. Detail: ${detail}`),
  tensor: (detail: string) => new MindInsightError(code(5, 18), `Tensor value is not exist. Detail: ${detail}`),
  tooLarge: (detail: string) => new MindInsightError(code(5, 19), `The size of response data exceeds the max value. Detail: ${detail}`),
  stepNotInCache: (detail: string) => new MindInsightError(code(5, 20), `Tensor data not in cache. Detail: ${detail}`),
};

/** MindInsight's plugins, in its PluginNameEnum order. */
const MI_PLUGINS = ['image', 'scalar', 'graph', 'optimized_graph', 'histogram', 'tensor', 'loss_landscape'] as const;

/** A TensorBoard series kind MindInsight has a plugin for. */
const TB_KIND_PLUGIN: Partial<Record<string, string>> = { scalars: 'scalar', images: 'image', histograms: 'histogram' };

/** MindInsight's plugin and name of a series, or undefined when MindInsight has no plugin for it. */
export function mindInsightName(t: TagInfo): { plugin: string; name: string } | undefined {
  if (t.metadata.mindinsightPlugin !== undefined) return { plugin: t.metadata.mindinsightPlugin, name: t.metadata.displayName };
  const plugin = TB_KIND_PLUGIN[t.kind];
  return plugin ? { plugin, name: `${t.tag}/${plugin}` } : undefined;
}

/** `./` for the log directory itself, `./<run>` for a sub-directory (MindInsight's relative paths). */
export const trainId = (run: string): string => (run === '.' ? './' : `./${run}`);

function runOf(logdir: Logdir, id: string): string {
  const name = id === './' || id === '.' ? '.' : id.startsWith('./') ? id.slice(2) : id;
  if (!logdir.run(name)) throw miErrors.trainJob(`train_id ${id}`);
  return name;
}

/** A run's series by MindInsight name (first of each name wins). */
function seriesByName(logdir: Logdir, run: string): Map<string, TagInfo & { plugin: string }> {
  const out = new Map<string, TagInfo & { plugin: string }>();
  for (const t of logdir.run(run)?.tags ?? []) {
    const n = mindInsightName(t);
    if (n && !out.has(n.name)) out.set(n.name, { ...t, plugin: n.plugin });
  }
  return out;
}

function plugins(logdir: Logdir, run: string): Record<string, string[]> {
  const out: Record<string, string[]> = Object.fromEntries(MI_PLUGINS.map((p) => [p, []]));
  for (const [name, t] of seriesByName(logdir, run)) (out[t.plugin] ??= []).push(name);
  for (const k of Object.keys(out)) out[k].sort();
  return out;
}

function needParam(q: Query, name: string): string {
  const v = one(q, name);
  if (v === undefined || v === '') throw miErrors.paramMissing(name);
  return v;
}

function sampleLimit(q: Query): number {
  const limit = parseSamples(one(q, 'samples'));
  if (limit === undefined) throw miErrors.paramValue('samples must be "all" or an integer ≥ 1.');
  return limit;
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** A tag of `plugin` in a run, by MindInsight name (or, failing that, by its bare tag). */
function findSeries(logdir: Logdir, run: string, tag: string, plugin: string, missing: (d: string) => MindInsightError): TagInfo {
  const byName = seriesByName(logdir, run);
  const t = byName.get(tag) ?? [...byName.values()].find((x) => x.tag === tag && x.plugin === plugin);
  if (!t || t.plugin !== plugin) throw missing(`Can not find any data in this train job by given tag: ${tag}`);
  return t;
}

function scalarValues(logdir: Logdir, run: string, t: TagInfo, limit: number): Array<{ wall_time: number; step: number; value: number | null }> {
  const s = logdir.scalars(run, t.tag);
  if (!s) return [];
  const idx = downsampleIndices(s.values, s.length, limit);
  const n = idx ? idx.length : s.length;
  const out = new Array<{ wall_time: number; step: number; value: number | null }>(n);
  for (let k = 0; k < n; k++) {
    const i = idx ? idx[k] : k;
    out[k] = { wall_time: s.wallTimes[i], step: s.steps[i], value: finiteOrNull(s.values[i]) };
  }
  return out;
}

/** MindInsight's calc_histogram_bins: ~10 values a bin, 2 for ≤ 5, 3 for ≤ 10, at most 30. */
export function histogramBins(count: number): number {
  if (!count) return 1;
  if (count <= 5) return 2;
  if (count <= 10) return 3;
  if (count <= 280) return Math.ceil(count / 10) + 1;
  return 30;
}

/**
 * MindInsight's Histogram re-sampling: every step's buckets spread over `bins` equal buckets of one
 * visual range [min, max], each new bucket's count the sum of the overlapping parts of the old
 * (in proportion to the overlap), rounded up. `flat` is [left, right, count]*, sorted by left.
 */
export function resample(flat: Float64Array, vmin: number, vmax: number, bins: number): Array<[number, number, number]> {
  if (vmax === vmin) {
    vmax += 0.5;
    vmin -= 0.5;
  }
  const width = (vmax - vmin) / bins;
  const out: Array<[number, number, number]> = [];
  for (let i = 0; i < bins; i++) {
    const lo = vmin + width * i;
    const hi = lo + width;
    let c = 0;
    for (let k = 0; k + 2 < flat.length; k += 3) {
      const l = flat[k];
      const r = flat[k + 1];
      const n = flat[k + 2];
      if (!(n > 0)) continue;
      if (r === l) {
        if (l >= lo && (l < hi || (i === bins - 1 && l <= hi))) c += n;
        continue;
      }
      const overlap = Math.min(hi, r) - Math.max(lo, l);
      if (overlap > 0) c += (overlap / (r - l)) * n;
    }
    out.push([lo, width, Math.max(0, Math.ceil(c - 1e-9))]); // 1e-9: overlaps summed in floating point
  }
  return out;
}

/** [min, max, total count] of a step's non-empty buckets (undefined when it holds no values). */
function bucketRange(flat: Float64Array): [number, number, number] | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  let count = 0;
  for (let k = 0; k + 2 < flat.length; k += 3) {
    if (!(flat[k + 2] > 0)) continue;
    lo = Math.min(lo, flat[k]);
    hi = Math.max(hi, flat[k + 1]);
    count += flat[k + 2];
  }
  return count > 0 ? [lo, hi, count] : undefined;
}

/** Parses MindInsight's dims query (`[0, :]`, `[1:3, :]`): an int, `:` or `a:b` per dimension, at most 2 slices. */
export function parseDims(raw: string): Array<number | [number | undefined, number | undefined]> {
  const s = raw.trim();
  if (!s.startsWith('[') || !s.endsWith(']')) throw miErrors.paramValue(`Invalid shape. The type of shape should be str and start with \`[\` and end with \`]\`. Received: ${raw}.`);
  const inner = s.slice(1, -1).trim();
  if (inner === '') return [];
  const parts = inner.split(',').map((d) => d.trim());
  if (parts.length > 64) throw miErrors.paramValue(`Invalid shape. Received: ${raw}`);
  if (parts.filter((d) => d.includes(':')).length > 2) throw miErrors.paramValue(`Invalid shape. At most 2 dimensions are specified. Received: ${inner}`);
  return parts.map((d) => {
    if (d.includes(':')) {
      const [a, b, ...rest] = d.split(':');
      const num = (x: string): number | undefined => {
        if (x.trim() === '') return undefined;
        if (!/^-?\d+$/.test(x.trim())) throw miErrors.paramValue(`Invalid shape. Received: ${raw}`);
        return Number(x);
      };
      if (rest.length) throw miErrors.paramValue(`Invalid shape. Received: ${raw}`);
      return [num(a), num(b)];
    }
    if (!/^-?\d+$/.test(d)) throw miErrors.paramValue(`Invalid shape. Received: ${raw}`);
    return Number(d);
  });
}

/** The most values one `detail=data` answer holds (MindInsight's MAX_TENSOR_RESPONSE_DATA_SIZE). */
const MAX_TENSOR_RESPONSE_VALUES = 100_000;

/** Values of `values` (row-major, `dims`) selected by `sel`, nested as numpy would return them. */
export function sliceTensor(values: Float64Array, dims: number[], sel: ReturnType<typeof parseDims>): unknown {
  const strides = dims.map((_, i) => dims.slice(i + 1).reduce((a, b) => a * b, 1));
  const norm = (i: number, d: number): number => (i < 0 ? i + d : i);
  let produced = 0;
  const cell = (x: number): number | string => (Number.isNaN(x) ? 'NAN' : x === Infinity ? 'INF' : x === -Infinity ? '-INF' : x);
  const walk = (axis: number, base: number): unknown => {
    if (axis === dims.length) {
      if (++produced > MAX_TENSOR_RESPONSE_VALUES) throw miErrors.tooLarge(`over ${MAX_TENSOR_RESPONSE_VALUES} values`);
      return cell(values[base]);
    }
    const d = dims[axis];
    const s = sel[axis] ?? [undefined, undefined];
    if (typeof s === 'number') {
      const i = norm(s, d);
      if (i < 0 || i >= d) throw miErrors.paramValue(`Invalid shape. Index ${s} is out of bounds for axis ${axis} with size ${d}.`);
      return walk(axis + 1, base + i * strides[axis]);
    }
    const from = Math.max(0, Math.min(d, s[0] === undefined ? 0 : norm(s[0], d)));
    const to = Math.max(from, Math.min(d, s[1] === undefined ? d : norm(s[1], d)));
    const out: unknown[] = [];
    for (let i = from; i < to; i++) out.push(walk(axis + 1, base + i * strides[axis]));
    return out;
  };
  if (sel.length > dims.length) throw miErrors.paramValue(`Invalid shape. ${sel.length} dims given for a tensor of ${dims.length}.`);
  return walk(0, 0);
}

function statistics(values: Float64Array): Record<string, number> {
  const s = tensorStatistics(values);
  return {
    max: s.max,
    min: s.min,
    avg: s.avg,
    count: s.count,
    nan_count: s.nan_count,
    neg_inf_count: s.neg_inf_count,
    pos_inf_count: s.pos_inf_count,
    overall_max: s.max,
    overall_min: s.min,
    overall_avg: s.avg,
    overall_count: s.count,
    overall_nan_count: s.nan_count,
    overall_neg_inf_count: s.neg_inf_count,
    overall_pos_inf_count: s.pos_inf_count,
    overall_zero_count: s.zero_count,
    overall_neg_zero_count: s.neg_zero_count,
    overall_pos_zero_count: s.pos_zero_count,
  };
}

/** A tensor's values as a histogram MindInsight-style: calc_histogram_bins equal buckets over the finite range. */
function tensorHistogram(values: Float64Array): Array<[number, number, number]> {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return [];
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of finite) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const flat = new Float64Array(finite.length * 3);
  finite.forEach((v, i) => flat.set([v, v, 1], i * 3));
  return resample(flat, lo, hi, histogramBins(finite.length));
}

export interface MindInsightSource {
  /** Where `data/` sits (`/visualization/:project_id/:job_id/data` or `/data`): the routes go beside it. */
  dataPrefix: string;
  hooks: Partial<AccessHooks>;
  viewed(request: Req): Promise<LoadedJob>;
  miss(request: Req): Promise<void>;
  /** MindInsight's `name` of train-jobs: the log directory's base name. */
  baseName(v: LoadedJob): string;
}

/** The path of MindInsight's datavisual routes for a data prefix. */
export function mindInsightPrefix(dataPrefix: string): string {
  return `${dataPrefix.replace(/\/data$/, '')}/v1/mindinsight/datavisual`;
}

function sendMiError(reply: FastifyReply, err: MindInsightError): FastifyReply {
  return reply.code(err.http).header('content-type', 'application/json; charset=utf-8').send({ error_code: err.code, error_msg: err.message });
}

export function registerMindInsightRoutes(app: FastifyInstance, src: MindInsightSource): void {
  const prefix = mindInsightPrefix(src.dataPrefix);
  const route = (path: string, handler: (v: LoadedJob, q: Query, request: Req, reply: FastifyReply) => Promise<FastifyReply> | FastifyReply): void => {
    app.route<{ Params: JobParams; Querystring: Query }>({
      method: 'GET',
      url: `${prefix}/${path}`,
      ...src.hooks,
      handler: async (request, reply) => {
        const v = await src.viewed(request); // its ApiError answers with the API's envelope
        try {
          return await handler(v, request.query, request, reply);
        } catch (err) {
          if (err instanceof MindInsightError) return sendMiError(reply, err);
          // A stored tensor that no longer decodes (its file was replaced): MindInsight's own answer.
          if (err instanceof Error && err.name === 'ProtoError') return sendMiError(reply, miErrors.tensor(err.message));
          throw err;
        }
      },
    });
  };

  route('train-jobs', (v, q, req, reply) => {
    const offset = Number(one(q, 'offset') ?? '0');
    const limit = Number(one(q, 'limit') ?? '10');
    if (!Number.isInteger(offset) || offset < 0) throw miErrors.paramValue('offset must be an integer ≥ 0.');
    if (!Number.isInteger(limit) || limit < 1 || limit > 999) throw miErrors.paramValue('limit must be an integer in [1, 999].');
    const logdir = v.logdir;
    const wanted = one(q, 'train_id');
    // Newest first, as MindInsight lists them (by the wall time of the run's first event here).
    const runs = logdir.runs().reverse();
    const chosen = wanted !== undefined ? runs.filter((r) => trainId(r.name) === wanted || r.name === wanted) : runs.slice(offset * limit, (offset + 1) * limit);
    const time = (w: number): string => (Number.isFinite(w) ? new Date(w * 1000).toISOString().slice(0, 19).replace('T', ' ') : '');
    const jobs = chosen.map((r) => ({
      train_id: trainId(r.name),
      relative_path: trainId(r.name),
      create_time: time(r.firstWallTime),
      update_time: time(r.firstWallTime),
      profiler_dir: '',
      cache_status: 'CACHED',
      profiler_type: '',
      summary_files: r.files.filter((f) => isMindSporeSummaryFile(f)).length,
      graph_files: 0,
      lineage_files: 0,
      dump_dir: '',
      is_integrity: !r.problems.some((p) => p.kind === 'length_crc' || p.kind === 'corrupt_length' || p.kind === 'data_crc'),
      plugins: plugins(logdir, r.name),
    }));
    return sendJson(req, reply, { name: src.baseName(v), total: wanted !== undefined ? jobs.length : runs.length, train_jobs: jobs, load_status: 'LOADED' });
  });

  route('plugins', (v, q, req, reply) => {
    const run = runOf(v.logdir, needParam(q, 'train_id'));
    return sendJson(req, reply, { plugins: plugins(v.logdir, run) });
  });

  route('scalar/metadata', (v, q, req, reply) => {
    const run = runOf(v.logdir, needParam(q, 'train_id'));
    const t = findSeries(v.logdir, run, needParam(q, 'tag'), 'scalar', miErrors.scalar);
    return sendJson(req, reply, { metadatas: scalarValues(v.logdir, run, t, sampleLimit(q)) });
  });

  route('scalars', (v, q, req, reply) => {
    const ids = [...many(q, 'train_id'), ...many(q, 'train_ids')];
    const tags = many(q, 'tag');
    const limit = sampleLimit(q);
    const out: unknown[] = [];
    for (const id of ids) {
      let run: string;
      try {
        run = runOf(v.logdir, id);
      } catch {
        continue; // MindInsight answers [] for a train job it does not have
      }
      for (const tag of tags) {
        let t: TagInfo;
        try {
          t = findSeries(v.logdir, run, tag, 'scalar', miErrors.scalar);
        } catch {
          continue;
        }
        out.push({ train_id: id, tag, values: scalarValues(v.logdir, run, t, limit) });
      }
    }
    return sendJson(req, reply, { scalars: out });
  });

  route('image/metadata', (v, q, req, reply) => {
    const run = runOf(v.logdir, needParam(q, 'train_id'));
    const t = findSeries(v.logdir, run, needParam(q, 'tag'), 'image', miErrors.image);
    const s = v.logdir.images(run, t.tag);
    const metadatas = [];
    for (const i of evenIndices(s?.length ?? 0, sampleLimit(q))) {
      const ref = s!.blobs[i][0];
      if (ref) metadatas.push({ wall_time: s!.wallTimes[i], step: s!.steps[i], width: ref.width, height: ref.height });
    }
    return sendJson(req, reply, { metadatas });
  });

  route('image/single-image', async (v, q, _req, reply) => {
    const run = runOf(v.logdir, needParam(q, 'train_id'));
    const t = findSeries(v.logdir, run, needParam(q, 'tag'), 'image', miErrors.image);
    const rawStep = needParam(q, 'step');
    const step = Number(rawStep);
    if (!/^-?\d+$/.test(rawStep) || !Number.isSafeInteger(step)) throw miErrors.paramValue(`step must be an integer. Received: ${rawStep}`);
    const s = v.logdir.images(run, t.tag);
    let i = -1;
    if (s && s.length) {
      if (step === -1) i = s.length - 1;
      else for (let k = 0; k < s.length && i < 0; k++) if (s.steps[k] === step) i = k;
    }
    const ref = i >= 0 ? s!.blobs[i][0] : undefined;
    if (!ref || ref.length === 0) throw miErrors.image('Can not find the step with given train job id and tag.');
    const bytes = await v.logdir.readBlob(ref);
    return sendLogBlob(reply, imageContentType(bytes), bytes);
  });

  route('histograms', (v, q, req, reply) => {
    const id = needParam(q, 'train_id');
    const run = runOf(v.logdir, id);
    const tag = needParam(q, 'tag');
    const t = findSeries(v.logdir, run, tag, 'histogram', miErrors.histogram);
    const h = v.logdir.histograms(run, t.tag);
    const idx = evenIndices(h?.length ?? 0, sampleLimit(q));
    // One visual range for every step (MindInsight's HistogramReservoir): aligned buckets.
    let lo = 0;
    let hi = 0;
    let maxCount = 0;
    let seen = false;
    for (const i of idx) {
      const r = bucketRange(h!.buckets[i]);
      if (!r) continue;
      lo = seen ? Math.min(lo, r[0]) : r[0];
      hi = seen ? Math.max(hi, r[1]) : r[1];
      maxCount = Math.max(maxCount, r[2]);
      seen = true;
    }
    const bins = histogramBins(maxCount);
    const histograms = idx.map((i) => ({ wall_time: h!.wallTimes[i], step: h!.steps[i], buckets: resample(h!.buckets[i], lo, hi, bins) }));
    return sendJson(req, reply, { train_id: id, tag, histograms });
  });

  route('tensors', async (v, q, req, reply) => {
    const ids = [...many(q, 'train_id'), ...many(q, 'train_ids')];
    const tags = many(q, 'tag');
    if (ids.length === 0) throw miErrors.paramMissing('train_id');
    if (tags.length === 0) throw miErrors.paramMissing('tag');
    const detail = one(q, 'detail');
    if (detail !== undefined && detail !== 'stats' && detail !== 'data' && detail !== 'histogram') throw miErrors.paramValue(`Can not support this value: ${detail} of detail.`);
    const limit = sampleLimit(q);
    const out: unknown[] = [];
    for (const id of ids) {
      const run = runOf(v.logdir, id);
      for (const tag of tags) {
        const t = findSeries(v.logdir, run, tag, 'tensor', miErrors.tensor);
        const s = v.logdir.tensors(run, t.tag);
        const values: unknown[] = [];
        if (detail === 'data') {
          const rawStep = needParam(q, 'step');
          const sel = parseDims(needParam(q, 'dims'));
          const step = Number(rawStep);
          let i = -1;
          for (let k = 0; s && k < s.length; k++) if (s.steps[k] === step) i = k;
          if (!s || i < 0) throw miErrors.stepNotInCache(`this step: ${rawStep} data may has been dropped.`);
          const bytes = await v.logdir.readBlob(s.tensors[i]);
          const d = decodeMsTensor(bytes, 0, bytes.length);
          const data = sliceTensor(d.values, d.dims, sel);
          values.push({ wall_time: s.wallTimes[i], step: s.steps[i], value: { dims: d.dims, data_type: dataTypeName(d.dataType), data, statistics: statistics(d.values) } });
        } else {
          for (const i of evenIndices(s?.length ?? 0, limit)) {
            const bytes = await v.logdir.readBlob(s!.tensors[i]);
            const d = decodeMsTensor(bytes, 0, bytes.length);
            const value: Record<string, unknown> = { dims: d.dims, data_type: dataTypeName(d.dataType) };
            if (detail === 'stats') value.statistics = statistics(d.values);
            if (detail === 'histogram') {
              value.histogram_buckets = tensorHistogram(d.values);
              value.statistics = statistics(d.values);
            }
            values.push({ wall_time: s!.wallTimes[i], step: s!.steps[i], value });
          }
        }
        out.push({ train_id: id, tag, values });
      }
    }
    return sendJson(req, reply, { tensors: out });
  });

  // Anything else under datavisual/: the access checks first, then MindInsight's 404.
  app.route<{ Params: JobParams; Querystring: Query }>({
    method: ['GET', 'POST'],
    url: `${prefix}/*`,
    ...src.hooks,
    handler: async (request, reply) => {
      await src.miss(request);
      return sendMiError(reply, miErrors.noRoute());
    },
  });
}
