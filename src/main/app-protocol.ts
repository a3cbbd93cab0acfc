// The app's own scheme, ourci-bench://app/…, serving the built renderer with a CSP header:
// unlike file:// it gives the page a real origin (what the sender check compares) and lets
// the policy travel as a header. Pure path logic here; the Electron glue is in index.ts.
import { extname, join, normalize, sep } from 'node:path';
import { contentTypeOf } from '../bench';

export const APP_SCHEME = 'ourci-bench';
export const APP_ORIGIN = `${APP_SCHEME}://app`;
export const APP_ENTRY = `${APP_ORIGIN}/index.html`;


/** The file under `root` a request names, or undefined for anything outside it or another host. */
export function resolveAppFile(root: string, requestUrl: string): { file: string; type: string } | undefined {
  let u: URL;
  try {
    u = new URL(requestUrl);
  } catch {
    return undefined;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== 'app') return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(u.pathname);
  } catch {
    return undefined;
  }
  // Nothing that tries to climb is served, even where normalising would keep it inside.
  if (decoded.split(/[/\\]/).includes('..')) return undefined;
  let rel = normalize(decoded).replace(/^([/\\])+/, '');
  // App routes (#/boards…) and the bare origin show the page.
  if (rel === '' || !extname(rel)) rel = 'index.html';
  const base = root.endsWith(sep) ? root : root + sep;
  const file = join(base, rel);
  if (!file.startsWith(base)) return undefined;
  return { file, type: contentTypeOf(file) };
}
