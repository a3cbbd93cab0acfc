// The whole path: a signed webhook → a job whose root task runs on real agents and spawns
// children with `ourci spawn` → commit statuses on the fake GitHub, through a green build,
// a failing task, a superseded commit and master restarts.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Master } from '../../../server/master';
import { Agent } from '../../../src/agent/index';
import { startFakeGitHub, type FakeGitHub } from '../../helpers/fake-github';
import { startMaster, tempDir, waitFor } from '../../helpers/master';
import { deliver, githubSettings, prPayload, REPO, sha } from './github-fixtures';

const BIN = fileURLToPath(new URL('../../../bin', import.meta.url));

interface Setup {
  dir: string;
  /** What the root task of `sha` does (shell, sourced by the trampoline). */
  plan(sha: string, script: string): void;
  release(name: string): void;
}

function workspace(): Setup {
  const dir = tempDir('ourci-gh-e2e-');
  // The trampoline: record the GitHub environment, then run the commit's plan.
  writeFileSync(
    join(dir, 'ci.sh'),
    'set -e\nenv | grep -E "^(REPO|SHA|BRANCH|PR|CLONE_URL)=" | sort > "$OUT/$SHA.env"\n. "$OUT/$SHA.plan"\n',
  );
  writeFileSync(join(dir, 'fail.sh'), 'echo "assertion failed: expected 1, got 2"\nexit 3\n');
  // Waits (bounded) until the test releases it.
  writeFileSync(join(dir, 'wait.sh'), 'i=0\nwhile [ ! -e "$OUT/release-$1" ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done\n[ -e "$OUT/release-$1" ]\n');
  return {
    dir,
    plan: (s, script) => writeFileSync(join(dir, `${s}.plan`), script),
    release: (name) => writeFileSync(join(dir, `release-${name}`), ''),
  };
}

function startAgents(m: Master, dir: string, n = 2): Agent[] {
  const agents: Agent[] = [];
  for (let i = 1; i <= n; i++) {
    const agent = new Agent({
      url: m.url,
      token: m.tokens.agent,
      topics: ['ourci/build/docker', 'ourci/test/child'],
      name: `gh-e2e-${i}`,
      baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' },
      pathPrepend: [BIN],
      extraEnv: { OUT: dir },
      pullWaitSeconds: 5,
      killGraceMs: 1000,
    });
    void agent.run().catch(() => {});
    onTestFinished(() => agent.drain(true));
    agents.push(agent);
  }
  return agents;
}

async function master(fake: FakeGitHub, ws: Setup, over: Parameters<typeof startMaster>[0] = {}): Promise<Master> {
  // No publicUrl: tasks reach the master through it too (OURCI_URL), so it must be the real address.
  return startMaster({
    github: githubSettings(fake, { command: `/bin/sh ${join(ws.dir, 'ci.sh')}` }),
    ...over,
  });
}

const spawn = (name: string, script: string, ...args: string[]): string =>
  `ourci spawn -t ourci/test/child --name ${name} -- /bin/sh "$OUT/${script}" ${args.join(' ')} >/dev/null\n`;

