// TensorBoard's plugin routes (scalars, histograms, distributions, images, audio, text, PR curves,
// hparams, graphs) over a job's loaded Logdir. Each answer is built once per data generation and
// cached (respond.ts); the shapes are TensorBoard's, with §4's point budget on every series.
// Every answer is built under a ResponseBudget (LIMITS.responseBytes): refused with the API's
// envelope, and reported in the run's problems, before it is built past the cap.
import { ApiError, badParameter } from '../api/errors.js';
import { parseClientJson } from '../api/json-body.js';
import { compileUserRegex, MAX_PROGRAM_SIZE } from '../api/user-regex.js';
import type { Logdir, ScalarSeries, SeriesKind, TagEntry, TagMetadata } from '../events/index.js';
import { audioContentType, decodeBlobKey, encodeBlobKey, imageContentType } from './blob-key.js';
import { compressHistogram } from './distributions.js';
import { downsampleIndices } from './downsample.js';
import { graphDefToPbtxt } from './graph-pbtxt.js';
import { layoutJson } from './custom-scalars.js';
import { experimentJson, sessionGroupsJson, type SessionGroupsRequest } from './hparams.js';
import { sendCached, sendJson, sendLogBlob } from './respond.js';
import type { LoadedJob } from './runtime.js';
import {
  boundedArray,
  budget,
  evenIndices,
  many,
  MAX_NUMBER_JSON,
  need,
  notFound,
  one,
  ResponseBudget,
  type Query,
  type RouteFn,
} from './routing.js';
import { Slices } from '../events/slices.js';
import { ResponseTooLarge, scalarTriplesBuffer, scalarTriplesBufferAsync, tbNumber, tbStringify, TRIPLES_SLICE } from './tb-json.js';
import { markdownToSafeHtml, textTensorToHtml } from './text-html.js';

/**
 * `{run: {tag: entry}}` over every run holding `kind` (`{run: [tag, …]}` without `entry`), as a JSON
 * body built in slices (slices.ts): a sweep's 10,000 runs × 10 tags is 100,000 entries and ~5 MB of
 * JSON. `entry` gives a tag's value as JSON from the TagEntry's three fields; it is asked once per
 * distinct three (a sweep's runs share them), not per run: an object and a stringify per run and
 * tag took ~150 ms of a 10,000-run answer.
 */
