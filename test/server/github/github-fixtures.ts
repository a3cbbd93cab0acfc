// Shared by the GitHub tests: real recorded payloads from @octokit/webhooks-examples, signed
// like GitHub signs them, and a master wired to a fake GitHub.
import { createHmac, randomUUID } from 'node:crypto';
import { request } from 'node:http';
import examples from '@octokit/webhooks-examples';
import { pino } from 'pino';
import type { GitHubConfig } from '../../../server/github/index';
import type { Master } from '../../../server/master';
import type { MasterConfig } from '../../../server/config';
import type { FakeGitHub } from '../../helpers/fake-github';
import { startMaster } from '../../helpers/master';

export const SECRET = 'It is a secret to everybody';
export const TOKEN = 'ghp_testtoken';
export const REPO = 'Codertocat/Hello-World';

/** A deep copy of a recorded example payload. */
export function example(name: string, action?: string): Record<string, unknown> {
  const def = examples.find((d) => d.name === name);
  const ex = def?.examples.find((e) => action === undefined || (e as { action?: string }).action === action);
  if (!ex) throw new Error(`no example ${name}${action ? `.${action}` : ''}`);
  return structuredClone(ex) as Record<string, unknown>;
}

export interface PrFields {
  action: string;
  sha: string;
  number?: number;
  ref?: string;
  title?: string;
}

/** The recorded pull_request example of that action, pointed at another head commit. */
export function prPayload(f: PrFields): Record<string, unknown> {
  const p = example('pull_request', f.action) as {
    number: number;
    pull_request: { number: number; title: string; head: { sha: string; ref: string } };
  };
  p.pull_request.head.sha = f.sha;
  if (f.number !== undefined) p.number = p.pull_request.number = f.number;
  if (f.ref !== undefined) p.pull_request.head.ref = f.ref;
  if (f.title !== undefined) p.pull_request.title = f.title;
  return p as unknown as Record<string, unknown>;
}

export function sign(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface Delivery {
  event: string;
  body: unknown;
  secret?: string | null;
  delivery?: string;
  headers?: Record<string, string>;
}

export async function deliver(url: string, d: Delivery): Promise<{ status: number; json: Record<string, unknown>; delivery: string }> {
  const text = typeof d.body === 'string' ? d.body : JSON.stringify(d.body);
  const delivery = d.delivery ?? randomUUID();
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/test',
    'x-github-event': d.event,
    'x-github-delivery': delivery,
    ...d.headers,
  };
  if (d.secret !== null && !headers['x-hub-signature-256']) headers['x-hub-signature-256'] = sign(d.secret ?? SECRET, text);
  // A fresh connection per delivery (as GitHub does): a pooled one may point at a master that was restarted.
  const res = await new Promise<{ status: number; raw: string }>((resolve, reject) => {
    const req = request(`${url}/webhooks/github`, { method: 'POST', headers, agent: false }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => resolve({ status: r.statusCode ?? 0, raw: Buffer.concat(chunks).toString('utf8') }));
      r.on('error', reject);
    });
    req.on('error', reject);
    req.end(text);
  });
  const raw = res.raw;
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    json = { raw };
  }
  return { status: res.status, json, delivery };
}

/** Settings for a fast test: no gap between POSTs, short backoff, immediate progress updates. */
export function githubSettings(fake: FakeGitHub, over: Partial<GitHubConfig> = {}): GitHubConfig {
  return {
    apiUrl: fake.url,
    token: TOKEN,
    webhookSecret: SECRET,
    statusIntervalMs: 0,
    postGapMs: 0,
    retryBaseMs: 20,
    retryMaxMs: 2000,
    reconcile: false,
    ...over,
  };
}

export async function githubMaster(fake: FakeGitHub, over: Partial<GitHubConfig> = {}, master: Partial<MasterConfig> = {}): Promise<Master> {
  return startMaster({ publicUrl: 'https://ci.example', github: githubSettings(fake, over), logger: pino({ level: 'silent' }), ...master });
}

export const sha = (n: number): string => n.toString(16).padStart(40, 'a');
