// `ourci agent`: a build agent; one task at a time, several processes give parallelism.
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { Agent } from '../../agent/index';
import { agentTarget, taskBaseEnv } from '../agent-env';
import type { CliContext } from '../context';
import { parseDuration } from '../context';
import { binDir, shellLibrary } from '../paths';

const collect = (v: string, prev: string[]): string[] => [...prev, v];

export function registerAgent(program: Command, ctx: CliContext): void {
  program
    .command('agent')
    .description('run a build agent: pull tasks from topics and run them one at a time as subprocesses')
    .requiredOption('-t, --topic <topic>', 'topic to pull from (repeatable), e.g. ourci/build/docker', collect, [])
    .option('--exec <program>', 'run PROGRAM with the task\'s args as its arguments (a fixed trampoline)')
    .option('--timeout <duration>', 'longest a task may run on this agent (a task\'s own timeout applies if smaller)', '1h')
    .option('--name <name>', 'name shown in Agent.List and task records', `${hostname()}-${process.pid}`)
    .option('--work-dir <dir>', 'where per-attempt working directories are created (default: the OS temp dir)')
    .option('--kill-grace <duration>', 'after SIGTERM (timeout, cancel), how long a task has before SIGKILL of its process group', '10s')
    .option('--drain-timeout <duration>', 'on SIGTERM, how long the running task may take to finish before it is released', '10m')
    .addHelpText(
      'after',
      '\nThe task runs in a fresh working directory in its own process group, with the environment of\n' +
        'DESIGN.md §5 (OURCI_URL, OURCI_TOKEN, BUILD_*, BLOB_URL, …). SIGTERM drains: no new tasks, the\n' +
        'current one finishes (or is released after --drain-timeout); a second SIGTERM/SIGINT releases it now.\n' +
        'Token: --token, OURCI_TOKEN, OURCI_AGENT_TOKEN, or .ourci/agent.token of a local master.',
    )
    .action(async (o: { topic: string[]; exec?: string; timeout: string; name: string; workDir?: string; killGrace: string; drainTimeout: string }, cmd: Command) => {
      const t = agentTarget(ctx, cmd);
      const agent = new Agent({
        url: t.url,
        token: t.token,
        topics: o.topic,
        name: o.name,
        exec: o.exec,
        maxTimeoutSeconds: parseDuration(o.timeout),
        baseEnv: taskBaseEnv(ctx.env),
        pathPrepend: [binDir()],
        extraEnv: { OURCI_SH: shellLibrary() },
        workRoot: o.workDir,
        killGraceMs: parseDuration(o.killGrace) * 1000,
        log: (line) => process.stderr.write(`${line}\n`),
      });
      process.stderr.write(`agent ${o.name}: pulling ${o.topic.join(', ')} from ${t.url}\n`);
      let signals = 0;
      const onSignal = (): void => {
        signals++;
        if (signals === 1) {
          process.stderr.write(`agent ${o.name}: draining (signal again to release the running task)\n`);
          const timer = setTimeout(() => agent.releaseNow(), parseDuration(o.drainTimeout) * 1000);
          timer.unref();
          void agent.drain();
        } else agent.releaseNow();
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
      await agent.run();
      process.stderr.write(`agent ${o.name}: stopped after ${agent.completed} tasks\n`);
    });
}