async function tagsBody(logdir: Logdir, kind: SeriesKind, entry?: (t: TagEntry) => string): Promise<Buffer> {
  const slices = new Slices();
  // Encoded to bytes a batch at a time: one join and UTF-8 encoding of the whole answer at the end
  // was a single 200 ms task at 100,000 runs (~50 MB of JSON).
  const chunks: Buffer[] = [];
  let parts: string[] = [];
  let batch = 0;
  const known = new Map<TagMetadata, Map<string, string>>();
  const fragment = (t: TagEntry): string => {
    let byName = known.get(t.metadata);
    if (byName === undefined) known.set(t.metadata, (byName = new Map()));
    const k = `${t.tag}\0${t.maxSamplesPerStep}`;
    let f = byName.get(k);
    if (f === undefined) byName.set(k, (f = entry ? `${JSON.stringify(t.tag)}:${entry(t)}` : JSON.stringify(t.tag)));
    return f;
  };
  for (const [run, tags] of logdir.tagsByRun(kind)) {
    let part = `${JSON.stringify(run)}:${entry ? '{' : '['}`;
    for (let i = 0; i < tags.length; i++) part += (i ? ',' : '') + fragment(tags[i]);
    part += entry ? '}' : ']';
    parts.push(part);
    batch += part.length;
    if (batch >= TAGS_BATCH_CHARS) {
      chunks.push(Buffer.from((chunks.length ? ',' : '{') + parts.join(','), 'utf8'));
      parts = [];
      batch = 0;
    }
    await slices.pause();
  }
  chunks.push(Buffer.from((chunks.length ? (parts.length ? ',' : '') : '{') + parts.join(',') + '}', 'utf8'));
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

/** Characters of a tags answer encoded at once (see tagsBody). */
const TAGS_BATCH_CHARS = 256 * 1024;

/** TensorBoard's `tags` answer: display name and (sanitized) description per tag. */
function describedTags(logdir: Logdir, kind: SeriesKind, withSamples = false): Promise<Buffer> {
  return tagsBody(logdir, kind, (t) => {
    const entry: Record<string, unknown> = {
      displayName: t.metadata.displayName,
      description: t.metadata.description ? markdownToSafeHtml(t.metadata.description) : '',
    };
    if (withSamples) entry.samples = t.maxSamplesPerStep;
    return tbStringify(entry);
  });
}

/**
 * Series longer than one slice are written in slices that may yield to the event loop (tb-json.ts),
 * the first one included: a viewer asks for several series in one turn, and most runs are a few
 * thousand steps long.
 */
const ASYNC_JSON_POINTS = TRIPLES_SLICE;

async function scalarBody(logdir: Logdir, run: string, tag: string, limit: number, b: ResponseBudget, format: 'json' | 'csv' = 'json'): Promise<Buffer> {
  const s = logdir.scalars(run, tag);
  if (!s) throw notFound(`no scalar data for run=${run} tag=${tag}`);
  return seriesBody(s, limit, b, format);
}

/** One series' triples, downsampled to `limit`, counted against the response's budget. */
async function seriesBody(s: ScalarSeries, limit: number, b: ResponseBudget, format: 'json' | 'csv' = 'json'): Promise<Buffer> {
  const idx = downsampleIndices(s.values, s.length, limit);
  const n = idx ? idx.length : s.length;
  try {
    const body = n > ASYNC_JSON_POINTS ? await scalarTriplesBufferAsync(s, idx, s.length, format) : scalarTriplesBuffer(s, idx, s.length, format);
    b.add(body.length);
    return body;
  } catch (err) {
    if (err instanceof ResponseTooLarge) throw b.refuse(err.bytes);
    throw err;
  }
}

/** Sample index of a blob key's step (latest sample with that step: a purge may have rewritten it). */
function sampleAtStep(steps: Float64Array, length: number, step: number): number {
  for (let i = length - 1; i >= 0; i--) if (steps[i] === step) return i;
  return -1;
}

function prEntry(wallTime: number, step: number, data: Float64Array, claimed: number): Record<string, unknown> {
  // Rows are sliced from the data present, whatever the sample's threshold count says.
  const n = Math.min(claimed, Math.floor(data.length / 6));
  const row = (r: number): number[] => Array.from(data.subarray(r * n, r * n + n));
  const tp = row(0).map(Math.trunc);
  const fp = row(1).map(Math.trunc);
  let end = n - 1;
  while (end > 0 && tp[end] + fp[end] === 0) end--;
  end += 1;
  // TensorBoard's pr_curves plugin labels column i with (i + 1) / n (np.arange(1, end + 1) / n),
  // not with the i / (n - 1) the summary op compared against; its tooltip shows that label.
  const thresholds = Array.from({ length: n }, (_, i) => (i + 1) / n);
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

function parseJsonParam(raw: string | undefined): unknown {
  if (raw === undefined || raw === '') return {};
  return parseClientJson(raw, 'request');
}

/** TensorBoard sends one column per hparam and metric; far more is not a dashboard's request. */
const MAX_COLUMNS = 1000;

/** A column's filterRegexp compiled for linear-time matching; a bad one is 0104 naming it. */
function columnFilter(raw: unknown, index: number): ReturnType<typeof compileUserRegex> | undefined {
  if (typeof raw !== 'string' || raw === '') return undefined;
  return compileUserRegex(`colParams[${index}].filterRegexp`, raw);
}

/** The fields of a ListSessionGroupsRequest we honour, each kept only when it has the right type. */
function sessionGroupsRequest(raw: unknown): SessionGroupsRequest {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {};
  const r = raw as Record<string, unknown>;
  const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const cols = Array.isArray(r.colParams) ? r.colParams : [];
  // Filters cost O(program size × value length) per session group: their sum is bounded per
  // request, so many cheap patterns cannot add up to what one expensive pattern may not do.
  if (cols.length > MAX_COLUMNS) throw badParameter('colParams', `must have at most ${MAX_COLUMNS} columns`);
  let cost = 0;
  const tooComplex = (): ApiError =>
    badParameter('colParams', `filterRegexp patterns are too complex together (program sizes add up to more than ${MAX_PROGRAM_SIZE})`);
  return {
    startIndex: num(r.startIndex),
    sliceSize: num(r.sliceSize),
    colParams: cols
      .map((c: unknown, index) => ({ c, index }))
      .filter((x): x is { c: Record<string, unknown>; index: number } => typeof x.c === 'object' && x.c !== null)
      .map(({ c, index }) => {
        const m = typeof c.metric === 'object' && c.metric !== null ? (c.metric as Record<string, unknown>) : undefined;
        const filter = columnFilter(c.filterRegexp, index);
        cost += filter?.programSize ?? 0;
        if (cost > MAX_PROGRAM_SIZE) throw tooComplex();
        return {
          hparam: str(c.hparam),
          metric: m ? { group: str(m.group), tag: str(m.tag) } : undefined,
          order: str(c.order),
          filter,
        };
      }),
  };
}

/**
 * A multirun request (TensorBoard's frontend posts a form), from the body or the query: the tag,
 * the runs repeated, and the `samples` parameter for budget() (checked by the caller, after the tag).
 */
function multirunRequest(rawBody: unknown, q: Query): { tag: string; runs: string[]; samples: Query } {
  const body = (typeof rawBody === 'object' && rawBody !== null ? rawBody : {}) as Query;
  return {
    tag: one(body, 'tag') ?? one(q, 'tag') ?? '',
    runs: [...many(body, 'runs'), ...many(q, 'runs')],
    samples: { samples: one(body, 'samples') ?? one(q, 'samples') },
  };
}

/**
 * How long a series answer from a running first load waits for the runs it names (read next):
 * what the web UI asks for at once is ~1,000 runs, i.e. on object storage ~1,000 GETs (0.7–1 s
 * through s3rver here). Half a second left some of them out, and the chart lacked them until the
 * whole load ended (7 s for 10,000 runs).
 */
const RUNS_WAIT_MS = 2_000;

export function registerPluginRoutes(route: RouteFn): void {
  // --- scalars ----------------------------------------------------------------------------
  // May answer from a first load still running: the loaded runs' tags (X-Vizjobs-Partial).
  route(
    'GET',
    'plugin/scalars/tags',
    (v, _q, req, reply) => sendCached(req, reply, v, 'scalars/tags', () => describedTags(v.logdir, 'scalars')),
    { partial: true },
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
      () => scalarBody(v.logdir, run, tag, limit, new ResponseBudget(v, [run], `scalars of ${tag}`), csv ? 'csv' : 'json'),
      csv ? 'text/csv; charset=utf-8' : undefined,
    );
  });

  // Also answered from a first load still running, so a sweep's charts are drawn while it loads:
  // the runs asked for are read next (Logdir.prioritize), and the answer waits up to
  // RUNS_WAIT_MS for them; the web UI asks again when the load ends.
  route('POST', 'plugin/scalars/scalars_multirun', async (v, q, req, reply) => {
    const { tag, runs, samples } = multirunRequest(req.body, q);
    if (!tag) throw new ApiError('badParameter', 'Invalid parameter tag: required');
    const limit = budget(samples);
    if (v.partial !== undefined && v.logdir.prioritize) await v.logdir.prioritize(runs, RUNS_WAIT_MS);
    return sendCached(req, reply, v, `multirun\0${tag}\0${limit}\0${JSON.stringify(runs)}`, async () => {
      const parts: Buffer[] = [];
      // Each run once (a run named twice is answered once, as JSON keys are), and only runs with the tag.
      const having: Array<[string, ScalarSeries]> = [];
      for (const r of new Set(runs)) {
        const s = v.logdir.scalars(r, tag);
        if (s) having.push([r, s]);
      }
      const b = new ResponseBudget(v, having.map(([r]) => r), `scalars_multirun of ${tag}`);
      // Hundreds of runs of a sweep in one answer: built in slices, like the tags. Each run's series
      // as it was when the request came (a load going on meanwhile shows in the next poll).
      const slices = new Slices();
      for (const [run, s] of having) {
        await slices.pause();
        parts.push(Buffer.from(`${parts.length ? ',' : ''}${JSON.stringify(run)}:`), await seriesBody(s, limit, b));
      }
      return Buffer.concat([Buffer.from('{'), ...parts, Buffer.from('}')]);
    });
  }, { partial: true });

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
        const rb = new ResponseBudget(v, [run], `${plugin} of ${tag}`);
        return boundedArray(evenIndices(h.length, limit), rb, (i) => {
          const b = h.buckets[i];
          if (plugin === 'distributions') return tbStringify([h.wallTimes[i], h.steps[i], compressHistogram(b)]);
          rb.reserve(b.length * (MAX_NUMBER_JSON + 1) + 64);
          const triples: number[][] = [];
          for (let k = 0; k + 2 < b.length; k += 3) triples.push([b[k], b[k + 1], b[k + 2]]);
          return tbStringify([h.wallTimes[i], h.steps[i], triples]);
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
    if (!Number.isInteger(sample) || sample < 0) throw new ApiError('badParameter', 'Invalid parameter sample: must be an integer ≥ 0');
    const limit = budget(q);
    return sendCached(req, reply, v, `images\0${run}\0${tag}\0${sample}\0${limit}`, () => {
      const s = v.logdir.images(run, tag);
      if (!s) throw notFound(`no image data for run=${run} tag=${tag}`);
      const with_ = evenIndices(s.length, Infinity).filter((i) => s.blobs[i].length > sample);
      return boundedArray(evenIndices(with_.length, limit), new ResponseBudget(v, [run], `images of ${tag}`), (k) => {
        const i = with_[k];
        return tbStringify({
          wall_time: s.wallTimes[i],
          step: s.steps[i],
          query: `blob_key=${encodeBlobKey({ plugin: 'images', run, tag, step: s.steps[i], index: sample + 2 })}`,
        });
      });
    });
  });
  route('GET', 'plugin/images/individualImage', async (v, q, _req, reply) => {
    const key = decodeBlobKey(need(q, 'blob_key'));
    if (!key || key.plugin !== 'images') throw new ApiError('badParameter', 'Invalid parameter blob_key');
    const s = v.logdir.images(key.run, key.tag);
    const i = s ? sampleAtStep(s.steps, s.length, key.step) : -1;
    const ref = s && i >= 0 ? s.blobs[i][key.index - 2] : undefined;
    if (!ref) throw notFound('no such image');
    const bytes = await v.logdir.readBlob(ref);
    return sendLogBlob(reply, imageContentType(bytes), bytes);
  });

  route('GET', 'plugin/audio/tags', (v, _q, req, reply) =>
    sendCached(req, reply, v, 'audio/tags', () => describedTags(v.logdir, 'audio', true)),
  );
  route('GET', 'plugin/audio/audio', (v, q, req, reply) => {
    const run = need(q, 'run');
    const tag = need(q, 'tag');
    const sample = Number(one(q, 'sample') ?? '0');
    if (!Number.isInteger(sample) || sample < 0) throw new ApiError('badParameter', 'Invalid parameter sample: must be an integer ≥ 0');
    const limit = budget(q);
    return sendCached(req, reply, v, `audio\0${run}\0${tag}\0${sample}\0${limit}`, () => {
      const s = v.logdir.audio(run, tag);
      if (!s) throw notFound(`no audio data for run=${run} tag=${tag}`);
      const with_ = evenIndices(s.length, Infinity).filter((i) => s.blobs[i].length > sample);
      const rb = new ResponseBudget(v, [run], `audio of ${tag}`);
      return boundedArray(evenIndices(with_.length, limit), rb, (k) => {
        const i = with_[k];
        const ref = s.blobs[i][sample];
        rb.reserve(ref.label.length * 2);
        return tbStringify({
          wall_time: s.wallTimes[i],
          step: s.steps[i],
          label: ref.label ? markdownToSafeHtml(ref.label) : '',
          contentType: audioContentType(ref.contentType || 'audio/wav'),
          query: `blob_key=${encodeBlobKey({ plugin: 'audio', run, tag, step: s.steps[i], index: sample })}`,
        });
      });
    });
  });
  route('GET', 'plugin/audio/individualAudio', async (v, q, _req, reply) => {
    const key = decodeBlobKey(need(q, 'blob_key'));
    if (!key || key.plugin !== 'audio') throw new ApiError('badParameter', 'Invalid parameter blob_key');
    const s = v.logdir.audio(key.run, key.tag);
    const i = s ? sampleAtStep(s.steps, s.length, key.step) : -1;
    const ref = s && i >= 0 ? s.blobs[i][key.index] : undefined;
    if (!ref) throw notFound('no such audio clip');
    const bytes = await v.logdir.readBlob(ref);
    // Only allowlisted audio types are echoed back (asked or logged), so neither can turn a clip into a page.
    const asked = one(q, 'content_type');
    const type = audioContentType(asked || ref.contentType || 'audio/wav');
    return sendLogBlob(reply, type, bytes);
  });

  // --- text ---------------------------------------------------------------------------------
  route('GET', 'plugin/text/tags', (v, _q, req, reply) =>
    sendCached(req, reply, v, 'text/tags', () => tagsBody(v.logdir, 'text')),
  );
  route('GET', 'plugin/text/text', (v, q, req, reply) => {
    const run = need(q, 'run');
    const tag = need(q, 'tag');
    const limit = budget(q);
    return sendCached(req, reply, v, `text\0${run}\0${tag}\0${limit}`, () => {
      const s = v.logdir.text(run, tag);
      if (!s) throw notFound(`no text data for run=${run} tag=${tag}`);
      const rb = new ResponseBudget(v, [run], `text of ${tag}`);
      return boundedArray(evenIndices(s.length, limit), rb, (i) => {
        // The HTML is at least as long as the markdown: refused before rendering what cannot fit.
        rb.reserve(s.values[i].strings.reduce((a, x) => a + x.length, 0));
        return tbStringify({ wall_time: s.wallTimes[i], step: s.steps[i], text: textTensorToHtml(s.values[i].strings, s.values[i].shape) });
      });
    });
  });

  // --- PR curves ----------------------------------------------------------------------------
  route('GET', 'plugin/pr_curves/tags', (v, _q, req, reply) =>
    sendCached(req, reply, v, 'pr_curves/tags', () => describedTags(v.logdir, 'pr_curves')),
  );
  route('GET', 'plugin/pr_curves/pr_curves', (v, q, req, reply) => {
    const tag = need(q, 'tag');
    const runs = many(q, 'run');
    if (runs.length === 0) throw new ApiError('badParameter', 'Invalid parameter run: required');
    const limit = budget(q);
    return sendCached(req, reply, v, `pr\0${tag}\0${limit}\0${JSON.stringify(runs)}`, () => {
      const parts: string[] = [];
      const seen = new Set<string>();
      const rb = new ResponseBudget(v, runs.filter((r) => v.logdir.prCurves(r, tag)), `pr_curves of ${tag}`);
      for (const run of runs) {
        const s = v.logdir.prCurves(run, tag);
        if (!s || seen.has(run)) continue;
        seen.add(run);
        const series = boundedArray(evenIndices(s.length, limit), rb, (i) => {
          // Seven number rows (thresholds too) of at most data.length / 6 each.
          rb.reserve(((s.data[i].length * 7) / 6) * (MAX_NUMBER_JSON + 1) + 256);
          return tbStringify(prEntry(s.wallTimes[i], s.steps[i], s.data[i], s.thresholds[i]));
        });
        parts.push(`${JSON.stringify(run)}:${series}`);
      }
      return `{${parts.join(',')}}`;
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

  // --- custom scalars -----------------------------------------------------------------------
  route('GET', 'plugin/custom_scalars/layout', (v, _q, req, reply) =>
    sendCached(req, reply, v, 'custom_scalars/layout', () => layoutJson(v.logdir)),
  );
  // A pattern RE2 refuses (invalid, lookaround, too complex) is what TensorBoard calls an invalid
  // regex: regex_valid false, not an error, so one bad chart does not break the dashboard.
  const tagPattern = (pattern: string): ReturnType<typeof compileUserRegex> | undefined => {
    try {
      return pattern ? compileUserRegex('tag', `^(?:${pattern})`) : undefined;
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      return undefined;
    }
  };
  /** A run's scalar tags that `re` matches. */
  const matchingTags = (v: LoadedJob, run: string, re: NonNullable<ReturnType<typeof tagPattern>>): string[] =>
    v.logdir.run(run)?.tags.filter((t) => t.kind === 'scalars' && re.test(t.tag)).map((t) => t.tag) ?? [];
  /** `{"regex_valid":true,"tag_to_events":{…}}` of those tags. */
  const customScalarsBody = async (v: LoadedJob, run: string, tags: string[], limit: number, b: ResponseBudget): Promise<Buffer> => {
    const parts: Buffer[] = [];
    for (const tag of tags) parts.push(Buffer.from(`${parts.length ? ',' : ''}${JSON.stringify(tag)}:`), await scalarBody(v.logdir, run, tag, limit, b));
    return Buffer.concat([Buffer.from('{"regex_valid":true,"tag_to_events":{'), ...parts, Buffer.from('}}')]);
  };
  route('GET', 'plugin/custom_scalars/scalars', (v, q, req, reply) => {
    const run = one(q, 'run') ?? '';
    const pattern = one(q, 'tag') ?? '';
    const limit = budget(q);
    return sendCached(req, reply, v, `custom_scalars\0${run}\0${pattern}\0${limit}`, async () => {
      const re = tagPattern(pattern);
      if (!re) return Buffer.from('{"regex_valid":false,"tag_to_events":{}}');
      return customScalarsBody(v, run, matchingTags(v, run, re), limit, new ResponseBudget(v, [run], `custom scalars of ${pattern}`));
    });
  });
  // A vizjobs extension beside it (as scalars_multirun is to scalars): one chart's pattern for many
  // runs in one answer, {run: what the route above answers for it}, for the runs that have a
  // matching scalar tag; {} for a pattern the route above calls invalid. A sweep's Custom Scalars
  // tab made a request per shown run and pattern.
  route('POST', 'plugin/custom_scalars/scalars_multirun', (v, q, req, reply) => {
    const { tag: pattern, runs, samples } = multirunRequest(req.body, q);
    const limit = budget(samples);
    return sendCached(req, reply, v, `custom_scalars_multirun\0${pattern}\0${limit}\0${JSON.stringify(runs)}`, async () => {
      const re = tagPattern(pattern);
      if (!re) return Buffer.from('{}');
      const slices = new Slices();
      const matched: Array<[string, string[]]> = [];
      for (const run of new Set(runs)) {
        await slices.pause();
        const tags = matchingTags(v, run, re);
        if (tags.length) matched.push([run, tags]);
      }
      const b = new ResponseBudget(v, matched.map(([run]) => run), `custom scalars of ${pattern}`);
      const parts: Buffer[] = [];
      for (const [run, tags] of matched) {
        await slices.pause();
        parts.push(Buffer.from(`${parts.length ? ',' : ''}${JSON.stringify(run)}:`), await customScalarsBody(v, run, tags, limit, b));
      }
      return Buffer.concat([Buffer.from('{'), ...parts, Buffer.from('}')]);
    });
  }, { partial: true });

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
    return sendCached(
      req,
      reply,
      v,
      `graph\0${run}`,
      () => {
        try {
          return graphDefToPbtxt(bytes);
        } catch (err) {
          if (err instanceof ResponseTooLarge) throw new ResponseBudget(v, [run], 'graph').refuse(err.bytes);
          throw err;
        }
      },
      'text/x-protobuf; charset=utf-8',
    );
  });

}
