// What agents started from the CLI connect with, and what their tasks inherit.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { UnauthorizedError } from '../shared/errors';
import { clientTarget, DEFAULT_DATA, type Env } from './config';
import type { CliContext } from './context';

/** Agent credentials: --token, OURCI_TOKEN, OURCI_AGENT_TOKEN, config agentToken, or a local master's agent.token. */
export function agentTarget(ctx: CliContext, cmd: Command): { url: string; token: string } {
  const file = ctx.fileConfig(cmd);
  const o = cmd.optsWithGlobals() as { url?: string; token?: string };
  const t = clientTarget({ url: o.url, token: o.token ?? ctx.env.OURCI_TOKEN ?? ctx.env.OURCI_AGENT_TOKEN ?? file.agentToken }, ctx.env, {});
  let token = o.token ?? ctx.env.OURCI_TOKEN ?? ctx.env.OURCI_AGENT_TOKEN ?? file.agentToken;
  if (!token) {
    const f = join(resolve(ctx.env.OURCI_DATA ?? file.data ?? DEFAULT_DATA), 'agent.token');
    if (existsSync(f)) token = readFileSync(f, 'utf8').trim();
  }
  if (!token) throw new UnauthorizedError('no agent token: pass --token or set OURCI_AGENT_TOKEN');
  return { url: t.url, token };
}

const PRIVATE = new Set(['OURCI_TOKEN', 'OURCI_AGENT_TOKEN', 'OURCI_ADMIN_TOKEN', 'GITHUB_TOKEN', 'GITHUB_WEBHOOK_SECRET', 'OURCI_CONFIG']);

/** The agent's environment minus its own credentials: what a task starts from. */
export function taskBaseEnv(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !PRIVATE.has(k)) out[k] = v;
  return out;
}
