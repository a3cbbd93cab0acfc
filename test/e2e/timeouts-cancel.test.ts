// Tasks that do not end by themselves, with real `ourci master` and `ourci agent` processes:
// build timeouts enforced by the agent and, when the agent vanished, by the master; cancel of
// a running task (SIGTERM, then SIGKILL after the grace) and of a whole job.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, waitFor } from '../helpers/master';
import { MasterProcess, isAlive, runOurci, startAgent } from '../helpers/processes';
import { gate, sh } from './scripts';
import { call, getJob, readLog, setAckDeadline, waitJobFinished, waitLogLine } from './support';

const TOPIC = 'e2e/build';

/** Waits for a pid the task wrote to "$E2E_DIR/NAME". */
async function pidFrom(dir: string, name: string): Promise<number> {
  const file = join(dir, name);
  return waitFor(() => (existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) || 0 : 0), 20_000, `${name} to be written`);
}

describe('timeouts and cancel', () => {
  it('a task that never ends hits its build timeout; its whole process group is killed', async () => {
    const master = await MasterProcess.start();
    await startAgent(master, { topics: [TOPIC], name: 'a1', args: ['--kill-grace', '1s'] });
    const dir = tempDir();
    // Shell and grandchild both ignore SIGTERM: only the SIGKILL of the group ends them.
    const script = `trap '' TERM; sleep 300 & echo $! > "$E2E_DIR/grandchild"; echo $$ > "$E2E_DIR/shell"; echo "waiting forever"; wait`;
    const { job, task } = await call(master, 'Job.Create', { topic: TOPIC, args: sh(script), env: { E2E_DIR: dir }, timeoutSeconds: 2 });
    const grandchild = await pidFrom(dir, 'grandchild');
    const shell = await pidFrom(dir, 'shell');
    expect(isAlive(grandchild)).toBe(true);

    const done = await waitJobFinished(master, job, 60_000);
    expect(done).toMatchObject({ status: 'failure', tasksFailed: 1 });
    const t = (await call(master, 'Task.Get', { task })).task;
    expect(t).toMatchObject({ status: 'timeout', exitCode: 137 });
    const log = (await readLog(master, task)).text;
    expect(log).toContain('waiting forever');
    expect(log).toContain('[ourci] build timed out after 2s: process group terminated');
    expect(isAlive(shell)).toBe(false);
    expect(isAlive(grandchild)).toBe(false);
  });

  it('a task whose agent vanished is ended by the master once past its timeout', async () => {
    const master = await MasterProcess.start({ args: ['--timeout-grace', '1s'] });
    // The lease outlives the timeout, so it is the master's timeout (not a redelivery) that ends it.
    await setAckDeadline(master, TOPIC, 60);
    const agent = await startAgent(master, { topics: [TOPIC], name: 'vanishing' });
    const dir = tempDir();
    const { job, task } = await call(master, 'Job.Create', { topic: TOPIC, args: sh(`echo started; ${gate('never')}`), env: { E2E_DIR: dir }, timeoutSeconds: 3 });
    await agent.waitForOutput(`task ${task} attempt 1 of job ${job} started`);
    await agent.kill('SIGKILL');

    const done = await waitJobFinished(master, job, 60_000);
    expect(done).toMatchObject({ status: 'failure', tasksDone: 1, tasksFailed: 1 });
    const t = await call(master, 'Task.Get', { task });
    expect(t.task).toMatchObject({ status: 'timeout' });
    expect(t.task.reason).toMatch(/timed out after 3s \(ended by the master/);
    expect(t.attempts.map((a) => [a.attempt, a.status])).toEqual([[1, 'timeout']]);
    // Its message is gone: nobody will run it again.
    const subs = await call(master, 'PubSub.ListSubscriptions', { topic: TOPIC });
    expect(subs.subscriptions[0]).toMatchObject({ backlog: 0, inFlight: 0 });
  });

  it('cancelling a running task sends SIGTERM to its script, which ends as cancelled', async () => {
    const master = await MasterProcess.start();
    // A long grace: the script must end because it got SIGTERM, not because of a SIGKILL.
    await startAgent(master, { topics: [TOPIC], name: 'a1', args: ['--kill-grace', '60s'] });
    const dir = tempDir();
    const script = `trap 'echo "got SIGTERM, cleaning up"; exit 143' TERM; echo ready; ${gate('never')}`;
    const { job, task } = await call(master, 'Job.Create', { topic: TOPIC, args: sh(script), env: { E2E_DIR: dir } });
    await waitLogLine(master, task, 'ready');
    await call(master, 'Task.Cancel', { task, reason: 'superseded by a newer push' });

    const done = await waitJobFinished(master, job, 30_000);
    expect(done).toMatchObject({ status: 'cancelled', finished: true });
    const t = (await call(master, 'Task.Get', { task })).task;
    expect(t).toMatchObject({ status: 'cancelled', exitCode: 143, reason: 'superseded by a newer push' });
    const log = (await readLog(master, task)).text;
    expect(log).toContain('got SIGTERM, cleaning up');
    expect(log).toMatch(/\[ourci\] cancelled after [\d.]+s: process group terminated/);
  });

  it('a cancelled script that ignores SIGTERM is SIGKILLed after the grace', async () => {
    const master = await MasterProcess.start();
    await startAgent(master, { topics: [TOPIC], name: 'a1', args: ['--kill-grace', '1s'] });
    const dir = tempDir();
    const script = `trap 'echo "ignoring SIGTERM"' TERM; echo $$ > "$E2E_DIR/shell"; echo ready; while :; do sleep 0.05; done`;
    const { job, task } = await call(master, 'Job.Create', { topic: TOPIC, args: sh(script), env: { E2E_DIR: dir } });
    const shell = await pidFrom(dir, 'shell');
    await waitLogLine(master, task, 'ready');
    await call(master, 'Task.Cancel', { task });

    await waitJobFinished(master, job, 30_000);
    const t = (await call(master, 'Task.Get', { task })).task;
    expect(t).toMatchObject({ status: 'cancelled', exitCode: 137 });
    const log = (await readLog(master, task)).text;
    expect(log).toContain('ignoring SIGTERM');
    expect(isAlive(shell)).toBe(false);
  });

  it('cancelling a job cancels its queued tasks at once and its running one through its agent', async () => {
    const master = await MasterProcess.start();
    await startAgent(master, { topics: [TOPIC], name: 'a1', args: ['--kill-grace', '1s'] });
    const dir = tempDir();
    // Two children on a topic nobody pulls: they stay queued.
    const script = `. "$OURCI_SH"; spawn_task -t e2e/nobody --name child-1 true; spawn_task -t e2e/nobody --name child-2 true; echo spawned; ${gate('never')}`;
    const { job, task } = await call(master, 'Job.Create', { topic: TOPIC, args: sh(script), env: { E2E_DIR: dir } });
    await waitLogLine(master, task, 'spawned');

    const r = await runOurci(['job', 'cancel', job, '--reason', 'stop it'], { env: { OURCI_URL: master.url, OURCI_TOKEN: master.tokens.admin } });
    expect(r.stdout).toContain(`job ${job}: cancelled, 3 tasks cancelled`);
    expect(r.code).toBe(0);
    const done = await waitJobFinished(master, job, 30_000);
    expect(done).toMatchObject({ status: 'cancelled', finished: true, tasksTotal: 3, tasksDone: 3 });
    const { tasks } = await getJob(master, job);
    expect(tasks.map((t) => [t.name, t.status, t.attempts])).toEqual([
      [expect.any(String), 'cancelled', 1],
      ['child-1', 'cancelled', 0],
      ['child-2', 'cancelled', 0],
    ]);
    for (const t of tasks) expect(t.reason).toBe('stop it');
    expect((await readLog(master, task)).text).toMatch(/\[ourci\] cancelled after/);
  });
});
