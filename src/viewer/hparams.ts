// The hparams plugin's two answers, in proto3 JSON (camelCase, enums by name) as TensorBoard's
// frontend expects: the Experiment (declared by an `_hparams_/experiment` summary, or — like
// TensorBoard — inferred from the sessions' hparams and scalar tags when no run declares one) and
// the session groups, one per session run, with each metric's latest value.
import type { UserRegex } from '../api/user-regex.js';
import type { HparamValue, Logdir, MetricInfo, RunInfo } from '../events/index.js';
import { tbNumber } from './tb-json.js';

const DATA_TYPES = ['DATA_TYPE_UNSET', 'DATA_TYPE_STRING', 'DATA_TYPE_BOOL', 'DATA_TYPE_FLOAT64'];
const DATASET_TYPES = ['DATASET_UNKNOWN', 'DATASET_TRAINING', 'DATASET_VALIDATION'];
const STATUSES = ['STATUS_UNKNOWN', 'STATUS_SUCCESS', 'STATUS_FAILURE', 'STATUS_RUNNING'];

export interface ExperimentJson {
  name?: string;
  description?: string;
  user?: string;
  timeCreatedSecs?: number;
  hparamInfos: {
    name: string;
    displayName?: string;
    description?: string;
    type: string;
    domainDiscrete?: HparamValue[];
    domainInterval?: { minValue: number; maxValue: number };
  }[];
  metricInfos: { name: { group: string; tag: string }; displayName?: string; description?: string; datasetType: string }[];
}

function typeOf(v: HparamValue): number {
  return typeof v === 'string' ? 1 : typeof v === 'boolean' ? 2 : typeof v === 'number' ? 3 : 0;
}

function sessionRuns(logdir: Logdir): RunInfo[] {
  return logdir.runs().filter((r) => logdir.hparams(r.name).sessionStart);
}

/** Run holding a session's metric: the session run itself, or its `group` sub-directory. */
function metricRun(session: string, group: string): string {
  if (!group || group === '.') return session;
  return session === '.' ? group : `${session}/${group}`;
}

