// The console's only way to the server: the public job API of API.md §1, signed in by the
// browser's sign-in cookie (sent with the console's header, lib/session.ts), or by the token header
// where the server has no sign-in route. Every answer is read as the ModelArts envelope; failures
// become ApiError carrying its code.
import type { JobCondition } from '../../domain/conditions.js';
import { appRoot } from '../lib/app-root.js';
import { CONSOLE_HEADER } from '../lib/session.js';

export interface Job {
  job_id: number;
  job_name: string;
  job_desc?: string;
  job_type?: string;
  status: number;
  create_time: number;
  duration?: number;
  service_url?: string;
  train_url?: string;
  resource_id?: string;
  remaining_duration?: number | null;
  schedule?: unknown;
  failure_reason?: string;
  conditions?: JobCondition[];
}

export interface JobList {
  job_total_count: number;
  job_count_limit: number;
  quotas: number;
  jobs: Job[];
}

export interface ListQuery {
  page: number;
  per_page: number;
  sortBy: string;
  order: 'asc' | 'desc';
  search_content: string;
  status: string;
}

export class ApiError extends Error {
  constructor(readonly httpStatus: number, readonly code: string, message: string) {
    super(message);
  }
}

export class JobApi {
  /** `token`: undefined to use the sign-in cookie. */
  constructor(private readonly token: string | undefined, readonly projectId: string) {}

  private base(): string {
    return `${appRoot(location.pathname)}v1/${encodeURIComponent(this.projectId)}/visualization-jobs`;
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = this.token === undefined ? { [CONSOLE_HEADER]: '1', Accept: 'application/json' } : { 'X-Auth-Token': this.token, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let r: Response;
    try {
      r = await fetch(this.base() + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
    } catch (e) {
      throw new ApiError(0, 'NETWORK', `Cannot reach the server: ${e instanceof Error ? e.message : String(e)}`);
    }
    let parsed: unknown;
    try {
      parsed = await r.json();
    } catch {
      throw new ApiError(r.status, 'HTTP', `HTTP ${r.status} ${r.statusText}`);
    }
    const env = (parsed ?? {}) as { is_success?: boolean; error_code?: string; error_message?: string };
    if (!r.ok || env.is_success === false) {
      throw new ApiError(r.status, env.error_code ?? 'HTTP', env.error_message ?? `HTTP ${r.status}`);
    }
    return parsed as T;
  }

  list(q: ListQuery): Promise<JobList> {
    const p = new URLSearchParams({
      page: String(q.page),
      per_page: String(q.per_page),
      sortBy: q.sortBy,
      order: q.order,
    });
    if (q.search_content) p.set('search_content', q.search_content);
    if (q.status) p.set('status', q.status);
    return this.call<JobList>('GET', `?${p}`);
  }

  create(body: unknown): Promise<Job> {
    return this.call<Job>('POST', '', body);
  }

  get(id: number): Promise<Job> {
    return this.call<Job>('GET', `/${id}`);
  }

  /**
   * The runs the job's viewer finds under its train_url (TensorBoard's data/runs): empty when no
   * event file is there yet. Only for a RUNNING job (the viewer answers nothing else).
   */
  async viewerRuns(serviceUrl: string): Promise<string[]> {
    const headers: Record<string, string> = this.token === undefined ? { Accept: 'application/json' } : { 'X-Auth-Token': this.token, Accept: 'application/json' };
    const r = await fetch(`${serviceUrl.replace(/\/?$/, '/')}data/runs`, { headers, credentials: 'same-origin' });
    if (!r.ok) throw new ApiError(r.status, 'HTTP', `HTTP ${r.status}`);
    const body: unknown = await r.json();
    return Array.isArray(body) ? body.filter((x): x is string => typeof x === 'string') : [];
  }

  updateDescription(id: number, jobDesc: string): Promise<unknown> {
    return this.call('PUT', `/${id}`, { job_desc: jobDesc });
  }

  stop(id: number): Promise<unknown> {
    return this.call('POST', `/${id}/stop`);
  }

  restart(id: number): Promise<unknown> {
    return this.call('POST', `/${id}/restart`);
  }

  remove(id: number): Promise<unknown> {
    return this.call('DELETE', `/${id}`);
  }
}
