// The page survives a master restart: it shows that it is reconnecting, comes back by itself,
// subscribes again, and re-reads what it shows (events sent while it was away are gone).
import { rmSync } from 'node:fs';
import { expect, shot, signIn, startMaster, test } from './fixtures';

test('reconnects after a master restart and keeps receiving live updates', async ({ page }) => {
  test.setTimeout(120_000);
  let m = await startMaster();
  const dataDir = m.dataDir;
  const port = m.port;
  try {
    await signIn(page, m, m.tokens.viewer);
    await page.goto(`${m.url}/`);
    await expect(page.getByText('No jobs yet.')).toBeVisible();
    await expect(page.getByTestId('connection')).toContainText('live');

    await m.stop({ keepData: true });
    await expect(page.getByTestId('connection')).toContainText('reconnecting');
    await shot(page, 'reconnecting');
    // A job created while the page is away: the re-read after reconnecting shows it.
    m = await startMaster({ dataDir, port });
    const { job: early } = await m.rpc<{ job: string }>('Job.Create', { topic: 'dash/rc', args: ['true'] });
    await expect(page.getByTestId('connection')).toContainText('live', { timeout: 60_000 });
    await expect(page.getByRole('link', { name: early, exact: true })).toBeVisible();
    // And events flow again (the topic was subscribed again).
    const { job: late } = await m.rpc<{ job: string }>('Job.Create', { topic: 'dash/rc', args: ['true'] });
    await expect(page.getByRole('link', { name: late, exact: true })).toBeVisible();
  } finally {
    await m.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
