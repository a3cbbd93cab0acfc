// The master serves the dashboard without a token: index.html for app routes (deep links),
// hashed assets cached forever and gzipped, nothing outside the build.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TokenStore } from '../../../server/auth/token-store';
import { registerDashboard } from '../../../server/dashboard/index';
import { HttpServer } from '../../../server/http/http-server';
import { tempDir } from '../../helpers/master';

let server: HttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(dir: string | null): Promise<string> {
  server = new HttpServer({ tokens: new TokenStore({ admin: 'a-token', agent: 'g-token', viewer: 'v-token' }), publicRead: false });
  registerDashboard(server, dir);
  const port = await server.listen('127.0.0.1', 0);
  return `http://127.0.0.1:${port}`;
}

function fakeBuild(): string {
  const dir = tempDir();
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><div id="root"></div><script src="/assets/index-abc.js"></script>');
  writeFileSync(join(dir, 'assets', 'index-abc.js'), 'console.log("dashboard");\n'.repeat(200));
  return dir;
}

describe('dashboard static site', () => {
  it('answers app routes and deep links with index.html, revalidated every time', async () => {
    const base = await serve(fakeBuild());
    for (const path of ['/', '/jobs', '/jobs/42', '/tasks/7', '/agents', '/queues/']) {
      const res = await fetch(base + path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(await res.text()).toContain('<div id="root">');
    }
  });

  it('serves hashed assets immutable, gzipped on request, with ETag revalidation', async () => {
    const base = await serve(fakeBuild());
    const res = await fetch(`${base}/assets/index-abc.js`, { headers: { 'accept-encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(await res.text()).toContain('dashboard');
    const again = await fetch(`${base}/assets/index-abc.js`, { headers: { 'if-none-match': res.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });

  it('answers 404 for missing assets and leaves other paths to other routes', async () => {
    const base = await serve(fakeBuild());
    expect((await fetch(`${base}/assets/nope.js`)).status).toBe(404);
    expect((await fetch(`${base}/assets/..%2Findex.html`)).status).toBe(404);
    expect((await fetch(`${base}/jobs/1/2`)).status).toBe(404);
    expect((await fetch(`${base}/rpc/Sys.GetInfo`)).status).toBe(404);
    expect((await fetch(`${base}/`, { method: 'POST' })).status).toBe(405);
  });

  it('says how to build the dashboard when it is missing', async () => {
    const base = await serve(null);
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('npm run build:dashboard');
  });
});
