// `ourci spawn`, `ourci run`, `ourci jobs`, `ourci job show|cancel|retry`, `ourci logs`.
import type { Command } from 'commander';
import type { Job, Task } from '../../shared/jobs/model';
import { httpCall } from '../../shared/rpc/http-call';
import type { MethodName, Params, Result } from '../../shared/rpc/catalog';
import type { CliContext } from '../context';
import { parseDuration } from '../context';
import { LogFollower } from '../follow';
import { print, table } from '../output';

const collect = (v: string, prev: string[]): string[] => [...prev, v];

function envPairs(list: string[]): Record<string, string> | undefined {
  if (list.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const kv of list) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new Error(`--env wants NAME=VALUE, got ${kv}`);
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

function ago(iso?: string, end?: string): string {
  if (!iso) return '';
  const s = Math.max(0, ((end ? Date.parse(end) : Date.now()) - Date.parse(iso)) / 1000);
  return s < 90 ? `${s.toFixed(s < 10 ? 1 : 0)}s` : s < 5400 ? `${Math.round(s / 60)}m` : `${(s / 3600).toFixed(1)}h`;
}

/** Exit codes of `ourci run --wait` and `ourci job wait`: 0 success, 1 failure or cancelled, 3 infrastructure error. */
export function exitCodeOf(j: Job): number {
  return j.status === 'success' ? 0 : j.status === 'error' ? 3 : 1;
}

export function registerJobs(program: Command, ctx: CliContext): void {
  const call = <K extends MethodName>(cmd: Command, method: K, params: Params<K>): Promise<Result<K>> => {
    const t = ctx.target(cmd);
    return httpCall(t.url, t.token, method, params);
  };

  program
    .command('spawn')
    .description('spawn a task (inside a task: into $BUILD_JOB, as a child of $BUILD_TASK) and print its id')
    .requiredOption('-t, --topic <topic>', 'topic of the agents that should run it')
    .option('--timeout <duration>', 'build timeout of the task (default 1h)')
    .option('--image <image>', 'container image the task asks for (passed to its script)')
    .option('--name <name>', 'display name (default: the args)')
    .option('--env <NAME=VALUE>', 'environment variable for the task (repeatable)', collect, [])
    .option('--job <id>', 'job to spawn into (admin token; inside a task the job is implied)')
    .option('--wait-master <duration>', 'how long to wait for an unreachable master (default: 5m inside a task, 10s elsewhere)')
    .option('--json', 'print JSON')
    .argument('<args...>', 'program and arguments the agent runs (options after the first argument are passed through)')
    .passThroughOptions()
    .action(
      async (
        args: string[],
        o: { topic: string; timeout?: string; image?: string; name?: string; env: string[]; job?: string; waitMaster?: string; json?: boolean },
        cmd: Command,
      ) => {
        const params = {
          topic: o.topic,
          args,
          env: envPairs(o.env),
          image: o.image,
          name: o.name,
          timeoutSeconds: o.timeout ? Math.round(parseDuration(o.timeout)) : undefined,
          job: o.job,
        };
        // A task's spawn must ride out a master restart, but a spawn is not idempotent, so it
        // is never resent: it goes out once, over a connection that is up. While the master
        // is unreachable the client keeps connecting, and only then sends.
        const waitMs = parseDuration(o.waitMaster ?? (ctx.env.BUILD_TASK ? '5m' : '10s')) * 1000;
        const client = await ctx.client(cmd, 'ourci-spawn', {
          connectTimeoutMs: waitMs,
          onWaiting: (url) => process.stderr.write(`ourci spawn: waiting for the master at ${url}\n`),
        });
        try {
          const r = await client.call('Task.Spawn', params, { timeoutMs: waitMs + 30_000 });
          print(o, r, () => r.task);
        } finally {
          client.close();
        }
      },
    );

  program
    .command('run')
    .description('start a job from anywhere (e.g. another CI); with --wait, stream its logs and exit with its result')
    .requiredOption('-t, --topic <topic>', 'topic of the root task')
    .option('--wait', 'stream every task\'s log and exit 0 on success, 1 on failure or cancel, 3 on infrastructure error')
    .option('--timeout <duration>', 'build timeout of the root task (default 1h)')
    .option('--env <NAME=VALUE>', 'environment variable for the root task (repeatable)', collect, [])
    .option('--title <title>', 'title shown on the dashboard')
    .option('--name <name>', 'display name of the root task')
    .option('--repo <owner/name>', 'repository the job is about')
    .option('--sha <sha>', 'commit the job is about')
    .option('--json', 'print JSON')
    .argument('<args...>', 'program and arguments of the root task (options after the first argument are passed through)')
    .passThroughOptions()
    .action(async (args: string[], o: { topic: string; wait?: boolean; timeout?: string; env: string[]; title?: string; name?: string; repo?: string; sha?: string; json?: boolean }, cmd: Command) => {
      const r = await call(cmd, 'Job.Create', {
        topic: o.topic,
        args,
        env: envPairs(o.env),
        title: o.title,
        name: o.name,
        repo: o.repo,
        sha: o.sha,
        timeoutSeconds: o.timeout ? Math.round(parseDuration(o.timeout)) : undefined,
      });
      if (!o.wait) return print(o, r, () => `job ${r.job} (root task ${r.task})`);
      process.stderr.write(`job ${r.job} started (root task ${r.task})\n`);
      const client = await ctx.client(cmd);
      const follower = new LogFollower(client, { prefix: true, write: (s) => process.stdout.write(s) });
      const job = await follower.followJob(r.job);
      client.close();
      process.stderr.write(`job ${job.id}: ${job.status} (${job.tasksDone}/${job.tasksTotal} tasks, ${job.tasksFailed} not green)\n`);
      if (o.json) process.stdout.write(`${JSON.stringify(job)}\n`);
      process.exitCode = exitCodeOf(job);
    });

  program
    .command('jobs')
    .description('list jobs, newest first')
    .option('--status <status>', 'running, success, failure, error or cancelled')
    .option('--repo <owner/name>', 'only this repository')
    .option('--pr <n>', 'only this pull request')
    .option('--limit <n>', 'how many', '20')
    .option('--json', 'print JSON')
    .action(async (o: { status?: string; repo?: string; pr?: string; limit: string; json?: boolean }, cmd: Command) => {
      const r = await call(cmd, 'Job.List', {
        status: o.status as Job['status'] | undefined,
        repo: o.repo,
        pr: o.pr ? Number(o.pr) : undefined,
        limit: Number(o.limit),
      });
      print(o, r, () =>
        r.jobs.length === 0
          ? '(no jobs)'
          : table(
              ['JOB', 'STATUS', 'TASKS', 'REPO', 'PR', 'SHA', 'AGE', 'DURATION', 'TITLE'],
              r.jobs.map((j) => [
                j.id,
                j.finished || j.status !== 'running' ? j.status : 'running',
                `${j.tasksDone}/${j.tasksTotal}`,
                j.repo,
                j.pr,
                j.sha?.slice(0, 7),
                ago(j.createdAt),
                ago(j.createdAt, j.finishedAt),
                j.title,
              ]),
            ),
      );
    });

  const job = program.command('job').description('show, cancel, retry or wait for one job');
  job
    .command('show <id>')
    .description('a job and the flat list of its tasks')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { json?: boolean }, cmd: Command) => {
      const r = await call(cmd, 'Job.Get', { job: id });
      print(o, r, () => `${describeJob(r.job)}\n\n${taskTable(r.tasks)}`);
    });
  job
    .command('cancel <id>')
    .description('cancel every unfinished task (running ones get SIGTERM, 10 s grace, SIGKILL)')
    .option('--reason <text>', 'why (shown on the tasks)')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { reason?: string; json?: boolean }, cmd: Command) => {
      const r = await call(cmd, 'Job.Cancel', { job: id, reason: o.reason });
      print(o, r, () => `job ${id}: ${r.job.status}, ${r.cancelledTasks} tasks cancelled`);
    });
  job
    .command('retry <id>')
    .description('start a new job with the same root task, repository and commit')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { json?: boolean }, cmd: Command) => {
      const r = await call(cmd, 'Job.Retry', { job: id });
      print(o, r, () => `job ${r.job} (retry of ${id})`);
    });
  job
    .command('wait <id>')
    .description('wait for a job to finish; exits like `ourci run --wait`')
    .option('--timeout <duration>', 'give up after this long', '1h')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { timeout: string; json?: boolean }, cmd: Command) => {
      const end = Date.now() + parseDuration(o.timeout) * 1000;
      let j: Job;
      do {
        j = (await call(cmd, 'Job.Wait', { job: id, waitSeconds: Math.min(60, Math.max(0, (end - Date.now()) / 1000)) })).job;
      } while (!j.finished && Date.now() < end);
      print(o, j, () => describeJob(j));
      process.exitCode = j.finished ? exitCodeOf(j) : 4;
    });

  program
    .command('logs <task>')
    .description('print a task\'s log; -f follows it live until the task ends')
    .option('-f, --follow', 'keep printing as the task writes')
    .option('--attempt <n>', 'which attempt (default: the latest)')
    .action(async (task: string, o: { follow?: boolean; attempt?: string }, cmd: Command) => {
      const client = await ctx.client(cmd);
      const follower = new LogFollower(client, { write: (s) => process.stdout.write(s) });
      await follower.followTask(task, o.attempt ? Number(o.attempt) : undefined, Boolean(o.follow));
      client.close();
    });
}