describe('GitHub statuses, end to end on real agents', () => {
  it('reports pending with progress, then success, for a green build', async () => {
    const fake = await startFakeGitHub({ token: 'ghp_testtoken' });
    const ws = workspace();
    const m = await master(fake, ws);
    startAgents(m, ws.dir);
    ws.release('go');
    ws.plan(sha(1), spawn('lint', 'wait.sh', 'go') + 'ourci spawn -t ourci/test/child --name unit -- true >/dev/null\n');
    const r = await deliver(m.url, { event: 'pull_request', body: prPayload({ action: 'opened', sha: sha(1) }) });
    expect(r.status).toBe(200);
    await waitFor(() => fake.latest(sha(1))?.state === 'success', 45_000, 'a success status');
    const all = fake.statusesOf(sha(1));
    expect(all[0]!.state).toBe('pending');
    expect(all.slice(0, -1).every((s) => s.state === 'pending')).toBe(true);
    const last = all.at(-1)!;
    expect(last.description).toMatch(/^Passed: 3 tasks in \d+s$/);
    const job = m.jobs.jobRow(1)!;
    expect(last.target_url).toBe(`${m.url}/jobs/${job.id}`);
    expect(last.context).toBe('ourci');
    // The trampoline saw the GitHub environment.
    const env = (await import('node:fs')).readFileSync(join(ws.dir, `${sha(1)}.env`), 'utf8');
    expect(env).toBe(`BRANCH=changes\nCLONE_URL=https://github.com/Codertocat/Hello-World.git\nPR=2\nREPO=${REPO}\nSHA=${sha(1)}\n`);
    // Every request carried the token and went to the statuses endpoint of the right repository.
    for (const req of fake.requests) {
      expect(req.headers.authorization).toBe('token ghp_testtoken');
      expect(req.path).toBe(`/repos/${REPO}/statuses/${sha(1)}`);
    }
    await waitFor(() => m.github!.store.outboxSize() === 0, 10_000, 'an empty outbox');
  });

  it('turns failure as soon as the first task fails, linking to that task, and stays failed', async () => {
    const fake = await startFakeGitHub();
    const ws = workspace();
    const m = await master(fake, ws);
    startAgents(m, ws.dir);
    ws.plan(sha(2), spawn('unit-tests', 'fail.sh') + spawn('hw-test-esp8266', 'wait.sh', 'hw'));
    await deliver(m.url, { event: 'pull_request', body: prPayload({ action: 'opened', sha: sha(2) }) });
    const failed = await waitFor(() => fake.statusesOf(sha(2)).find((s) => s.state === 'failure'), 45_000, 'a failure status');
    // The slow task is still running: the job has not finished, yet the PR already shows the failure.
    const job = m.jobs.jobRow(1)!;
    expect(job.finished).toBe(false);
    const failedTask = job.firstFailedTask!;
    expect(m.jobs.taskRow(failedTask)!.name).toBe('unit-tests');
    expect(failed.target_url).toBe(`${m.url}/tasks/${failedTask}`);
    expect(failed.description).toMatch(/^Failed: unit-tests \(\d\/\d tasks done\)$/);
    ws.release('hw');
    await waitFor(() => m.jobs.jobRow(1)!.finished && fake.latest(sha(2))?.description?.includes('1 of 3 tasks failed'), 45_000, 'the final failure');
    const all = fake.statusesOf(sha(2));
    const firstFailure = all.findIndex((s) => s.state === 'failure');
    expect(all.slice(firstFailure).every((s) => s.state === 'failure')).toBe(true);
    expect(all.at(-1)).toMatchObject({ state: 'failure', description: 'Failed: unit-tests (1 of 3 tasks failed)', target_url: `${m.url}/tasks/${failedTask}` });
  });

  it('cancels a superseded commit with a clear status and builds the new head', async () => {
    const fake = await startFakeGitHub();
    const ws = workspace();
    const m = await master(fake, ws);
    startAgents(m, ws.dir);
    ws.plan(sha(3), spawn('long', 'wait.sh', 'never'));
    ws.plan(sha(4), '');
    await deliver(m.url, { event: 'pull_request', body: prPayload({ action: 'opened', sha: sha(3) }) });
    await waitFor(() => m.jobs.jobRow(1)?.tasksTotal === 2, 45_000, 'the long task');
    await deliver(m.url, { event: 'pull_request', body: prPayload({ action: 'synchronize', sha: sha(4) }) });
    await waitFor(() => fake.latest(sha(4))?.state === 'success', 45_000, 'the new head to pass');
    await waitFor(() => fake.latest(sha(3))?.state === 'error', 45_000, 'the old head to be cancelled');
    expect(fake.latest(sha(3))!.description).toBe(`Cancelled: superseded by ${sha(4).slice(0, 7)}`);
    await waitFor(() => m.jobs.jobRow(1)!.finished, 45_000, 'the old job to end');
    expect(m.jobs.jobRow(1)!.status).toBe('cancelled');
    // Nothing the cancelled job did afterwards overwrote its final word.
    expect(fake.latest(sha(3))!.state).toBe('error');
  });

  it('survives a master restart in the middle of a build: leases, outbox and de-duplication', async () => {
    const fake = await startFakeGitHub();
    const ws = workspace();
    const dataDir = tempDir();
    const m1 = await master(fake, ws, { dataDir });
    const agents = startAgents(m1, ws.dir);
    ws.plan(sha(5), spawn('flash-and-test', 'wait.sh', 'restart'));
    // GitHub's status API is down from the start (so no update can slip through before the
    // failure is in place); the updates pile up in the outbox.
    fake.fail({ path: /\/statuses\//, status: 502, times: 10_000 });
    const first = await deliver(m1.url, { event: 'pull_request', body: prPayload({ action: 'opened', sha: sha(5) }) });
    await waitFor(() => m1.jobs.jobRow(1)?.tasksTotal === 2, 45_000, 'the build to be under way');
    await waitFor(() => m1.jobs.jobRow(1)!.tasksDone === 1, 45_000, 'the root task to finish');
    await waitFor(() => m1.github!.store.outboxSize() === 1 && fake.requestsTo(/\/statuses\//).some((r) => r.status === 502), 45_000, 'a queued status');
    await m1.close();

    const m2 = await master(fake, ws, { dataDir, port: m1.port });
    // The same delivery again after the restart is recognised.
    const again = await deliver(m2.url, { event: 'pull_request', body: prPayload({ action: 'opened', sha: sha(5) }), delivery: first.delivery });
    expect(again.json.duplicate).toBe(true);
    ws.release('restart');
    await waitFor(() => m2.jobs.jobRow(1)!.finished, 60_000, 'the job to finish after the restart');
    expect(m2.jobs.jobRow(1)!.status).toBe('success');
    expect(m2.github!.store.outboxSize()).toBe(1); // GitHub is still down
    fake.failures.length = 0;
    await waitFor(() => fake.latest(sha(5))?.state === 'success', 45_000, 'the final status after GitHub recovers');
    await waitFor(() => m2.github!.store.outboxSize() === 0, 10_000, 'an empty outbox');
    expect(fake.statusesOf(sha(5)).filter((s) => s.state === 'success')).toHaveLength(1);
    expect(m2.jobs.jobRow(2)).toBeUndefined(); // one job, resumed, never restarted
    await Promise.all(agents.map((a) => a.drain())); // while their master is still up
  });
});
