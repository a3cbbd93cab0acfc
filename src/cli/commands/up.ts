// `ourci up`: the embedded default for one machine: master + dashboard + local build agents
// in one process, data in ./.ourci.
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { join } from 'node:path';
import { Agent } from '../../agent/index';
import { startBench } from '../../bench';
import { taskBaseEnv } from '../agent-env';
import type { CliContext } from '../context';
import { parseDuration } from '../context';
import { binDir, shellLibrary } from '../paths';
import { benchAgentEnv, parseHostPort } from './bench';
import { runMaster } from './master';

const collect = (v: string, prev: string[]): string[] => [...prev, v];

export function registerUp(program: Command, ctx: CliContext): void {
  program
    .command('up')
    .description('run everything on this machine: master, dashboard and local build agents (data in ./.ourci)')
    .option('--port <port>', 'port to listen on (default 8080, 0 for any free one)')
    .option('--host <host>', 'address to listen on (default 127.0.0.1)')
    .option('--data <dir>', 'data directory (default ./.ourci)')
    .option('--agents <n>', 'local build agents', '2')
    .option('-t, --topic <topic>', 'topic the local agents pull (repeatable)', collect, [])
    .option('--timeout <duration>', 'longest a task may run on the local agents', '1h')
    .option('--public-read', 'let anyone without a token view jobs and logs')
    .option('--virtual-boards <spec>', 'also run a bench with emulated boards, e.g. esp8266:2,cc3200:1')
    .option('--bench-ui <host:port>', 'with --virtual-boards: where the bench UI listens (port 0 for any free one)', '127.0.0.1:0')
    .action(async (o: { port?: string; host?: string; data?: string; agents: string; topic: string[]; timeout: string; publicRead?: boolean; virtualBoards?: string; benchUi: string }, cmd: Command) => {
      const master = await runMaster(ctx, cmd, { port: o.port, host: o.host, data: o.data, publicRead: o.publicRead, fsync: 'normal' });
      const m = master;
      const topics = o.topic.length ? o.topic : ['ourci/build/docker'];
      const n = Number(o.agents);
      if (!Number.isInteger(n) || n < 0 || n > 64) throw new Error('--agents must be a whole number from 0 to 64');
      const agents: Agent[] = [];
      for (let i = 1; i <= n; i++) {
        const agent = new Agent({
          url: m.url,
          token: m.tokens.agent,
          topics,
          name: `${hostname()}-local-${i}`,
          maxTimeoutSeconds: parseDuration(o.timeout),
          baseEnv: taskBaseEnv(ctx.env),
          pathPrepend: [binDir()],
          extraEnv: { OURCI_SH: shellLibrary() },
          log: (line) => process.stderr.write(`${line}\n`),
        });
        agents.push(agent);
        void agent.run().catch((err: unknown) => process.stderr.write(`local agent ${i}: ${(err as Error).message}\n`));
      }
      process.stdout.write(`${n} local agents pulling ${topics.join(', ')}\n`);
      process.stdout.write(`dashboard: ${m.url}/  (log in with the admin or viewer token)\n`);
      if (o.virtualBoards) await startVirtualBench(ctx, m, o.virtualBoards, o.benchUi, o.timeout);
    });
}

/** A bench with emulated boards against the local master, its UI beside the dashboard. */
async function startVirtualBench(ctx: CliContext, m: { url: string; dataDir: string; tokens: { agent: string } }, spec: string, ui: string, timeout: string): Promise<void> {
  const bench = await startBench({
    dataDir: join(m.dataDir, 'bench'),
    name: `${hostname()}-virtual`,
    master: { url: m.url, token: m.tokens.agent },
    virtualSpec: spec,
    real: false,
    ui: parseHostPort(ui, '--bench-ui'),
    agent: benchAgentEnv(ctx, timeout),
    version: ctx.version,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const boards = bench.service.boards();
  process.stdout.write(`bench ${bench.service.name}: ${boards.map((b) => `${b.id} → ${b.topic}`).join(', ')}\n`);
  if (bench.ui) process.stdout.write(`bench UI: ${bench.ui.loginUrl()}  (one-time link; token in ${bench.ui.tokenFile})\n`);
  const stop = (): void => void bench.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
