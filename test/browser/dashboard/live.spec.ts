// The dashboard against a real master and real agents: a job appears live, its tasks update,
// a log streams while the task runs with its colours, cancel works, deep links work.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, gatedScript, shot, signIn, startAgent, test } from './fixtures';

test('a job appears live, its task streams a coloured log, and the job turns green', async ({ page, master }) => {
  const gateDir = mkdtempSync(join(tmpdir(), 'ourci-gate-'));
  const gate = join(gateDir, 'go');
  const agent = await startAgent(master, 'dash/live', 'agent-live');
  try {
    await signIn(page, master, master.tokens.admin);
    await page.goto(`${master.url}/`);
    await expect(page.getByText('No jobs yet.')).toBeVisible();

    // The job appears without a reload.
    const { job, task } = await master.rpc<{ job: string; task: string }>('Job.Create', {
      topic: 'dash/live',
      args: gatedScript(gate),
      repo: 'acme/firmware',
      pr: 17,
      sha: '0123456789abcdef0123456789abcdef01234567',
      ref: 'refs/heads/feature/leds',
    });
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: job, exact: true }) });
    await expect(row).toBeVisible();
    await expect(row).toContainText('acme/firmware');
    await expect(row).toContainText('#17');
    await expect(row).toContainText('feature/leds');
    await expect(row).toContainText('0123456');
    await expect(row.locator('[data-status="running"]')).toBeVisible();
    await shot(page, 'jobs');

    // Its task updates live on the job page (queued → running on our agent).
    await row.getByRole('link', { name: job, exact: true }).click();
    await expect(page).toHaveURL(`${master.url}/jobs/${job}`);
    const taskRow = page.getByRole('table', { name: 'tasks' }).getByRole('row').nth(1);
    await expect(taskRow.locator('[data-status="running"]')).toBeVisible();
    await expect(taskRow).toContainText('agent-live');
    await shot(page, 'job-running');

    // The log streams while the task runs, with its colours.
    await taskRow.getByRole('link').first().click();
    await expect(page).toHaveURL(`${master.url}/tasks/${task}`);
    const log = page.getByTestId('log-scroll');
    await expect(log.getByText('green start', { exact: true })).toBeVisible();
    await expect(log.getByText('green start', { exact: true })).toHaveCSS('color', 'rgb(63, 185, 80)');
    await expect(log.getByText('bold red', { exact: true })).toHaveCSS('color', 'rgb(255, 123, 114)');
    await expect(log.getByText('bold red', { exact: true })).toHaveCSS('font-weight', '700');
    await expect(log.getByText('after the gate', { exact: true })).toHaveCount(0);
    writeFileSync(gate, '');
    await expect(log.getByText('after the gate', { exact: true })).toBeVisible();
    await expect(page.locator('.page-head [data-status="success"]')).toBeVisible();
    await shot(page, 'task-log');

    // The raw log downloads with its escapes.
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: /Raw/ }).click();
    const raw = readFileSync(await (await download).path(), 'utf8');
    expect(raw).toContain('\x1b[32mgreen start\x1b[0m');
    expect(raw).toContain('after the gate');

    // Search finds a line and marks it.
    await page.getByLabel('search the log').fill('WAITING 0000');
    await page.getByLabel('search the log').press('Enter');
    await expect(log.locator('mark')).toHaveText('waiting 0000');
    await expect(page.locator('.match-info')).toHaveText('1 of 1');

    // Back on the jobs list, the job is green with its task counted.
    await page.goto(`${master.url}/`);
    await expect(row.locator('[data-status="success"]')).toBeVisible();
    await expect(row).toContainText('1/1');
  } finally {
    await agent.stop();
    rmSync(gateDir, { recursive: true, force: true });
  }
});

