// A 100 MB log written by a real agent opens at its end at once (tail first, the rest on
// demand), scrolls into older bytes, and jumps to its start. The open time is recorded as
// an annotation; bench/dashboard measures it properly (bench/results/dashboard.md).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, shot, signIn, startAgent, test } from './fixtures';

const LINES = 1_140_000; // × 92 bytes ≈ 100 MB

test('a 100 MB log opens at its end, loads older bytes on demand, and jumps to its start', async ({ page, master }) => {
  test.setTimeout(240_000);
  const script = join(master.dataDir, 'big.sh');
  writeFileSync(
    script,
    `awk 'BEGIN{for(i=0;i<${LINES};i++) printf "\\033[32m%07d\\033[0m compiling src/module_%d.c -> build/obj/module_%d.o  [\\033[1;33mwarn\\033[0m] ok\\n", i, i%997, i%997; print "END OF THE BIG LOG"}'\n`,
  );
  const agent = await startAgent(master, 'dash/big', 'agent-big');
  try {
    const { job, task } = await master.rpc<{ job: string; task: string }>('Job.Create', { topic: 'dash/big', args: ['sh', script] });
    await master.rpc('Job.Wait', { job, waitSeconds: 200 });
    const tail = await master.rpc<{ length: number }>('Log.Read', { task, offset: -10, limit: 10 });
    expect(tail.length).toBeGreaterThan(100 * 1000 * 1000);

    await signIn(page, master, master.tokens.viewer);
    const t0 = Date.now();
    await page.goto(`${master.url}/tasks/${task}`);
    const log = page.getByTestId('log-scroll');
    await expect(log.getByText('END OF THE BIG LOG', { exact: true })).toBeVisible();
    const openMs = Date.now() - t0;
    test.info().annotations.push({ type: 'open 100 MB log (ms)', description: String(openMs) });
    // Only the tail was read to get there.
    await expect(page.locator('.log-status')).toHaveText(/^256 KB of 100 MB loaded/);
    await expect(log.getByText('1139999', { exact: true })).toBeVisible();
    await shot(page, 'task-100mb-log');

    // Scrolling up reads older bytes and keeps the reader's place.
    await log.hover();
    for (let i = 0; i < 20; i++) await page.mouse.wheel(0, -4000); // the 256 KB tail is ~50,000 px tall
    await expect(page.locator('.log-status')).not.toHaveText(/^256 KB of/);
    await expect(log.locator('.log-line').first()).toBeVisible();

    // Home goes to the start of the log.
    await log.focus();
    await page.keyboard.press('Home');
    await expect(log.getByText('0000000', { exact: true })).toBeVisible();
    // …having read its head and the tail, not the 100 MB between them.
    await expect(page.locator('.log-status')).toHaveText(/^\d(\.\d)? MB of 100 MB loaded/);
    await shot(page, 'task-100mb-log-start');

    // End follows again and shows the end.
    await page.keyboard.press('End');
    await expect(log.getByText('END OF THE BIG LOG', { exact: true })).toBeVisible();
  } finally {
    await agent.stop();
  }
});
