// Where the app lives in the browser's URL space: '/' normally, '/some/prefix/' behind a proxy that
// serves vizjobs under a path and strips it before forwarding. Every URL the pages build (API calls,
// sign-in, links back to the console) starts at appRoot(location.pathname), so nothing assumes the
// server is at '/'. Pure (no DOM) so the Node-side tests check it.

/** The app's root path, ending in '/': what precedes visualization/{project}/{job}/ on a viewer page, the page's directory on the console. */
export function appRoot(pathname: string): string {
  const m = /^(.*?\/)visualization\/[^/]+\/[^/]+(?:\/|$)/.exec(pathname);
  if (m) return m[1];
  return pathname.slice(0, pathname.lastIndexOf('/') + 1) || '/';
}
