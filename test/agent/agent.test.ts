// The agent library against a real master, running real subprocesses.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Agent, type AgentConfig } from '../../src/agent/index';
import type { Master } from '../../server/master';
import { clientOf, startMaster, tempDir, waitFor } from '../helpers/master';

function startAgent(m: Master, over: Partial<AgentConfig> = {}): Agent {
  const a = new Agent({
    url: m.url,
    token: m.tokens.agent,
    topics: ['t'],
    name: 'test-agent',
    baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    pullWaitSeconds: 5,
    killGraceMs: 500,
    ...over,
  });
  void a.run().catch(() => {});
  onTestFinished(() => a.drain(true));
  return a;
}

async function logOf(m: Master, task: string): Promise<string> {
  const c = await clientOf(m, 'viewer');
  return (await c.call('Log.Read', { task, limit: 1024 * 1024 })).data;
}

describe('agent', () => {
  it('runs a task with its environment, streams the log and reports the exit code', async () => {
    const m = await startMaster();
    const admin = await clientOf(m);
    startAgent(m);
    const { job, task } = await admin.call('Job.Create', {
      topic: 't',
      args: ['sh', '-c', 'echo "job=$BUILD_JOB task=$BUILD_TASK attempt=$BUILD_ATTEMPT dir=$(pwd)"; echo to-stderr >&2; exit 3'],
    });
    const j = (await admin.call('Job.Wait', { job, waitSeconds: 20 })).job;
    expect(j.status).toBe('failure');
    const t = (await admin.call('Task.Get', { task })).task;
    expect(t).toMatchObject({ status: 'failure', exitCode: 3, agent: 'test-agent' });
    const log = await logOf(m, task);
    expect(log).toContain(`job=${job} task=${task} attempt=1 dir=`);
    expect(log).toContain('to-stderr');
    expect(log).toContain('[ourci] exit code 3');
    const dir = /dir=(\S+)/.exec(log)![1]!;
    expect(existsSync(dir)).toBe(false); // the working directory is removed afterwards
  });

  it('masks the attempt token and secret-looking variables in the log', async () => {
    const m = await startMaster();
    const admin = await clientOf(m);
    startAgent(m);
    const { job, task } = await admin.call('Job.Create', {
      topic: 't',
      args: ['sh', '-c', 'echo "token=$OURCI_TOKEN"; printf "%s" "$DEPLOY_PASSWORD"; printf "%s\\n" "-end"; echo "url=$BLOB_URL"'],
      env: { DEPLOY_PASSWORD: 'hunter2-very-secret' },
    });
    await admin.call('Job.Wait', { job, waitSeconds: 20 });
    const log = await logOf(m, task);
    expect(log).toContain('token=***');
    expect(log).toContain('***-end');
    expect(log).not.toContain('hunter2');
    expect(log).not.toMatch(/oct_[A-Za-z0-9_-]{10}/);
  });

  it('times out a build and kills its whole process group', async () => {
    const m = await startMaster();
    const admin = await clientOf(m);
    startAgent(m);
    const marker = join(tempDir(), 'grandchild.pid');
    const { job, task } = await admin.call('Job.Create', {
      topic: 't',
      args: ['sh', '-c', `sleep 60 & echo $! > ${marker}; trap '' TERM; sleep 60`],
      timeoutSeconds: 1,
    });
    const j = (await admin.call('Job.Wait', { job, waitSeconds: 30 })).job;
    expect(j.status).toBe('failure');
    expect((await admin.call('Task.Get', { task })).task.status).toBe('timeout');
    expect(await logOf(m, task)).toContain('build timed out after 1s');
    const pid = Number((await import('node:fs')).readFileSync(marker, 'utf8'));
    await waitFor(() => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    }, 10_000, 'grandchild to be gone');
  });

  it('stops a running task when its job is cancelled', async () => {
    const m = await startMaster();
    const admin = await clientOf(m);
    startAgent(m);
    const { job, task } = await admin.call('Job.Create', { topic: 't', args: ['sh', '-c', 'echo started; sleep 60'] });
    const viewer = await clientOf(m, 'viewer');
    await waitFor(async () => (await viewer.call('Log.Read', { task })).data.includes('started'), 20_000, 'task to start');
    await admin.call('Job.Cancel', { job, reason: 'not needed' });
    const j = (await admin.call('Job.Wait', { job, waitSeconds: 20 })).job;
    expect(j).toMatchObject({ status: 'cancelled', finished: true });
    expect((await admin.call('Task.Get', { task })).task.status).toBe('cancelled');
    expect(await logOf(m, task)).toContain('[ourci] cancelled');
  });

  it('runs a fixed trampoline with --exec and reports a missing command as a failure', async () => {
    const m = await startMaster();
    const admin = await clientOf(m);
    startAgent(m, { exec: 'echo' });
    const a = await admin.call('Job.Create', { topic: 't', args: ['build', 'esp8266'] });
    await admin.call('Job.Wait', { job: a.job, waitSeconds: 20 });
    expect(await logOf(m, a.task)).toContain('\nbuild esp8266\n');
    const b = await admin.call('Job.Create', { topic: 'u', args: ['x'] });
    startAgent(m, { topics: ['u'], exec: '/nonexistent/trampoline' });
    await admin.call('Job.Wait', { job: b.job, waitSeconds: 20 });
    expect((await admin.call('Task.Get', { task: b.task })).task).toMatchObject({ status: 'failure', exitCode: 127 });
    expect(await logOf(m, b.task)).toContain('command not found: /nonexistent/trampoline');
  });

  it('drains: finishes the running task and takes no more', async () => {
    const m = await startMaster();
    const admin = await clientOf(m);
    const agent = startAgent(m);
    const first = await admin.call('Job.Create', { topic: 't', args: ['sh', '-c', 'echo go; sleep 1; echo done'] });
    const viewer = await clientOf(m, 'viewer');
    await waitFor(async () => (await viewer.call('Log.Read', { task: first.task })).data.includes('go'), 20_000, 'first task');
    const drained = agent.drain();
    const second = await admin.call('Job.Create', { topic: 't', args: ['true'] });
    await drained;
    expect((await admin.call('Job.Get', { job: first.job })).job.status).toBe('success');
    expect((await admin.call('Task.Get', { task: second.task })).task.status).toBe('queued');
  });

  it('keeps all of a fast writer\'s output: the task waits on its pipe instead of the agent dropping it', async () => {
    const m = await startMaster();
    const admin = await clientOf(m);
    startAgent(m);
    // 24 MB written at once is far past the agent's 4 MiB high-water mark.
    const { job, task } = await admin.call('Job.Create', { topic: 't', args: ['sh', '-c', 'yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 24000000; echo; echo end'] });
    expect((await admin.call('Job.Wait', { job, waitSeconds: 60 })).job.status).toBe('success');
    const r = await admin.call('Log.Read', { task, offset: -200 });
    expect(r.data).toContain('\nend\n');
    expect(r.data).not.toContain('dropped');
    const header = (await admin.call('Log.Read', { task, limit: 4096 })).data;
    const payloadStart = header.indexOf('0123456789');
    expect(r.length).toBeGreaterThan(payloadStart + 24_000_000);
  }, 90_000);

  it('streams multi-byte output exactly, whatever falls on a 64 KiB chunk boundary', async () => {
    const m = await startMaster();
    const admin = await clientOf(m);
    startAgent(m);
    // 2-, 3- and 4-byte characters in lines of odd lengths: chunk cuts land inside characters.
    const line = 'é€😀 ünïcödé ✓ 日本語 ' + 'x'.repeat(37) + '\n';
    const count = 9000;
    const script = `const l = ${JSON.stringify(line)}; for (let i = 0; i < ${count}; i++) process.stdout.write(i + l);`;
    const { job, task } = await admin.call('Job.Create', { topic: 't', args: [process.execPath, '-e', script] });
    expect((await admin.call('Job.Wait', { job, waitSeconds: 60 })).job.status).toBe('success');
    const expected = Array.from({ length: count }, (_, i) => i + line).join('');
    const log = await admin.call('Log.Read', { task, limit: 4 * 1024 * 1024 });
    const start = log.data.indexOf('0' + line);
    expect(start).toBeGreaterThan(0);
    expect(log.data.slice(start, start + expected.length)).toBe(expected);
  }, 90_000);

  it('reports a failed task as an infrastructure error when its environment says it failed under it', async () => {
    const m = await startMaster();
    const admin = await clientOf(m);
    startAgent(m, { hooks: { infrastructureFailure: () => 'the board vanished during the task' } });
    const bad = await admin.call('Job.Create', { topic: 't', args: ['sh', '-c', 'exit 1'] });
    const j = (await admin.call('Job.Wait', { job: bad.job, waitSeconds: 20 })).job;
    expect(j.status).toBe('error');
    expect((await admin.call('Task.Get', { task: bad.task })).task).toMatchObject({ status: 'error', reason: 'the board vanished during the task' });
    expect(await logOf(m, bad.task)).toContain('[ourci] infrastructure failure: the board vanished during the task');
    // A task that succeeded anyway stays a success.
    const good = await admin.call('Job.Create', { topic: 't', args: ['true'] });
    expect((await admin.call('Job.Wait', { job: good.job, waitSeconds: 20 })).job.status).toBe('success');
  });
});
