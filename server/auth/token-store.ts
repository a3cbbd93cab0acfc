// Bearer tokens. The admin, agent and viewer tokens live in files in the data directory
// (mode 0600), created on first start unless given by flags/environment; other resolvers
// (task-scoped tokens) plug in with `addResolver`.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Scope } from '../../src/shared/rpc/contract';
import { principalFor, type Principal } from './principal';

export type TokenResolver = (token: string) => Principal | undefined;

export interface StaticTokens {
  admin: string;
  agent: string;
  viewer: string;
}

export interface TokenFiles {
  admin: string;
  agent: string;
  viewer: string;
}

export function newToken(prefix: string): string {
  return `${prefix}_${randomBytes(24).toString('base64url')}`;
}

export function tokenFiles(dataDir: string): TokenFiles {
  return { admin: join(dataDir, 'admin.token'), agent: join(dataDir, 'agent.token'), viewer: join(dataDir, 'viewer.token') };
}

/** Reads the token files, creating missing ones; explicit values win and are not written. */
export function loadOrCreateTokens(dataDir: string, given: Partial<StaticTokens>): { tokens: StaticTokens; files: TokenFiles } {
  const files = tokenFiles(dataDir);
  const get = (scope: keyof StaticTokens, prefix: string): string => {
    const explicit = given[scope];
    if (explicit) return explicit;
    const file = files[scope];
    if (existsSync(file)) {
      const t = readFileSync(file, 'utf8').trim();
      if (t) return t;
    }
    const t = newToken(prefix);
    writeFileSync(file, `${t}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    return t;
  };
  return { tokens: { admin: get('admin', 'oca'), agent: get('agent', 'ocg'), viewer: get('viewer', 'ocv') }, files };
}

const digest = (t: string): Buffer => createHash('sha256').update(t).digest();

export class TokenStore {
  private readonly fixed: Array<{ hash: Buffer; scope: Scope }>;
  private readonly resolvers: TokenResolver[] = [];

  constructor(tokens: StaticTokens) {
    this.fixed = (['admin', 'agent', 'viewer'] as const).map((scope) => ({ hash: digest(tokens[scope]), scope }));
  }

  addResolver(r: TokenResolver): void {
    this.resolvers.push(r);
  }

  /** The principal for a bearer token, or undefined. Compares digests in constant time. */
  authenticate(token: string | undefined): Principal | undefined {
    if (!token || token.length > 512) return undefined;
    const h = digest(token);
    for (const f of this.fixed) if (timingSafeEqual(h, f.hash)) return principalFor(f.scope, f.scope);
    for (const r of this.resolvers) {
      const p = r(token);
      if (p) return p;
    }
    return undefined;
  }
}

/** Extracts the token from `Authorization: Bearer …`, from HTTP Basic with the token as the
 * password (any user name; what curl sends for `http://ourci:TOKEN@host/…`, so a BLOB_URL
 * carries its capability), or from a `bearer.<token>` WebSocket subprotocol (browsers cannot
 * set headers on a WebSocket). */
export function bearerFrom(headers: Record<string, string | string[] | undefined>): string | undefined {
  const auth = headers['authorization'];
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1];
    const b = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(auth);
    if (b) return basicPassword(b[1]!);
  }
  const proto = headers['sec-websocket-protocol'];
  if (typeof proto === 'string') {
    for (const p of proto.split(',')) {
      const t = p.trim();
      if (t.startsWith('bearer.')) return t.slice('bearer.'.length);
    }
  }
  return undefined;
}

/** The password of `Basic base64(user:password)`, or the user when the password is empty
 * (`curl -u TOKEN:`). */
function basicPassword(b64: string): string | undefined {
  const text = Buffer.from(b64, 'base64').toString('utf8');
  const i = text.indexOf(':');
  const secret = i < 0 ? text : text.slice(i + 1) || text.slice(0, i);
  return secret === '' ? undefined : secret;
}
