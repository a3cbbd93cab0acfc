// `ourci master`: the headless master on the CI host.
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { masterLogger } from '../log-output';
import { createMaster, type Master } from '../../../server/index';
import { DEFAULT_FANOUT_CAP } from '../../shared/jobs/model';
import { dataDirOf, DEFAULT_PORT, parsePort } from '../config';
import { parseDuration, parseSize, type CliContext } from '../context';
import { addGitHubOptions, githubConfigOf, publicUrlOf, type GitHubFlags } from '../github-settings';

export function registerMaster(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('master')
    .description('run the master: Pub/Sub, jobs, logs, blobs, GitHub, metrics and the dashboard')
    .option('--port <port>', `port to listen on, 0 for any free one (env OURCI_PORT, default ${DEFAULT_PORT})`)
    .option('--host <host>', 'address to listen on (env OURCI_HOST, default 127.0.0.1)')
    .option('--data <dir>', 'data directory: database, logs, blobs, tokens (env OURCI_DATA, default ./.ourci)')
    .option('--store <spec>', 'state store; only the embedded default "sqlite:<file>" exists today')
    .option('--public-read', 'let anyone without a token view jobs, logs and metrics (trusted networks only)')
    .option('--timeout-grace <duration>', 'how long past a task\'s timeout the master waits for its agent before ending it as timeout (default 30s)')
    .option('--fsync <policy>', 'normal: durable across a master crash (default); always: also across power loss', 'normal')
    .option('--admin-token <token>', 'admin token instead of the one in the data directory (env OURCI_ADMIN_TOKEN)')
    .option('--agent-token <token>', 'agent token instead of the one in the data directory (env OURCI_AGENT_TOKEN)')
    .option('--log-format <format>', 'master log on stderr: json, human, or auto (human on a terminal)', 'auto')
    .option('--log-cap <size>', 'bytes kept per task attempt log; past it the head and tail are kept (default 1G)')
    .option('--blob-max-size <size>', 'largest single blob (default 4G)')
    .option('--blob-store-max <size>', 'all blobs together; past it blobs of the oldest finished jobs go (default 50G)')
    .option('--blob-retention-days <n>', 'delete blobs of jobs finished longer ago than this (default 14)')
    .option('--max-tasks-per-job <n>', `fan-out cap: tasks one job may have at most (default ${DEFAULT_FANOUT_CAP})`);
  addGitHubOptions(cmd)
    .addHelpText(
      'after',
      '\nOn first start the master writes admin, agent and viewer tokens (mode 0600) into the data\n' +
        'directory and prints their paths. --admin-token / --agent-token (or OURCI_ADMIN_TOKEN /\n' +
        'OURCI_AGENT_TOKEN) set them instead.\n' +
        'It prints "listening on http://HOST:PORT" on a line of its own once it accepts connections.\n' +
        'GitHub: GITHUB_TOKEN (or --github-app-id/--github-app-key) and GITHUB_WEBHOOK_SECRET; see docs/github.md.',
    )
    .action(async (o: MasterFlags, c: Command) => {
      await runMaster(ctx, c, o);
    });
}

export interface MasterFlags extends GitHubFlags {
  port?: string;
  host?: string;
  data?: string;
  store?: string;
  publicRead?: boolean;
  fsync: string;
  logCap?: string;
  logFormat?: string;
  blobMaxSize?: string;
  blobStoreMax?: string;
  blobRetentionDays?: string;
  adminToken?: string;
  agentToken?: string;
  timeoutGrace?: string;
  maxTasksPerJob?: string;
}

function logFormatOf(v: string | undefined): 'json' | 'human' | 'auto' {
  if (v === undefined || v === 'auto' || v === 'json' || v === 'human') return v ?? 'auto';
  throw new Error('--log-format must be json, human or auto');
}

export async function runMaster(ctx: CliContext, cmd: Command, o: MasterFlags): Promise<Master> {
  const file = ctx.fileConfig(cmd);
  const env = ctx.env;
  if (o.store && !o.store.startsWith('sqlite:')) throw new Error(`unknown store ${o.store}: only sqlite:<file> is built in`);
  if (o.fsync !== 'normal' && o.fsync !== 'always') throw new Error('--fsync must be normal or always');
  const dataDir = dataDirOf(o.data, env, file);
  const fanoutCap = o.maxTasksPerJob === undefined ? undefined : Number(o.maxTasksPerJob);
  if (fanoutCap !== undefined && (!Number.isSafeInteger(fanoutCap) || fanoutCap < 1)) {
    throw new Error(`--max-tasks-per-job must be a positive integer, got ${o.maxTasksPerJob}`);
  }
  const master = await createMaster({
    host: o.host ?? env.OURCI_HOST ?? file.host ?? '127.0.0.1',
    port: parsePort(o.port, '--port') ?? parsePort(env.OURCI_PORT, 'OURCI_PORT') ?? parsePort(file.port, 'port') ?? DEFAULT_PORT,
    dataDir,
    publicRead: Boolean(o.publicRead),
    fsync: o.fsync,
    tokens: {
      admin: o.adminToken ?? env.OURCI_ADMIN_TOKEN ?? file.adminToken,
      agent: o.agentToken ?? env.OURCI_AGENT_TOKEN ?? file.agentToken,
    },
    version: ctx.version,
    fanoutCap,
    logger: masterLogger(logFormatOf(o.logFormat)),
    timeoutGraceMs: o.timeoutGrace !== undefined ? parseDuration(o.timeoutGrace) * 1000 : undefined,
    logCapBytes: o.logCap ? parseSize(o.logCap) : undefined,
    blobs: {
      ...(o.blobMaxSize ? { maxBlobBytes: parseSize(o.blobMaxSize) } : {}),
      ...(o.blobStoreMax ? { maxTotalBytes: parseSize(o.blobStoreMax) } : {}),
      ...(o.blobRetentionDays ? { retentionDays: Number(o.blobRetentionDays) } : {}),
    },
    publicUrl: publicUrlOf(o, env, file),
    github: githubConfigOf(o, env, file),
  });
  const record = join(master.dataDir, 'master.json');
  writeFileSync(record, JSON.stringify({ url: master.url, pid: process.pid }) + '\n');
  process.stdout.write(`listening on ${master.url}\n`);
  process.stdout.write(`tokens: admin ${master.tokenFiles.admin}, agent ${master.tokenFiles.agent}, viewer ${master.tokenFiles.viewer}\n`);
  if (master.github) process.stdout.write(`github: webhook ${master.github.webhookUrl}, statuses as "${master.github.config.context}"\n`);
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    rmSync(record, { force: true });
    await master.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  return master;
}
