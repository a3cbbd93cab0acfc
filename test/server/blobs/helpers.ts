// Shared by the blob tests: raw HTTP requests (paths sent exactly as written), task tokens
// through a test-only resolver, and a look at what is on disk.
import { request } from 'node:http';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Master } from '../../../server/master';
import type { TokenStore } from '../../../server/auth/token-store';
import type { Principal } from '../../../server/auth/principal';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  json(): { error?: { code: number; message: string } } & Record<string, unknown>;
}

/** One HTTP request with `path` sent byte for byte (no URL normalization, unlike fetch). */
export function raw(
  master: Master,
  method: string,
  path: string,
  opts: { token?: string; headers?: Record<string, string | number>; body?: Buffer | string } = {},
): Promise<RawResponse> {
  const headers: Record<string, string | number> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: master.port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body.toString('utf8')) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const tokenStoreOf = (m: Master): TokenStore => (m.http as unknown as { opts: { tokens: TokenStore } }).opts.tokens;

/** A task-scoped token for `job`, as the jobs layer will mint them (test-only resolver). */
export function taskToken(master: Master, job: string, task = 'task1', attempt = 1): string {
  const token = `oct_${randomBytes(12).toString('hex')}`;
  const principal: Principal = { kind: 'task', scopes: ['task'], name: `task ${task}`, task: { job, task, attempt } };
  tokenStoreOf(master).addResolver((t) => (t === token ? principal : undefined));
  return token;
}

/** Every file under `<data>/blobs`, relative to it (temporary uploads included). */
export function blobFiles(master: Master): string[] {
  const root = join(master.dataDir, 'blobs');
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(root, p));
    }
  };
  walk(root);
  return out.sort();
}

export const blobUrl = (master: Master, job: string, name: string): string => `${master.url}/blobs/${job}/${name}`;
