// Agents that die or are told to stop, with real `ourci agent` processes: a SIGKILLed agent's
// task is delivered again and its late reports are fenced off; SIGTERM drains; a second
// signal hands the running task back.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, waitFor } from '../helpers/master';
import { MasterProcess, runOurci, startAgent } from '../helpers/processes';
import { gate, open, sh } from './scripts';
import { call, readLog, waitJobFinished, waitLogLine } from './support';

const TOPIC = 'e2e/build';

async function attemptsOf(master: MasterProcess, task: string): Promise<Array<{ attempt: number; status: string; agent: string }>> {
  return (await call(master, 'Task.Get', { task })).attempts;
}

describe('agent faults', () => {
  it('SIGKILL mid-task: the task runs again elsewhere, the dead attempt is refused, counted once', async () => {
    const master = await MasterProcess.start();
    // A short lease so the dead agent's delivery comes back quickly.
    const admin = { env: { OURCI_URL: master.url, OURCI_TOKEN: master.tokens.admin } };
    const created = await runOurci(['pubsub', 'create-subscription', TOPIC, '--topic', TOPIC, '--ack-deadline', '3'], admin);
    expect(created).toMatchObject({ code: 0, stdout: `created ${TOPIC} on ${TOPIC}\n` });
    const doomed = await startAgent(master, { topics: [TOPIC], name: 'doomed' });
    const dir = tempDir();
    const script = `echo "$OURCI_TOKEN" > "$E2E_DIR/token.$BUILD_ATTEMPT"; echo "attempt $BUILD_ATTEMPT started"; ${gate('go')}; echo "attempt $BUILD_ATTEMPT finished"`;
    const { job, task } = await call(master, 'Job.Create', { topic: TOPIC, args: sh(script), env: { E2E_DIR: dir } });

    const ackId = (await doomed.waitForOutput(new RegExp(`task ${task} attempt 1 of job ${job} started \\(delivery (\\S+)\\)`)))[1]!;
    const tokenFile = join(dir, 'token.1');
    const token1 = await waitFor(() => (existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : ''), 20_000, 'attempt 1 to save its token');
    await waitLogLine(master, task, 'attempt 1 started');
    // Later deliveries lease for longer: the survivor must not lose its lease on a loaded machine.
    const updated = await runOurci(['pubsub', 'update-subscription', TOPIC, '--ack-deadline', '60'], admin);
    expect(updated.stdout).toMatch(new RegExp(`^${TOPIC}: ack deadline 60s`));

    await doomed.kill('SIGKILL');
    const survivor = await startAgent(master, { topics: [TOPIC], name: 'survivor' });
    await survivor.waitForOutput(`task ${task} attempt 2 of job ${job} started`, 30_000);
    await waitLogLine(master, task, 'attempt 2 started', 2);
    expect((await attemptsOf(master, task)).map((a) => [a.attempt, a.status, a.agent])).toEqual([
      [1, 'lost', 'doomed'],
      [2, 'running', 'survivor'],
    ]);

    // Everything the dead attempt might still say is refused.
    const log1 = Buffer.byteLength((await readLog(master, task, 1)).text);
    const agentToken = master.tokens.agent;
    expect(await master.refusal('Log.Append', { task, attempt: 1, offset: log1, data: 'late line\n' }, agentToken)).toBe(409);
    expect(await master.refusal('Log.Append', { task, attempt: 1, offset: log1, data: 'late line\n' }, token1)).toBe(401);
    expect(await master.refusal('Task.Spawn', { topic: TOPIC, args: ['true'] }, token1)).toBe(401);
    expect(await master.refusal('Task.Finish', { ackId, exitCode: 0 }, agentToken)).toBe(409);
    expect(await master.refusal('PubSub.ModifyAckDeadline', { subscription: TOPIC, ackIds: [ackId], ackDeadlineSeconds: 30 }, agentToken)).toBe(409);

    open(dir, 'go');
    const done = await waitJobFinished(master, job);
    expect(done).toMatchObject({ status: 'success', tasksTotal: 1, tasksDone: 1, tasksFailed: 0 });
    expect(await master.refusal('Task.Finish', { ackId, exitCode: 1, reason: 'exit' }, agentToken)).toBe(409);
    const t = await call(master, 'Task.Get', { task });
    expect(t.task).toMatchObject({ status: 'success', attempts: 2, exitCode: 0 });
    expect(t.attempts.map((a) => [a.attempt, a.status])).toEqual([
      [1, 'lost'],
      [2, 'success'],
    ]);
    const first = (await readLog(master, task, 1)).text;
    expect(first).toContain('attempt 1 started');
    expect(first).not.toContain('late line');
    expect(first).not.toMatch(/^attempt 1 finished$/m);
    expect((await readLog(master, task, 2)).text).toMatch(/attempt 2 started\nattempt 2 finished\n/);
    expect((await call(master, 'Job.Get', { job })).job).toMatchObject({ status: 'success', tasksDone: 1 });
  });

  it('SIGTERM drains: the running task finishes and nothing more is pulled; a second signal releases it', async () => {
    const master = await MasterProcess.start();
    const dir = tempDir();
    const first = await startAgent(master, { topics: [TOPIC], name: 'first' });
    const job1 = await call(master, 'Job.Create', { topic: TOPIC, args: sh(`echo "one running"; ${gate('one')}; echo "one done"`), env: { E2E_DIR: dir } });
    await first.waitForOutput(`task ${job1.task} attempt 1 of job ${job1.job} started`);
    const job2 = await call(master, 'Job.Create', { topic: TOPIC, args: sh(`echo "two running on $BUILD_ATTEMPT"; ${gate('two')}; echo "two done"`), env: { E2E_DIR: dir } });

    first.child.kill('SIGTERM');
    await first.waitForOutput('agent first: draining');
    open(dir, 'one');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(first.stderr).toContain('agent first: stopped after 1 tasks');
    expect(await waitJobFinished(master, job1.job)).toMatchObject({ status: 'success' });
    expect((await readLog(master, job1.task)).text).toMatch(/one running\none done\n/);
    // The draining agent did not take the second job.
    expect((await call(master, 'Task.Get', { task: job2.task })).task).toMatchObject({ status: 'queued', attempts: 0 });

    const second = await startAgent(master, { topics: [TOPIC], name: 'second' });
    await second.waitForOutput(`task ${job2.task} attempt 1 of job ${job2.job} started`);
    await waitLogLine(master, job2.task, 'two running on 1');
    second.child.kill('SIGTERM');
    await second.waitForOutput('agent second: draining');
    second.child.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
    await waitFor(async () => (await attemptsOf(master, job2.task))[0]?.status === 'released', 20_000, 'attempt 1 to be released');

    const third = await startAgent(master, { topics: [TOPIC], name: 'third' });
    await third.waitForOutput(`task ${job2.task} attempt 2 of job ${job2.job} started`, 30_000);
    open(dir, 'two');
    expect(await waitJobFinished(master, job2.job)).toMatchObject({ status: 'success', tasksDone: 1, tasksTotal: 1 });
    expect((await attemptsOf(master, job2.task)).map((a) => [a.attempt, a.status, a.agent])).toEqual([
      [1, 'released', 'second'],
      [2, 'success', 'third'],
    ]);
    const released = (await readLog(master, job2.task, 1)).text;
    expect(released).not.toMatch(/^two done$/m);
    expect(released).toMatch(/\[ourci\] released after [\d.]+s: the agent is stopping; the task goes back to its queue/);
    expect((await readLog(master, job2.task, 2)).text).toMatch(/two running on 2\ntwo done\n/);
    // An idle agent stops at once on SIGTERM.
    third.child.kill('SIGTERM');
    expect(await third.exited).toEqual({ code: 0, signal: null });
  });
});
