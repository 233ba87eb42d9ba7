// The page's address is its shareable state: `#<tab>?<settings>`. The tab comes first so old
// links (`#histograms`) still open their tab; the settings are URLSearchParams, so any run name or
// regex survives the round trip. Pure functions (no DOM), shared by main.ts and state.ts.

export interface HashState {
  tab: string;
  params: URLSearchParams;
}

export function parseHash(hash: string): HashState {
  const s = hash.replace(/^#/, '');
  const q = s.indexOf('?');
  const tab = decodeURIComponent(q < 0 ? s : s.slice(0, q));
  return { tab, params: new URLSearchParams(q < 0 ? '' : s.slice(q + 1)) };
}

export function formatHash(tab: string, params: URLSearchParams): string {
  const qs = params.toString();
  return `#${encodeURIComponent(tab)}${qs ? `?${qs}` : ''}`;
}
