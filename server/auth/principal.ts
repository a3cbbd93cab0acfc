// Who is calling: derived from the bearer token, never from the frame's `src`.
import { expandScope, type Scope } from '../../src/shared/rpc/contract';

export interface Principal {
  kind: Scope | 'anonymous';
  /** Effective scopes (admin implies agent and viewer). */
  scopes: readonly Scope[];
  /** For logs and Agent.List. */
  name: string;
  /** Set for task-scoped tokens: the attempt they belong to. */
  task?: { job: string; task: string; attempt: number };
}

export function principalFor(scope: Scope, name: string): Principal {
  return { kind: scope, scopes: expandScope(scope), name };
}

export const ANONYMOUS: Principal = { kind: 'anonymous', scopes: [], name: 'anonymous' };
export const PUBLIC_READER: Principal = { kind: 'anonymous', scopes: ['viewer'], name: 'public' };

export function allows(p: Principal, scopes: readonly Scope[]): boolean {
  for (const s of scopes) if (p.scopes.includes(s)) return true;
  return p.scopes.includes('admin');
}