function describeJob(j: Job): string {
  const lines = [
    `job ${j.id}  ${j.status}${j.finished ? '' : ' (running)'}  ${j.tasksDone}/${j.tasksTotal} tasks done, ${j.tasksFailed} not green`,
  ];
  if (j.title) lines.push(`title: ${j.title}`);
  if (j.repo) lines.push(`repo: ${j.repo}${j.pr ? ` PR #${j.pr}` : ''}${j.sha ? ` @ ${j.sha.slice(0, 12)}` : ''}${j.ref ? ` (${j.ref})` : ''}`);
  lines.push(`created ${j.createdAt}${j.finishedAt ? `, finished ${j.finishedAt} (${ago(j.createdAt, j.finishedAt)})` : ''}`);
  if (j.firstFailedTask) lines.push(`first failed task: ${j.firstFailedTask}`);
  return lines.join('\n');
}

function taskTable(tasks: Task[]): string {
  return table(
    ['TASK', 'PARENT', 'STATUS', 'TOPIC', 'TRIES', 'EXIT', 'AGENT', 'TIME', 'NAME'],
    tasks.map((t) => [t.id, t.parent ?? '-', t.status, t.topic, t.attempts, t.exitCode, t.board ?? t.agent, ago(t.startedAt, t.finishedAt), t.name]),
  );
}
