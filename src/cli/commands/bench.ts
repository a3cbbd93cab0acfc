// `ourci bench`: the bench agent. `--headless` runs it in this process and serves the bench UI
// and API over HTTP/WebSocket; without it the Electron app starts (where Electron is installed).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { startBench, type MasterTarget, type RunningBench } from '../../bench';
import { BadRequestError, UnavailableError } from '../../shared/errors';
import { clientTarget, DEFAULT_DATA, type Env } from '../config';
import { taskBaseEnv } from '../agent-env';
import type { CliContext } from '../context';
import { parseDuration } from '../context';
import { binDir, installRoot, shellLibrary } from '../paths';
import { boardAccessOptions, withBoardSources, type VirtualFlags } from './boards';

interface BenchFlags extends VirtualFlags {
  headless?: boolean;
  ui: string;
  name?: string;
  data?: string;
  timeout: string;
  tray?: boolean;
}

/** HOST:PORT (port 0 for any free one). */
export function parseHostPort(v: string, flag: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(v.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new BadRequestError(`${flag} must be HOST:PORT, e.g. 127.0.0.1:7070, got ${v}`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/**
 * The master a bench serves, when the command line or environment name one: --url/--token,
 * OURCI_URL with OURCI_AGENT_TOKEN (or OURCI_TOKEN). Otherwise the bench's own settings apply,
 * then a local master's record (`fallback`).
 */
export function benchMasterTargets(ctx: CliContext, cmd: Command): { explicit?: MasterTarget; fallback?: MasterTarget } {
  const env: Env = ctx.env;
  const o = cmd.optsWithGlobals() as { url?: string; token?: string };
  const token = o.token ?? env.OURCI_AGENT_TOKEN ?? env.OURCI_TOKEN;
  const url = o.url ?? env.OURCI_URL;
  if (url && token) return { explicit: { url, token } };
  const file = ctx.fileConfig(cmd);
  const t = clientTarget({ url }, env, file);
  let agentToken = token ?? file.agentToken;
  const f = join(resolve(env.OURCI_DATA ?? file.data ?? DEFAULT_DATA), 'agent.token');
  if (!agentToken && existsSync(f)) agentToken = readFileSync(f, 'utf8').trim();
  return { fallback: agentToken ? { url: t.url, token: agentToken } : undefined };
}

export function benchAgentEnv(ctx: CliContext, timeout: string): Parameters<typeof startBench>[0]['agent'] {
  return {
    baseEnv: taskBaseEnv(ctx.env),
    pathPrepend: [binDir()],
    extraEnv: { OURCI_SH: shellLibrary() },
    maxTimeoutSeconds: parseDuration(timeout),
  };
}

export function registerBench(program: Command, ctx: CliContext): void {
  withBoardSources(
    program
      .command('bench')
      .description('run the bench: one worker per attached board pulling its topic, flashing and serial capture, with its UI')
      .option('--headless', 'run without Electron and serve the bench UI over HTTP (see --ui)')
      .option('--ui <host:port>', 'where the headless bench serves its UI and API (port 0 for any free one)', '127.0.0.1:7070')
      .option('--name <name>', 'bench name shown on the master (default: the host name)')
      .option('--data <dir>', 'bench data directory: bench.json (settings), bench.token (default ./.ourci/bench)')
      .option('--timeout <duration>', 'longest a task may run on a board', '1h')
      .option('--tray', 'desktop app: start hidden in the tray'),
  )
    .addHelpText(
      'after',
      '\nThe master: --url/--token (or OURCI_URL with OURCI_AGENT_TOKEN), else the bench\'s settings\n' +
        '(bench.json), else a local master in ./.ourci. Without one the bench still shows boards,\n' +
        'consoles and flashes local files. The UI token is printed with a one-time login link and kept\n' +
        'in bench.token. It prints "listening on http://HOST:PORT" once the UI accepts connections.',
    )
    .action(async (o: BenchFlags, cmd: Command) => {
      if (!o.headless) return launchDesktopApp(o);
      const ui = parseHostPort(o.ui, '--ui');
      const targets = benchMasterTargets(ctx, cmd);
      const dataDir = resolve(o.data ?? join(ctx.env.OURCI_DATA ?? ctx.fileConfig(cmd).data ?? DEFAULT_DATA, 'bench'));
      const bench = await startBench({
        ...boardAccessOptions(o),
        dataDir,
        name: o.name,
        master: targets.explicit,
        masterFallback: targets.fallback,
        ui,
        agent: benchAgentEnv(ctx, o.timeout),
        version: ctx.version,
        log: (line) => process.stderr.write(`${line}\n`),
      });
      announce(bench);
      await untilSignalled(bench);
    });
}

function announce(bench: RunningBench): void {
  const s = bench.service.summary();
  const boards = bench.service.boards();
  process.stdout.write(`bench ${s.name}: ${boards.length} board${boards.length === 1 ? '' : 's'}; master ${s.master.url ?? 'not configured (set it in Settings)'}\n`);
  if (bench.ui) {
    process.stdout.write(`listening on ${bench.ui.url}\n`);
    process.stdout.write(`bench UI: ${bench.ui.loginUrl()}  (one-time link; the token is in ${bench.ui.tokenFile})\n`);
  }
}

/** First signal: stop pulling and let running tasks finish; second: hand them back and quit. */
async function untilSignalled(bench: RunningBench): Promise<void> {
  await new Promise<void>((done) => {
    let signals = 0;
    const onSignal = (): void => {
      signals++;
      if (signals === 1) {
        const busy = bench.service.boards().filter((b) => b.state === 'busy').length;
        if (busy) {
          process.stderr.write(`bench: draining: ${busy} task(s) running (signal again to hand them back now)\n`);
          bench.service.setPaused(true);
          const check = setInterval(() => {
            if (!bench.service.boards().some((b) => b.state === 'busy')) {
              clearInterval(check);
              done();
            }
          }, 250);
          return;
        }
      }
      done();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  await bench.close();
  process.exit(0);
}

/** The Electron app, where its binary is installed (npm install without ELECTRON_SKIP_BINARY_DOWNLOAD). */
function launchDesktopApp(o: BenchFlags): Promise<void> {
  const root = installRoot();
  let electron: string;
  try {
    electron = createRequire(join(root, 'package.json'))('electron') as string;
  } catch {
    throw new UnavailableError('the Electron binary is not installed here: run the bench with --headless, or see docs/bench.md to install the desktop app');
  }
  if (!existsSync(join(root, 'out', 'main', 'index.js'))) throw new UnavailableError('the desktop app is not built: run `npm run build` (or `npm run bench` for development)');
  const args = [root];
  if (o.tray) args.push('--tray');
  if (o.virtualBoards) args.push(`--virtual-boards=${o.virtualBoards}`);
  if (o.name) args.push(`--name=${o.name}`);
  const child = spawn(electron, args, { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => (code ? reject(new Error(`the bench app exited with code ${code}`)) : resolve()));
  });
}
