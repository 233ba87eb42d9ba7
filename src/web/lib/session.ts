// Who is signed in, per browser rather than per tab: the console's sign-in (POST /v1/auth/session)
// sets an HttpOnly sealed cookie that every tab of the browser sends, the job API takes with the
// console's header (api/access.ts CONSOLE_SESSION_HEADER) and the viewer takes as it is; sign-out
// revokes it for all of them. The token itself is never kept where scripts can read it. The
// project id (not a secret) is remembered in localStorage so a new tab knows which project to list.
// A server without the sign-in route (`vizjobs view`) gets the token as a header instead, kept in
// this tab's sessionStorage only.
import { appRoot } from './app-root.js';

const TOKEN = 'vizjobs.token';
const PROJECT = 'vizjobs.project';
const LAST_PROJECT = 'vizjobs.lastProject';
/** Written on sign-in and sign-out so the browser's other tabs follow (the `storage` event). */
export const SESSION_EVENT_KEY = 'vizjobs.sessionChanged';

/** The header the job API requires before it takes the cookie (no other site can send it). */
export const CONSOLE_HEADER = 'X-Vizjobs-Console';

export interface Session {
  token: string;
  projectId: string;
}

/** A header-token session of this tab only (servers without the sign-in cookie). */
export function loadSession(): Session | undefined {
  const token = sessionStorage.getItem(TOKEN);
  const projectId = sessionStorage.getItem(PROJECT);
  return token && projectId ? { token, projectId } : undefined;
}

export function saveSession(s: Session): void {
  sessionStorage.setItem(TOKEN, s.token);
  sessionStorage.setItem(PROJECT, s.projectId);
}

export function clearSession(): void {
  sessionStorage.removeItem(TOKEN);
  sessionStorage.removeItem(PROJECT);
}

export function lastProject(): string {
  try {
    return localStorage.getItem(LAST_PROJECT) ?? '';
  } catch {
    return '';
  }
}

export function rememberProject(projectId: string): void {
  try {
    localStorage.setItem(LAST_PROJECT, projectId);
  } catch {
    // Private mode: a new tab asks for the project again, nothing worse.
  }
}

/** Tells the browser's other tabs that the session changed (they re-check it). */
export function announceSessionChange(): void {
  try {
    localStorage.setItem(SESSION_EVENT_KEY, String(Date.now()));
  } catch {
    // Other tabs notice at their next request instead.
  }
}

export interface CookieAnswer {
  ok: boolean;
  /** 0 when the server could not be reached. */
  status: number;
  /** The envelope's message and code when refused. */
  message?: string;
  code?: string;
}

async function sessionCall(method: 'GET' | 'POST' | 'DELETE', body?: unknown, token?: string): Promise<CookieAnswer> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers['X-Auth-Token'] = token;
  try {
    const r = await fetch(`${appRoot(location.pathname)}v1/auth/session`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
    if (r.ok) return { ok: true, status: r.status };
    const env = (await r.json().catch(() => ({}))) as { error_message?: string; error_code?: string };
    return { ok: false, status: r.status, message: env.error_message, code: env.error_code };
  } catch {
    return { ok: false, status: 0 };
  }
}

/** Signs this browser in (the cookie); with `projectId` the server also checks the token is for it. */
export function startCookieSession(token: string, projectId?: string): Promise<CookieAnswer> {
  return sessionCall('POST', projectId === undefined ? { token } : { token, project_id: projectId }, token);
}

/** Whether this browser holds a valid, not signed-out sign-in cookie. */
export function cookieSession(): Promise<CookieAnswer> {
  return sessionCall('GET');
}

/** Signs the browser out: the server revokes the session, so no tab and no copy of the cookie works any more. */
export async function endCookieSession(): Promise<void> {
  await sessionCall('DELETE');
  clearSession();
  announceSessionChange();
}

/** Whether the server has no sign-in route (then the token goes as a header). */
export function noCookieRoute(a: CookieAnswer): boolean {
  return a.status === 404 || a.status === 405;
}
