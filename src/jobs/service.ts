// The API's operations on jobs. They validate, then change desired state with one compare-and-set
// in the store and kick the reconciler; they never call the runtime, so a call is fast, and two
// concurrent calls on one job can never both win or produce a transition API.md §2 forbids.
import { randomUUID } from 'node:crypto';
import { ApiError, badParameter, badStatus } from '../api/errors.js';
import { parseTrainUrl, TrainUrlError } from '../storage/train-url.js';
import type { JobRecord, JobStore, ListQuery, SortKey } from '../store/store.js';
import { DELETABLE, MAX_STATUS, RESTARTABLE, STOPPABLE, Status } from '../domain/status.js';
import { parseSchedule } from './schedule.js';
import { jobObject, serviceUrl, type JobObject } from './view.js';

export interface CreateInput {
  job_name: string;
  job_desc?: string;
  train_url: string;
  job_type?: 'tensorboard' | 'mindinsight';
  flavor?: { code: string };
  schedule?: unknown;
  workspace_id?: string;
}

export interface ListInput {
  status?: string;
  per_page?: string;
  page?: string;
  sortBy?: string;
  sort_by?: string;
  order?: string;
  search_content?: string;
  workspace_id?: string;
}

export interface ServiceSettings {
  /** Read on every call: the CLI fills in the real port after listen when it was 0. */
  publicUrl: () => string;
  runningQuota: number;
  jobLimit: number;
}

const SORT_KEYS: readonly SortKey[] = ['job_id', 'job_name', 'job_desc', 'create_time', 'status'];

function intParam(name: string, raw: string | undefined, def: number, min: number, max: number): number {
  if (raw === undefined) return def;
  const n = /^[0-9]{1,10}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw badParameter(name, max === Number.MAX_SAFE_INTEGER ? `must be an integer >= ${min}` : `must be an integer in ${min}..${max}`);
  }
  return n;
}

export class JobService {
  constructor(
    private readonly store: JobStore,
    private readonly settings: ServiceSettings,
    private readonly kick: () => void,
    private readonly now: () => number = Date.now,
  ) {}

  view(j: JobRecord): JobObject {
    return jobObject(j, this.now(), this.settings.publicUrl());
  }

  async create(projectId: string, input: CreateInput) {
    try {
      parseTrainUrl(input.train_url);
    } catch (err) {
      if (err instanceof TrainUrlError) throw badParameter('train_url', err.message.replace(/^train_url /, ''));
      throw err;
    }
    const scheduleMs = input.schedule === undefined ? 0 : parseSchedule(input.schedule);
    const r = await this.store.create(
      {
        projectId,
        jobName: input.job_name,
        jobDesc: input.job_desc ?? '',
        jobType: input.job_type ?? 'tensorboard',
        createTime: this.now(),
        trainUrl: input.train_url,
        resourceId: randomUUID(),
        scheduleJson: input.schedule === undefined ? null : JSON.stringify(input.schedule),
        scheduleMs,
        workspaceId: input.workspace_id ?? '0',
        flavorJson: input.flavor === undefined ? null : JSON.stringify(input.flavor),
      },
      this.settings.jobLimit,
    );
    if (!r.ok) {
      throw new ApiError('jobLimit', `The number of jobs exceeds the limit. A project may have at most ${r.limit} visualization jobs.`);
    }
    this.kick();
    const j = r.job;
    return {
      is_success: true as const,
      job_id: j.jobId,
      job_name: j.jobName,
      status: j.status,
      create_time: j.createTime,
      service_url: serviceUrl(this.settings.publicUrl(), projectId, j.jobId),
    };
  }

  async list(projectId: string, q: ListInput) {
    const perPage = intParam('per_page', q.per_page, 10, 1, 1000);
    const page = intParam('page', q.page, 1, 1, Number.MAX_SAFE_INTEGER);
    const sortRaw = q.sortBy ?? q.sort_by ?? 'job_id';
    if (!(SORT_KEYS as readonly string[]).includes(sortRaw)) throw badParameter('sortBy', `must be one of ${SORT_KEYS.join(', ')}`);
    const order = q.order ?? 'asc';
    if (order !== 'asc' && order !== 'desc') throw badParameter('order', 'must be asc or desc');
    let statuses: number[] | undefined;
    if (q.status !== undefined && q.status !== '') {
      statuses = q.status.split('|').map((s) => (/^[0-9]{1,2}$/.test(s) ? Number(s) : NaN));
      if (statuses.some((s) => !Number.isInteger(s) || s > MAX_STATUS)) throw badParameter('status', `must be status numbers 0..${MAX_STATUS} joined by |`);
    }
    const search = q.search_content ?? '';
    if (search.length > 64) throw badParameter('search_content', 'must be at most 64 characters');
    const query: ListQuery = {
      projectId,
      statuses,
      search: search || undefined,
      sortBy: sortRaw as SortKey,
      order,
      limit: perPage,
      offset: (page - 1) * perPage,
    };
    const [{ total, jobs }, count] = await Promise.all([this.store.list(query), this.store.countJobs(projectId)]);
    const now = this.now();
    const pub = this.settings.publicUrl();
    return {
      is_success: true as const,
      job_total_count: total,
      job_count_limit: Math.max(0, this.settings.jobLimit - count),
      quotas: this.settings.runningQuota,
      jobs: jobs.map((j) => jobObject(j, now, pub)),
    };
  }

  // The operations on one job take the job the API's access rule (api/access.ts) found in the
  // caller's project; a "not found" below is a job deleted since, which the store's write sees.

  async details(job: JobRecord) {
    return { is_success: true as const, ...this.view(job) };
  }

  async updateDesc(job: JobRecord, desc: string) {
    if (!(await this.store.updateDesc(job.projectId, job.jobId, desc))) throw new ApiError('notFound');
    return { is_success: true as const };
  }

  async stop({ jobId }: JobRecord) {
    const r = await this.store.beginKill(jobId, STOPPABLE, 'stopped', Status.KILLED, this.now());
    if (!r.ok) throw r.status === undefined ? new ApiError('notFound') : badStatus('stop', r.status);
    this.kick();
    return { is_success: true as const };
  }

  async restart({ jobId }: JobRecord) {
    const r = await this.store.beginRestart(jobId, RESTARTABLE);
    if (!r.ok) throw r.status === undefined ? new ApiError('notFound') : badStatus('resubmit', r.status);
    this.kick();
    return { is_success: true as const };
  }

  async delete({ jobId }: JobRecord) {
    const r = await this.store.beginKill(jobId, DELETABLE, 'deleted', Status.KILLED, this.now());
    if (!r.ok) throw r.status === undefined ? new ApiError('notFound') : badStatus('delete', r.status);
    this.kick();
    return { is_success: true as const };
  }
}
