// Serves the dashboard SPA built by `npm run build:dashboard` (dist/dashboard): hashed assets
// cached for a year, index.html revalidated every time, deep links answered with index.html.
// Files are read once into memory and gzipped once: the whole app is a few hundred KB.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** The page's CSP as a header too (the meta tag cannot carry frame-ancestors). */
const CSP =
  "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self' 'unsafe-inline'; " +
  "object-src 'none'; base-uri 'self'; frame-ancestors 'none'";

interface StaticFile {
  body: Buffer;
  gzip?: Buffer;
  type: string;
  etag: string;
  immutable: boolean;
}

/** Where the built SPA is: beside the CLI bundle (dist/cli.mjs), or dist/ of a source checkout. */
export function locateDashboardDir(): string | undefined {
  const candidates = [new URL('./dashboard/', import.meta.url), new URL('../../dist/dashboard/', import.meta.url)];
  for (const c of candidates) {
    const dir = fileURLToPath(c);
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  return undefined;
}

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile()) out.push(p);
  }
  return out;
}

function load(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  for (const abs of walk(dir)) {
    const rel = '/' + relative(dir, abs).split(sep).join('/');
    const body = readFileSync(abs);
    const type = TYPES[extname(abs)] ?? 'application/octet-stream';
    const compressible = /^(text\/|application\/json|image\/svg)/.test(type) && body.length > 1024;
    files.set(rel, {
      body,
      gzip: compressible ? gzipSync(body, { level: 9 }) : undefined,
      type,
      etag: `"${createHash('sha1').update(body).digest('base64url')}"`,
      // Vite puts content-hashed names under /assets/: safe to cache forever.
      immutable: rel.startsWith('/assets/'),
    });
  }
  return files;
}

const NOT_BUILT =
  '<!doctype html><meta charset="utf-8"><title>OurCI</title><body style="font:16px system-ui;margin:3em">' +
  '<h1>OurCI master</h1><p>The dashboard is not built in this checkout. Run <code>npm run build:dashboard</code> ' +
  '(or <code>npm ci</code>, which builds it) and reload.</p><p>The API is at <code>/rpc</code>.</p>';

export class StaticSite {
  private files = new Map<string, StaticFile>();
  private indexMtime = -1;

  constructor(private readonly dir: string | undefined) {}

  /** Re-reads the build when index.html changed (a rebuild while the master runs). */
  private refresh(): void {
    if (!this.dir) return;
    let mtime: number;
    try {
      mtime = statSync(join(this.dir, 'index.html')).mtimeMs;
    } catch {
      this.files.clear();
      this.indexMtime = -1;
      return;
    }
    if (mtime !== this.indexMtime) {
      this.files = load(this.dir);
      this.indexMtime = mtime;
    }
  }

  /** Answers a GET/HEAD: the file if it exists, else index.html for app routes (deep links). */
  serve(req: IncomingMessage, res: ServerResponse, pathname: string): void {
    this.refresh();
    const isAsset = pathname.startsWith('/assets/') || /\.[a-z0-9]+$/i.test(pathname);
    const file = this.files.get(pathname) ?? (isAsset ? undefined : this.files.get('/index.html'));
    if (!file) {
      if (!isAsset && this.files.size === 0) return sendText(res, 200, 'text/html; charset=utf-8', NOT_BUILT, req.method === 'HEAD');
      return sendText(res, 404, 'text/plain; charset=utf-8', `not found: ${pathname}\n`, req.method === 'HEAD');
    }
    const headers: Record<string, string | number> = {
      'content-type': file.type,
      etag: file.etag,
      'cache-control': file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'x-content-type-options': 'nosniff',
      vary: 'accept-encoding',
    };
    if (file.type.startsWith('text/html')) {
      headers['content-security-policy'] = CSP;
      headers['referrer-policy'] = 'same-origin';
    }
    if (req.headers['if-none-match'] === file.etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    const gzip = file.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip ? file.gzip! : file.body;
    if (gzip) headers['content-encoding'] = 'gzip';
    headers['content-length'] = body.length;
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  }
}

function sendText(res: ServerResponse, status: number, type: string, text: string, head: boolean): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-cache' });
  res.end(head ? undefined : text);
}
