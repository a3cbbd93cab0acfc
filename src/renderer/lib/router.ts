// A few routes need no router library: the location in a store, pushState to move, and a
// Link that keeps ctrl/middle click opening new tabs.
import { create } from 'zustand';

export interface Location {
  path: string;
  query: URLSearchParams;
}

const current = (): Location => ({ path: location.pathname, query: new URLSearchParams(location.search) });

export const useLocation = create<Location>(() => current());

if (typeof window !== 'undefined') {
  window.addEventListener('popstate', () => useLocation.setState(current(), true));
}

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  const here = location.pathname + location.search;
  if (to === here) return;
  if (opts.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  useLocation.setState(current(), true);
  if (!opts.replace) window.scrollTo(0, 0);
}

/** `/jobs/:id` style matching; returns the params or null. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/').filter(Boolean);
  const s = path.split('/').filter(Boolean);
  if (p.length !== s.length) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i]!.startsWith(':')) out[p[i]!.slice(1)] = decodeURIComponent(s[i]!);
    else if (p[i] !== s[i]) return null;
  }
  return out;
}

/** Builds `path?query` from an object, leaving out empty values. */
export function withQuery(path: string, q: Record<string, string | number | undefined>): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') sp.set(k, String(v));
  const s = sp.toString();
  return s ? `${path}?${s}` : path;
}