test('an admin cancels a running job from its page', async ({ page, master }) => {
  await master.rpc('PubSub.CreateTopic', { name: 'dash/cancel' });
  // A short lease so the agent hears about the cancel within a second.
  await master.rpc('PubSub.UpdateSubscription', { name: 'dash/cancel', ackDeadlineSeconds: 3 });
  const agent = await startAgent(master, 'dash/cancel', 'agent-cancel');
  try {
    const { job, task } = await master.rpc<{ job: string; task: string }>('Job.Create', { topic: 'dash/cancel', args: gatedScript('/nonexistent/never') });
    await signIn(page, master, master.tokens.admin);
    await page.goto(`${master.url}/tasks/${task}`);
    await expect(page.getByTestId('log-scroll').getByText('green start', { exact: true })).toBeVisible();
    await page.goto(`${master.url}/jobs/${job}`);
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Cancel job' }).click();
    await expect(page.locator('.page-head [data-status="cancelled"]')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Retry' })).toBeVisible({ timeout: 30_000 });
    const taskRow = page.getByRole('table', { name: 'tasks' }).getByRole('row').nth(1);
    await expect(taskRow.locator('[data-status="cancelled"]')).toBeVisible({ timeout: 30_000 });
    await shot(page, 'job-cancelled');

    // Retry starts a new job and opens it.
    await page.getByRole('button', { name: 'Retry' }).click();
    await expect(page).not.toHaveURL(`${master.url}/jobs/${job}`);
    await expect(page.getByText(`Retry of`)).toBeVisible();
    const retried = new URL(page.url()).pathname.split('/').pop()!;
    await master.rpc('Job.Cancel', { job: retried });
  } finally {
    await agent.stop();
  }
});

test('deep links, failures up front, agents and queues', async ({ page, master }) => {
  const agent = await startAgent(master, 'dash/deep', 'agent-deep');
  try {
    const { job, task } = await master.rpc<{ job: string; task: string }>('Job.Create', {
      topic: 'dash/deep',
      args: ['sh', '-c', 'echo firmware-bytes > fw.bin && curl -fsS -T fw.bin "$BLOB_URL/fw/esp8266.bin" && echo "\\033[31mboom\\033[0m: test failed" >&2; exit 3'],
      repo: 'acme/firmware',
    });
    await master.rpc('Job.Wait', { job, waitSeconds: 30 });
    await signIn(page, master, master.tokens.viewer);

    await page.goto(`${master.url}/tasks/${task}`);
    await expect(page.getByTestId('log-scroll').getByText('boom', { exact: true })).toBeVisible();
    await expect(page.locator('.facts .exit-bad')).toHaveText('3');

    await page.goto(`${master.url}/jobs/${job}`);
    await expect(page).toHaveTitle(`failure · Job ${job} · OurCI`);
    await expect(page.getByTestId('failures')).toContainText('1 failed task');
    await expect(page.getByTestId('failures')).toContainText('exit 3');
    // The job's blobs, downloadable with the viewer's token.
    const blobs = page.getByRole('table', { name: 'blobs' });
    await expect(blobs).toContainText('fw/esp8266.bin');
    const download = page.waitForEvent('download');
    await blobs.getByRole('button', { name: /Download/ }).click();
    expect(readFileSync(await (await download).path(), 'utf8')).toBe('firmware-bytes\n');

    await page.keyboard.press('x');
    await expect(page.getByRole('button', { name: 'failed (1)' })).toHaveClass(/on/);
    await shot(page, 'job-failed');

    await page.goto(`${master.url}/agents`);
    await expect(page.getByRole('table', { name: 'agents' })).toContainText('agent-deep');
    await expect(page.getByRole('table', { name: 'agents' })).toContainText('dash/deep');
    await shot(page, 'agents');

    await page.goto(`${master.url}/queues`);
    await expect(page.getByRole('table', { name: 'subscriptions' })).toContainText('dash/deep');
    await shot(page, 'queues');

    // Filters live in the URL and survive a reload.
    await page.goto(`${master.url}/?status=failure&repo=acme%2Ffirmware`);
    await expect(page.getByRole('table', { name: 'jobs' }).getByRole('row')).toHaveCount(2);
    await page.goto(`${master.url}/?status=success`);
    await expect(page.getByText('No jobs match these filters.')).toBeVisible();

    // A link to something that does not exist says so, and what to do.
    await page.goto(`${master.url}/tasks/987654`);
    await expect(page.getByRole('alert')).toContainText('Could not load task 987654');
    await expect(page.getByRole('alert')).toContainText('Check the address');

    // Keyboard: g a goes to agents.
    await page.keyboard.press('g');
    await page.keyboard.press('a');
    await expect(page).toHaveURL(`${master.url}/agents`);
  } finally {
    await agent.stop();
  }
});
