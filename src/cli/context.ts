// What every subcommand gets: the environment snapshot, the config file, and helpers to
// reach the master.
import type { Command } from 'commander';
import { connectMaster, type MasterClient } from '../client/master-client';
import { BadRequestError, UnauthorizedError } from '../shared/errors';
import { clientTarget, loadFileConfig, type Env, type FileConfig } from './config';

export interface CliContext {
  env: Env;
  version: string;
  fileConfig(cmd: Command): FileConfig;
  /** URL and token from --url/--token, environment, config, or the local master's record. */
  target(cmd: Command): { url: string; token: string };
  /** A connected client; closes with the process. */
  client(cmd: Command, name?: string, o?: ClientOptions): Promise<MasterClient>;
}

export interface ClientOptions {
  /** How long to keep trying to reach the master (default 10 s). */
  connectTimeoutMs?: number;
  /** Called once if the master has not answered within a second (the client keeps trying). */
  onWaiting?: (url: string) => void;
}

export function makeContext(env: Env, version: string): CliContext {
  const ctx: CliContext = {
    env,
    version,
    fileConfig(cmd) {
      return loadFileConfig(env, cmd.optsWithGlobals().config as string | undefined).config;
    },
    target(cmd) {
      const o = cmd.optsWithGlobals() as { url?: string; token?: string };
      const t = clientTarget(o, env, ctx.fileConfig(cmd));
      if (!t.token) throw new UnauthorizedError('no token: pass --token or set OURCI_TOKEN');
      return { url: t.url, token: t.token };
    },
    async client(cmd, name, o = {}) {
      const t = ctx.target(cmd);
      const c = connectMaster(t.url, t.token, { name: name ?? 'ourci-cli', minBackoffMs: 250, maxBackoffMs: 5000 });
      // A healthy master answers well within this; past it, say why the command is quiet.
      const waiting = o.onWaiting ? setTimeout(() => o.onWaiting?.(t.url), 1000) : undefined;
      try {
        await c.ready(o.connectTimeoutMs ?? 10_000);
      } catch (err) {
        c.close();
        throw err instanceof UnauthorizedError ? err : new Error(`cannot reach the master at ${t.url} (is it running? set OURCI_URL or --url)`);
      } finally {
        clearTimeout(waiting);
      }
      return c;
    },
  };
  return ctx;
}

/** Parses a duration like 90, 90s, 15m, 1h into seconds. */
export function parseDuration(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(v.trim());
  if (!m) throw new Error(`not a duration: ${v} (use e.g. 90s, 15m, 1h)`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const mult = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 }[unit]!;
  return n * mult;
}

/** Parses a numeric flag; a bad value is a usage error that names the flag. */
export function parseNumberFlag(flag: string, v: string, o: { integer?: boolean; min?: number } = {}): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || (o.integer && !Number.isInteger(n)) || (o.min !== undefined && n < o.min)) {
    const what = o.integer ? 'a whole number' : 'a number';
    throw new BadRequestError(`${flag} must be ${what}${o.min !== undefined ? ` of at least ${o.min}` : ''}, got ${v}`);
  }
  return n;
}

/** Parses a size like 4096, 500K, 64M, 4G (powers of 1024) into bytes. */
export function parseSize(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]i?B?|B)?$/i.exec(v.trim());
  if (!m) throw new Error(`not a size: ${v} (use e.g. 512M, 4G)`);
  const unit = (m[2] ?? 'B').charAt(0).toUpperCase();
  const mult = { B: 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[unit]!;
  return Math.round(Number(m[1]) * mult);
}