function metricInfosOf(logdir: Logdir): MetricInfo[] {
  for (const r of logdir.runs()) {
    const e = logdir.hparams(r.name).experiment;
    if (e) return e.metricInfos;
  }
  // Inferred: every scalar tag under a session run that is not itself an hparams tag.
  const out: MetricInfo[] = [];
  const seen = new Set<string>();
  const sessions = sessionRuns(logdir).map((r) => r.name);
  for (const r of logdir.runs()) {
    const session = sessions.find((s) => r.name === s || s === '.' || r.name.startsWith(s + '/'));
    if (session === undefined) continue;
    const group = r.name === session ? '' : session === '.' ? r.name : r.name.slice(session.length + 1);
    for (const t of r.tags) {
      if (t.kind !== 'scalars') continue;
      const key = `${group}\0${t.tag}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ group, tag: t.tag, displayName: '', description: '', datasetType: 0 });
    }
  }
  return out;
}

export function experimentJson(logdir: Logdir): ExperimentJson {
  for (const r of logdir.runs()) {
    const e = logdir.hparams(r.name).experiment;
    if (!e) continue;
    return {
      name: e.name || undefined,
      description: e.description || undefined,
      user: e.user || undefined,
      timeCreatedSecs: e.timeCreatedSecs || undefined,
      hparamInfos: e.hparamInfos.map((h) => ({
        name: h.name,
        displayName: h.displayName || undefined,
        description: h.description || undefined,
        type: DATA_TYPES[h.type] ?? DATA_TYPES[0],
        domainDiscrete: h.domainDiscrete,
        domainInterval: h.domainInterval,
      })),
      metricInfos: metricInfosOf(logdir).map(metricJson),
    };
  }
  // No declared experiment: infer the hparams from the sessions, like TensorBoard.
  const values = new Map<string, HparamValue[]>();
  for (const r of sessionRuns(logdir)) {
    const hp = logdir.hparams(r.name).sessionStart?.hparams ?? {};
    for (const [k, v] of Object.entries(hp)) {
      const list = values.get(k) ?? [];
      if (!list.some((x) => x === v)) list.push(v);
      values.set(k, list);
    }
  }
  return {
    hparamInfos: [...values.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, vs]) => {
        const type = vs.length ? typeOf(vs[0]) : 0;
        const uniform = vs.every((v) => typeOf(v) === type);
        return {
          name,
          type: DATA_TYPES[uniform ? type : 1],
          domainDiscrete: uniform && type !== 3 ? [...vs].sort() : undefined,
        };
      }),
    metricInfos: metricInfosOf(logdir).map(metricJson),
  };
}

function metricJson(m: MetricInfo): ExperimentJson['metricInfos'][number] {
  return {
    name: { group: m.group, tag: m.tag },
    displayName: m.displayName || undefined,
    description: m.description || undefined,
    datasetType: DATASET_TYPES[m.datasetType] ?? DATASET_TYPES[0],
  };
}

interface MetricValueJson {
  name: { group: string; tag: string };
  value: number | string;
  trainingStep: number;
  wallTimeSecs: number;
}

export interface SessionGroupJson {
  name: string;
  hparams: Record<string, HparamValue>;
  metricValues: MetricValueJson[];
  sessions: {
    name: string;
    startTimeSecs: number;
    endTimeSecs?: number;
    status: string;
    modelUri?: string;
    monitorUrl?: string;
    metricValues: MetricValueJson[];
  }[];
  monitorUrl?: string;
}

/**
 * The parts of a ListSessionGroupsRequest we honour: paging, one sort column, regex filters. A
 * filter arrives compiled (src/api/user-regex.ts, linear time): a client's pattern never reaches
 * V8's backtracking RegExp.
 */
export interface SessionGroupsRequest {
  startIndex?: number;
  sliceSize?: number;
  colParams?: { hparam?: string; metric?: { group?: string; tag?: string }; order?: string; filter?: UserRegex }[];
}

export function sessionGroupsJson(logdir: Logdir, request: SessionGroupsRequest): { sessionGroups: SessionGroupJson[]; totalSize: number } {
  const metrics = metricInfosOf(logdir);
  let groups: SessionGroupJson[] = sessionRuns(logdir).map((r) => {
    const hp = logdir.hparams(r.name);
    const start = hp.sessionStart;
    const metricValues: MetricValueJson[] = [];
    for (const m of metrics) {
      const s = logdir.scalars(metricRun(r.name, m.group), m.tag);
      if (!s || s.length === 0) continue;
      const i = s.length - 1;
      metricValues.push({
        name: { group: m.group, tag: m.tag },
        value: tbNumber(s.values[i]),
        trainingStep: s.steps[i],
        wallTimeSecs: s.wallTimes[i],
      });
    }
    return {
      name: start?.groupName || r.name,
      hparams: start?.hparams ?? {},
      metricValues,
      sessions: [
        {
          name: r.name,
          startTimeSecs: start?.startTimeSecs ?? 0,
          endTimeSecs: hp.sessionEnd?.endTimeSecs,
          status: STATUSES[hp.sessionEnd?.status ?? 0] ?? STATUSES[0],
          modelUri: start?.modelUri || undefined,
          monitorUrl: start?.monitorUrl || undefined,
          metricValues,
        },
      ],
    };
  });
  for (const col of request.colParams ?? []) {
    const re = col.filter;
    if (col.hparam && re) {
      const name = col.hparam;
      groups = groups.filter((g) => re.test(String(g.hparams[name] ?? '')));
    }
  }
  const sortCol = (request.colParams ?? []).find((c) => c.order === 'ORDER_ASC' || c.order === 'ORDER_DESC');
  if (sortCol) {
    const key = (g: SessionGroupJson): HparamValue | string => {
      if (sortCol.hparam) return g.hparams[sortCol.hparam] ?? null;
      const m = g.metricValues.find((v) => v.name.tag === sortCol.metric?.tag && v.name.group === (sortCol.metric?.group ?? ''));
      return m ? m.value : null;
    };
    const dir = sortCol.order === 'ORDER_DESC' ? -1 : 1;
    groups.sort((a, b) => {
      const x = key(a);
      const y = key(b);
      if (x === y) return 0;
      if (x === null) return 1;
      if (y === null) return -1;
      return (x < y ? -1 : 1) * dir;
    });
  }
  const total = groups.length;
  const startIndex = Math.max(0, Math.floor(request.startIndex ?? 0));
  const slice = request.sliceSize && request.sliceSize > 0 ? Math.floor(request.sliceSize) : total;
  return { sessionGroups: groups.slice(startIndex, startIndex + slice), totalSize: total };
}
