// A fake GitHub REST API on loopback: the endpoints OurCI uses (commit statuses, open pull
// requests with Link pagination, combined status, app installation tokens), checked the way
// GitHub checks them (auth, 140-character descriptions), every request recorded, and
// failures on demand: 5xx, 429 with Retry-After, secondary rate limits, exhausted quotas.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { verify } from 'node:crypto';
import { onTestFinished } from 'vitest';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: unknown;
  at: number;
  /** Status the fake answered with. */
  status: number;
}

export interface FakeStatus {
  repo: string;
  sha: string;
  state: string;
  description?: string;
  target_url?: string;
  context: string;
  at: number;
}

export interface FakePull {
  number: number;
  sha: string;
  ref: string;
  title: string;
}

export interface Failure {
  method?: string;
  path?: RegExp;
  /** How many matching requests fail (default 1). */
  times?: number;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface FakeGitHubOptions {
  /** The token requests must carry (`token X` or `bearer X`). */
  token?: string;
  /** A GitHub App: JWTs must verify with this public key; installation tokens are minted. */
  app?: { appId: string; publicKeyPem: string; installationId: number };
  /** Largest page the fake serves, whatever per_page asks (to exercise pagination). */
  pageSize?: number;
}

const STATES = new Set(['pending', 'success', 'failure', 'error']);

export class FakeGitHub {
  url = '';
  readonly requests: RecordedRequest[] = [];
  readonly statuses: FakeStatus[] = [];
  readonly pulls = new Map<string, FakePull[]>();
  readonly failures: Failure[] = [];
  /** Installation tokens minted so far. */
  readonly minted: string[] = [];
  private readonly server = createServer((req, res) => void this.handle(req, res));

  constructor(private readonly o: FakeGitHubOptions = {}) {}

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const addr = this.server.address() as { port: number };
    this.url = `http://127.0.0.1:${addr.port}`;
    return this;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** Makes the next matching requests fail. */
  fail(f: Failure): void {
    this.failures.push({ times: 1, ...f });
  }

  addPull(repo: string, pr: FakePull): void {
    const list = this.pulls.get(repo) ?? [];
    list.push(pr);
    this.pulls.set(repo, list);
  }

  /** A status set before the test (e.g. by an earlier run or another CI). */
  preset(repo: string, sha: string, context: string, state: string): void {
    this.statuses.push({ repo, sha, context, state, at: Date.now() });
  }

  statusesOf(sha: string, context = 'ourci'): FakeStatus[] {
    return this.statuses.filter((s) => s.sha === sha && s.context === context);
  }

  latest(sha: string, context = 'ourci'): FakeStatus | undefined {
    return this.statusesOf(sha, context).at(-1);
  }

