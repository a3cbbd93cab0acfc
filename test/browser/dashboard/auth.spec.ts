// Signing in: a master without --public-read asks for a token, refuses a bad one with a
// message, keeps a good one, hides admin actions from viewers; --public-read needs none.
import { expect, gatedScript, savedToken, setToken, shot, startMaster, test } from './fixtures';

test('asks for a token, refuses a wrong one, and keeps a viewer signed in', async ({ page, master }) => {
  await page.goto(`${master.url}/`);
  await expect(page.getByRole('heading', { name: 'Sign in to OurCI' })).toBeVisible();
  await shot(page, 'login');
  await page.getByLabel('Token').fill('ocv_wrong');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('That token was refused');

  await page.getByLabel('Token').fill(master.tokens.viewer);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Jobs' })).toBeVisible();
  await expect(page.getByTestId('scope')).toHaveText('viewer');
  await expect(page.getByTestId('connection')).toContainText('live');

  // Kept across reloads; admin actions hidden from a viewer.
  const { job } = await master.rpc<{ job: string }>('Job.Create', { topic: 'dash/auth', args: gatedScript('/nonexistent/never') });
  await page.goto(`${master.url}/jobs/${job}`);
  await expect(page.getByRole('heading', { name: `Job ${job}` })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Cancel job' })).toHaveCount(0);
  await expect(page.getByTestId('scope')).toHaveText('viewer');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in to OurCI' })).toBeVisible();
  expect(await savedToken(page)).toBeNull();
  await master.rpc('Job.Cancel', { job });
});

test('a saved token the master refuses leads back to the sign-in form with a reason', async ({ page, master }) => {
  await setToken(page, master, 'oca_revoked');
  await page.goto(`${master.url}/jobs/1`);
  await expect(page.getByRole('alert')).toContainText('refused the saved token');
  // Signing in keeps the deep link.
  await page.getByLabel('Token').fill(master.tokens.admin);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByText('Could not load job 1')).toBeVisible();
  await expect(page.getByTestId('scope')).toHaveText('admin');
});

test('a --public-read master shows the dashboard without a token', async ({ page }) => {
  const m = await startMaster({ publicRead: true });
  try {
    await page.goto(`${m.url}/`);
    await expect(page.getByRole('heading', { name: 'Jobs' })).toBeVisible();
    await expect(page.getByTestId('scope')).toHaveText('public');
    await expect(page.getByText('No jobs yet.')).toBeVisible();
    await expect(page.getByTestId('connection')).toContainText('live');
  } finally {
    await m.stop();
  }
});
