// The master going away under running work, with real processes: a short outage while a task
// streams its log, and a SIGKILL in the middle of the seed workflow. Agents reconnect by
// themselves; nothing is lost or counted twice.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, waitFor } from '../helpers/master';
import { MasterProcess, spawnOurci, startAgent } from '../helpers/processes';
import { gate, open, sh } from './scripts';
import { BUILD_TOPIC, ESP_TOPIC, SEED_ARGS, SEED_SAYS, SEED_TASKS, byName, call, getJob, readLog, setAckDeadline, waitJob, waitJobFinished, waitLogLine } from './support';

const TOPIC = 'e2e/build';

/** The numbers of the `line N` lines of a log, in order. */
function numbered(log: string): number[] {
  return [...log.matchAll(/^line (\d+)$/gm)].map((m) => Number(m[1]));
}

describe('master faults', () => {
  it.each(['SIGTERM', 'SIGKILL'] as const)('a short master outage (%s) while a task runs: the log arrives whole and in order, the task finishes once', async (signal) => {
    const master = await MasterProcess.start();
    const agent = await startAgent(master, { topics: [TOPIC], name: 'steady' });
    const dir = tempDir();
    const script = `i=0; while [ ! -e "$E2E_DIR/stop" ] && [ $i -lt 100000 ]; do i=$((i+1)); echo "line $i"; sleep 0.01; done; echo "last $i"`;
    const { job, task } = await call(master, 'Job.Create', { topic: TOPIC, args: sh(script), env: { E2E_DIR: dir } });
    await waitLogLine(master, task, 'line 20');
    const before = numbered((await readLog(master, task)).text).at(-1)!;

    await master.proc.kill(signal);
    await master.restart();
    // The task kept running through the outage, and its log keeps coming afterwards.
    await waitLogLine(master, task, `line ${before + 100}`, undefined, 60_000);
    open(dir, 'stop');

    const done = await waitJobFinished(master, job, 60_000);
    expect(done).toMatchObject({ status: 'success', tasksTotal: 1, tasksDone: 1 });
    const t = await call(master, 'Task.Get', { task });
    expect(t.task).toMatchObject({ status: 'success', attempts: 1 });
    expect(t.attempts.map((a) => a.status)).toEqual(['success']);
    const { text, complete } = await readLog(master, task);
    expect(complete).toBe(true);
    const lines = numbered(text);
    const last = Number(/^last (\d+)$/m.exec(text)![1]);
    expect(last).toBeGreaterThanOrEqual(before + 100);
    // Every line once, in order: no gap from the outage, no duplicate from the resend.
    expect(lines).toEqual(Array.from({ length: last }, (_, i) => i + 1));
    expect(text).toMatch(/\[ourci\] exit code 0 after/);
    expect(agent.alive).toBe(true);
  });

  it('spawn_task while the master is down waits for it and spawns once', async () => {
    const master = await MasterProcess.start();
    await startAgent(master, { topics: [TOPIC], name: 'a1' });
    const dir = tempDir();
    const script = [
      '. "$OURCI_SH"',
      'spawn_task -t e2e/build --name child-1 echo one',
      `${gate('down')}`,
      'spawn_task -t e2e/build --name child-2 echo two 2> "$E2E_DIR/spawn.err"',
      'echo "spawned both"',
    ].join(' && ');
    const { job, task } = await call(master, 'Job.Create', { topic: TOPIC, args: sh(script), env: { E2E_DIR: dir } });
    await waitJob(master, job, (_j, ts) => ts.length === 2, 'the first child', 30_000);

    await master.crash();
    open(dir, 'down');
    // The second spawn found the master down and keeps trying; bring it back.
    const err = join(dir, 'spawn.err');
    await waitFor(() => existsSync(err) && readFileSync(err, 'utf8').includes('ourci spawn: waiting for the master'), 30_000, 'the spawn to wait');
    await master.restart();

    const done = await waitJobFinished(master, job, 60_000);
    expect(done).toMatchObject({ status: 'success', tasksTotal: 3, tasksDone: 3 });
    const { tasks } = await getJob(master, job);
    expect(tasks.map((t) => [t.name, t.parent ?? null, t.status])).toEqual([
      [expect.any(String), null, 'success'],
      ['child-1', task, 'success'],
      ['child-2', task, 'success'],
    ]);
    await waitLogLine(master, task, 'spawned both');
  });

  it('SIGKILL of the master in the middle of the seed workflow: the job completes, nothing lost or doubled', async () => {
    const master = await MasterProcess.start();
    // Leases long enough to outlive the restart; a delivery lost in the crash comes back after this.
    await setAckDeadline(master, BUILD_TOPIC, 20);
    await setAckDeadline(master, ESP_TOPIC, 20);
    const agents = await Promise.all([
      ...[1, 2, 3].map((i) => startAgent(master, { topics: [BUILD_TOPIC], name: `build-${i}` })),
      startAgent(master, { topics: [ESP_TOPIC], name: 'esp-1' }),
    ]);
    // Started and followed the way an external CI would: `ourci run --wait` rides out the crash too.
    const run = spawnOurci('ourci run', ['run', '-t', BUILD_TOPIC, '--name', 'ci/main.sh', '--wait', '--', ...SEED_ARGS], {
      env: { OURCI_URL: master.url, OURCI_TOKEN: master.tokens.admin },
    });
    const job = (await run.waitForOutput(/^job (\d+) started/m))[1]!;
    // Crash once the IoT build is spawning its platform builds: tasks running, spawning, queued.
    const at = await waitJob(master, job, (_j, ts) => ts.some((t) => t.name === 'fw/posix'), 'the platform builds to be spawned', 90_000);
    await master.crash();
    // The IoT build was still spawning (its ESP8266 builds come after fw/posix).
    expect(byName(at.tasks, 'mongoose-iot').status).toBe('running');
    expect(at.job.tasksTotal).toBeLessThan(9);
    await master.restart();

    const done = await waitJobFinished(master, job, 150_000);
    const { tasks } = await getJob(master, job);
    expect(tasks.map((t) => `${t.name}: ${t.status}`).sort()).toEqual(Object.keys(SEED_TASKS).map((n) => `${n}: success`).sort());
    expect(done).toMatchObject({ status: 'success', finished: true, tasksTotal: 9, tasksDone: 9, tasksFailed: 0 });
    for (const t of tasks) {
      // Each task ran once. An earlier attempt can only be a delivery whose Task.Next reply the
      // crash swallowed: it never reached an agent (nothing logged) and came back after its lease.
      const { attempts } = await call(master, 'Task.Get', { task: t.id });
      const ran = attempts.filter((a) => a.logBytes > 0);
      expect(ran.map((a) => a.status), `attempts of ${t.name} that ran`).toEqual(['success']);
      expect(attempts.at(-1)?.attempt, `the last attempt of ${t.name} is the one that ran`).toBe(ran[0]!.attempt);
      expect(t.attempts, `attempts of ${t.name}`).toBeLessThanOrEqual(2);
      const log = await readLog(master, t.id);
      expect(log.complete).toBe(true);
      expect(log.text, `log of ${t.name}`).toMatch(new RegExp(`^\\[ourci\\] task \\d+ attempt ${ran[0]!.attempt} of job \\d+ on `));
      expect(log.text, `log of ${t.name}`).toMatch(SEED_SAYS[t.name]!);
      expect(log.text, `log of ${t.name}`).toMatch(/\[ourci\] exit code 0 after [\d.]+s\n$/);
    }
    // The follower printed every task's lines once: nothing lost, nothing twice.
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(run.stderr).toContain(`job ${job}: success (9/9 tasks, 0 not green)`);
    for (const t of tasks) {
      const says = new RegExp(SEED_SAYS[t.name]!.source.replace(/^\^/, `^\\[${t.id} ${t.name.slice(0, 24)}\\] `), 'gm');
      expect(run.stdout.match(says)?.length, `"${says.source}" in the output of ourci run`).toBe(1);
    }
    // The agents reconnected by themselves and are registered again.
    for (const a of agents) expect(a.alive).toBe(true);
    const listed = await call(master, 'Agent.List', {});
    expect(listed.agents.map((a) => a.name).sort()).toEqual(['build-1', 'build-2', 'build-3', 'esp-1']);
  });
});
