// The signed-in identity of this browser tab: the token and project id live in sessionStorage
// (gone when the tab closes). The server-side cookie that lets viewer pages load without a header
// comes from POST /v1/auth/session, which the console calls at sign-in.
import { appRoot } from './app-root.js';

const TOKEN = 'vizjobs.token';
const PROJECT = 'vizjobs.project';

export interface Session {
  token: string;
  projectId: string;
}

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

/** Asks the server for the viewer cookie; a server without the route (404/405) is not an error. */
export async function startCookieSession(token: string): Promise<{ ok: boolean; status: number }> {
  try {
    const r = await fetch(`${appRoot(location.pathname)}v1/auth/session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Auth-Token': token },
      body: JSON.stringify({ token }),
      credentials: 'same-origin',
    });
    return { ok: r.ok, status: r.status };
  } catch {
    return { ok: false, status: 0 };
  }
}
