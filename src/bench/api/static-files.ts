// The bench UI's built files (vite.bench.config.ts → dist/bench-ui), served by the headless
// bench. Read from disk per request: the bundle is small and the bench serves one operator.
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_CSP } from '../../shared/bench/csp';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
};


/** The Content-Type of a file of the built UI (also used by the Electron app's scheme). */
export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';
}

/** Beside the CLI bundle (dist/cli.mjs → dist/bench-ui), or dist/ of a source checkout. */
export function locateBenchUi(): string | undefined {
  for (const rel of ['./bench-ui/', '../../../dist/bench-ui/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  return undefined;
}

const NOT_BUILT =
  '<!doctype html><meta charset="utf-8"><title>OurCI bench</title><body style="font:16px system-ui;margin:3em">' +
  '<h1>OurCI bench</h1><p>The bench UI is not built in this checkout: run <code>npm run build:bench-ui</code> and reload.</p>';

export async function serveStatic(dir: string | undefined, req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
  const head = req.method === 'HEAD';
  if (!dir) return send(res, 200, 'text/html; charset=utf-8', Buffer.from(NOT_BUILT), head, 'no-cache');
  const rel = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, '');
  const isAsset = /\.[a-z0-9]+$/i.test(rel);
  const file = join(dir, isAsset ? rel : 'index.html');
  if (!file.startsWith(dir.endsWith(sep) ? dir : dir + sep)) return send(res, 404, 'text/plain', Buffer.from('not found\n'), head, 'no-cache');
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new Error('not a file');
    const body = await readFile(file);
    const type = contentTypeOf(file);
    // Vite names assets by content hash: cache them for good, revalidate the page.
    send(res, 200, type, body, head, rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
  } catch {
    send(res, 404, 'text/plain; charset=utf-8', Buffer.from(`not found: ${pathname}\n`), head, 'no-cache');
  }
}

function send(res: ServerResponse, status: number, type: string, body: Buffer, head: boolean, cache: string): void {
  const headers: Record<string, string | number> = {
    'content-type': type,
    'content-length': body.length,
    'cache-control': cache,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
  if (type.startsWith('text/html')) headers['content-security-policy'] = BENCH_CSP;
  res.writeHead(status, headers);
  res.end(head ? undefined : body);
}
