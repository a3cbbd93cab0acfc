// Follow mode: the view sticks to the end while lines stream in, pauses when the reader
// scrolls up (their place is kept as more lines arrive), and resumes with End.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, signIn, startAgent, test } from './fixtures';

/** Prints `n` numbered lines each time a gate file appears (gate1, gate2, …), then ends. */
function steppedScript(dir: string, steps: number, n: number): string[] {
  return [
    'sh',
    '-c',
    `for s in $(seq 1 ${steps}); do ` +
      `for i in $(seq 1 1200); do [ -f '${dir}/gate'$s ] && break; sleep 0.05; done; ` +
      `for i in $(seq 1 ${n}); do echo "step $s line $i"; done; done; printf 'done %0100d\\n' 0`,
  ];
}

test('follow sticks to the end, pauses when scrolled up, and resumes with End', async ({ page, master }) => {
  const dir = mkdtempSync(join(tmpdir(), 'ourci-follow-'));
  const agent = await startAgent(master, 'dash/follow', 'agent-follow');
  try {
    const { task } = await master.rpc<{ task: string }>('Job.Create', { topic: 'dash/follow', args: steppedScript(dir, 3, 300) });
    await signIn(page, master, master.tokens.viewer);
    await page.goto(`${master.url}/tasks/${task}`);
    const log = page.getByTestId('log-scroll');
    const follow = page.getByRole('button', { name: /Follow/ });
    await expect(follow).toHaveAttribute('aria-pressed', 'true');

    writeFileSync(join(dir, 'gate1'), '');
    await expect(log.getByText('step 1 line 300', { exact: true })).toBeVisible();

    // Scrolling up pauses following; new lines do not move the view.
    await log.hover();
    await page.mouse.wheel(0, -2000);
    await expect(follow).toHaveAttribute('aria-pressed', 'false');
    const top = await log.evaluate((el) => el.scrollTop);
    writeFileSync(join(dir, 'gate2'), '');
    await expect(page.locator('.log-status')).toHaveText(/KB of/);
    await expect.poll(() => log.evaluate((el) => el.scrollHeight)).toBeGreaterThan(600 * 18);
    expect(await log.evaluate((el) => el.scrollTop)).toBe(top);
    await expect(log.getByText('step 2 line 300', { exact: true })).toHaveCount(0);

    // End resumes following and shows the newest lines, and it keeps following.
    await log.focus();
    await page.keyboard.press('End');
    await expect(follow).toHaveAttribute('aria-pressed', 'true');
    await expect(log.getByText('step 2 line 300', { exact: true })).toBeVisible();
    writeFileSync(join(dir, 'gate3'), '');
    await expect(log.getByText('step 3 line 300', { exact: true })).toBeVisible();
  } finally {
    await agent.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the jobs list updates a job in place when it changes', async ({ page, master }) => {
  const { job } = await master.rpc<{ job: string }>('Job.Create', { topic: 'dash/nobody', args: ['true'], repo: 'acme/live' });
  await signIn(page, master, master.tokens.viewer);
  await page.goto(`${master.url}/`);
  const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: job, exact: true }) });
  await expect(row.locator('[data-status="running"]')).toBeVisible();
  await master.rpc('Job.Cancel', { job });
  await expect(row.locator('[data-status="cancelled"]')).toBeVisible();
});
