// The viewer's way to its job's data: TensorBoard's HTTP data API under `data/` of the page's own
// service_url, whatever deep link the page was opened at. The browser's sign-in cookie
// authenticates; a token kept in this tab's sessionStorage (servers without the cookie) goes as the header.
import { loadSession } from '../lib/session.js';
import { noteTags } from './names.js';

/** The viewer's root (the job's service_url path, ending in '/'). */
export function viewerBase(pathname: string = location.pathname): string {
  const m = /^(.*?\/visualization\/[^/]+\/[^/]+\/)/.exec(pathname.endsWith('/') ? pathname : `${pathname}/`);
  return m ? m[1] : pathname.replace(/[^/]*$/, '');
}

export function jobFromBase(base: string): { projectId: string; jobId: string } | undefined {
  const m = /\/visualization\/([^/]+)\/([^/]+)\/$/.exec(base);
  return m ? { projectId: decodeURIComponent(m[1]), jobId: decodeURIComponent(m[2]) } : undefined;
}

/** `unavailable`: 503, the job's storage does not answer now (the server retries it). */
export type DataFailure = 'unauthorized' | 'forbidden' | 'not_running' | 'not_found' | 'unavailable' | 'http' | 'network';

export class DataError extends Error {
  constructor(readonly kind: DataFailure, readonly httpStatus: number, message: string) {
    super(message);
  }
}

export type Params = Record<string, string | number | ReadonlyArray<string> | undefined>;

export class DataClient {
  constructor(readonly base: string) {}

  url(path: string, params: Params = {}): string {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) {
      if (v === undefined) continue;
      if (Array.isArray(v)) for (const item of v) q.append(k, item);
      else q.append(k, String(v));
    }
    const qs = q.toString();
    return `${this.base}data/${path}${qs ? `?${qs}` : ''}`;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const s = loadSession();
    return s ? { 'X-Auth-Token': s.token, Accept: 'application/json', ...extra } : { Accept: 'application/json', ...extra };
  }

  async raw(path: string, params: Params = {}, init: RequestInit = {}): Promise<Response> {
    let r: Response;
    try {
      r = await fetch(this.url(path, params), { credentials: 'same-origin', ...init, headers: this.headers((init.headers as Record<string, string>) ?? {}) });
    } catch (e) {
      throw new DataError('network', 0, `Cannot reach the server (${e instanceof Error ? e.message : String(e)})`);
    }
    if (r.ok) return r;
    let message = `HTTP ${r.status}`;
    try {
      const text = await r.text();
      try {
        const env = JSON.parse(text) as { error_message?: string };
        if (env.error_message) message = env.error_message;
      } catch {
        const plain = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
        if (plain) message = plain.slice(0, 300);
      }
    } catch {
      /* the status alone says enough */
    }
    const kind: DataFailure = r.status === 401 ? 'unauthorized' : r.status === 403 ? 'forbidden' : r.status === 409 ? 'not_running' : r.status === 404 ? 'not_found' : r.status === 503 ? 'unavailable' : 'http';
    throw new DataError(kind, r.status, message);
  }

  async json<T>(path: string, params: Params = {}): Promise<T> {
    return (await this.jsonPartial<T>(path, params)).body;
  }

  /**
   * As json(), and whether the server answered from a first load still running
   * (X-Vizjobs-Partial: the runs read so far; a run not in the answer may not be read yet).
   */
  async jsonPartial<T>(path: string, params: Params = {}): Promise<{ body: T; partial: boolean }> {
    const r = await this.raw(path, params);
    const body: unknown = await r.json();
    noteTags(path, body);
    return { body: body as T, partial: r.headers.has('x-vizjobs-partial') };
  }

  /** A form POST, as TensorBoard's own frontend sends scalars_multirun (runs repeated). */
  async postForm<T>(path: string, body: URLSearchParams): Promise<T> {
    const r = await this.raw(path, {}, { method: 'POST', body: body.toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    return (await r.json()) as T;
  }

  async postJson<T>(path: string, body: unknown): Promise<T> {
    const r = await this.raw(path, {}, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
    return (await r.json()) as T;
  }
}