  requestsTo(path: RegExp, method?: string): RecordedRequest[] {
    return this.requests.filter((r) => path.test(r.path) && (!method || r.method === method));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const chunks: Buffer[] = [];
    for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = undefined;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    const rec: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body, at: Date.now(), status: 0 };
    this.requests.push(rec);
    const send = (status: number, data: unknown, headers: Record<string, string> = {}): void => {
      rec.status = status;
      const out = JSON.stringify(data ?? {});
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-ratelimit-remaining': '4999', ...headers });
      res.end(out);
    };
    const f = this.failures.find((x) => (x.times ?? 1) > 0 && (!x.method || x.method === rec.method) && (!x.path || x.path.test(rec.path)));
    if (f) {
      f.times = (f.times ?? 1) - 1;
      return send(f.status, f.body ?? { message: `injected ${f.status}` }, f.headers);
    }
    const denied = this.authError(rec);
    if (denied) return send(401, { message: denied, documentation_url: 'https://docs.github.com/rest' });
    let m: RegExpExecArray | null;
    if (rec.method === 'POST' && (m = /^\/repos\/([^/]+\/[^/]+)\/statuses\/([0-9a-f]{40})$/.exec(rec.path))) {
      const b = (body ?? {}) as Record<string, unknown>;
      if (typeof b.state !== 'string' || !STATES.has(b.state)) return send(422, { message: 'Validation Failed', errors: [{ field: 'state' }] });
      if (typeof b.description === 'string' && b.description.length > 140) {
        return send(422, { message: 'Validation Failed', errors: [{ field: 'description', code: 'custom', message: 'description is too long (maximum is 140 characters)' }] });
      }
      const s: FakeStatus = {
        repo: m[1]!,
        sha: m[2]!,
        state: b.state,
        description: b.description as string | undefined,
        target_url: b.target_url as string | undefined,
        context: typeof b.context === 'string' ? b.context : 'default',
        at: Date.now(),
      };
      this.statuses.push(s);
      return send(201, { id: this.statuses.length, ...s });
    }
    if (rec.method === 'GET' && (m = /^\/repos\/([^/]+\/[^/]+)\/pulls$/.exec(rec.path))) {
      const repo = m[1]!;
      const all = url.searchParams.get('state') === 'open' || !url.searchParams.get('state') ? (this.pulls.get(repo) ?? []) : [];
      const per = Math.min(Number(url.searchParams.get('per_page') ?? 30), this.o.pageSize ?? 100);
      const page = Number(url.searchParams.get('page') ?? 1);
      const slice = all.slice((page - 1) * per, page * per);
      const headers: Record<string, string> = {};
      if (page * per < all.length) {
        const next = new URL(url);
        next.searchParams.set('page', String(page + 1));
        headers.link = `<${next.toString()}>; rel="next"`;
      }
      return send(200, slice.map((p) => pullJson(repo, p, this.url)), headers);
    }
    if (rec.method === 'GET' && (m = /^\/repos\/([^/]+\/[^/]+)\/commits\/([^/]+)\/status$/.exec(rec.path))) {
      const [repo, ref] = [m[1]!, m[2]!];
      const latest = new Map<string, FakeStatus>();
      for (const s of this.statuses) if (s.repo === repo && s.sha === ref) latest.set(s.context, s);
      const statuses = [...latest.values()].map((s) => ({ state: s.state, context: s.context, description: s.description ?? null, target_url: s.target_url ?? null }));
      const state = statuses.some((s) => s.state === 'failure' || s.state === 'error') ? 'failure' : statuses.every((s) => s.state === 'success') && statuses.length ? 'success' : 'pending';
      return send(200, { state, sha: ref, total_count: statuses.length, statuses });
    }
    if (rec.method === 'GET' && /^\/repos\/[^/]+\/[^/]+\/installation$/.test(rec.path) && this.o.app) {
      return send(200, { id: this.o.app.installationId, app_id: Number(this.o.app.appId) });
    }
    if (rec.method === 'POST' && (m = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(rec.path)) && this.o.app) {
      if (Number(m[1]) !== this.o.app.installationId) return send(404, { message: 'Not Found' });
      const token = `ghs_fake${this.minted.length + 1}`;
      this.minted.push(token);
      return send(201, { token, expires_at: new Date(Date.now() + 3600_000).toISOString(), permissions: { statuses: 'write' }, repository_selection: 'all' });
    }
    send(404, { message: 'Not Found' });
  }

  /** GitHub's auth rules, as far as OurCI meets them. */
  private authError(rec: RecordedRequest): string | undefined {
    const h = String(rec.headers.authorization ?? '');
    const [scheme, cred] = h.split(' ');
    if (!scheme || !cred) return 'Requires authentication';
    if (this.o.token !== undefined) return cred === this.o.token ? undefined : 'Bad credentials';
    const app = this.o.app;
    if (!app) return undefined;
    const appRoute = rec.path.startsWith('/app/') || /\/installation$/.test(rec.path);
    if (appRoute) return scheme.toLowerCase() === 'bearer' && this.jwtValid(cred, app) ? undefined : 'A JSON web token could not be decoded';
    return this.minted.includes(cred) ? undefined : 'Bad credentials';
  }

  private jwtValid(jwt: string, app: NonNullable<FakeGitHubOptions['app']>): boolean {
    const [h, p, s] = jwt.split('.');
    if (!h || !p || !s) return false;
    const ok = verify('RSA-SHA256', Buffer.from(`${h}.${p}`), app.publicKeyPem, Buffer.from(s, 'base64url'));
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as { iss?: unknown; exp?: number };
    return ok && String(claims.iss) === app.appId && (claims.exp ?? 0) * 1000 > Date.now();
  }
}

function pullJson(repo: string, p: FakePull, base: string): unknown {
  const repoJson = { full_name: repo, clone_url: `https://github.example/${repo}.git`, url: `${base}/repos/${repo}` };
  return {
    number: p.number,
    state: 'open',
    title: p.title,
    head: { sha: p.sha, ref: p.ref, repo: repoJson },
    base: { sha: '0'.repeat(40), ref: 'main', repo: repoJson },
  };
}

/** Starts a fake GitHub for this test; it stops when the test ends. */
export async function startFakeGitHub(o: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const f = await new FakeGitHub(o).listen();
  onTestFinished(() => f.close());
  return f;
}
