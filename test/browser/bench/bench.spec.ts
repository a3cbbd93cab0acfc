// The bench UI in Debian's Chromium against `ourci bench --headless` with virtual boards and
// a real master: boards appear, a task's log streams with the board's serial lines, a manual
// reflash of a master blob shows progress and completes, a quarantined board returns to
// service, and the operator signs in with the bench's token.
import { expect, test } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sampleFirmware, SHOTS, startStack, type Stack } from './fixtures';

let stack: Stack;

test.afterEach(async () => {
  await stack?.stop();
});

test('boards appear with type, port, MAC, state and health', async ({ page }) => {
  stack = await startStack();
  await page.goto(stack.loginUrl);
  const rows = page.locator('table[aria-label="boards"] tbody tr');
  await expect(rows).toHaveCount(3);
  await expect(page).not.toHaveURL(/login=/);
  const esp = page.locator('tr[data-board="esp8266-18fe347e0001"]');
  await expect(esp).toContainText('ESP8266EX');
  await expect(esp).toContainText('virtual:esp8266-1');
  await expect(esp).toContainText('18:fe:34:7e:00:01');
  await expect(esp).toContainText('ourci/test/esp-12e');
  await expect(esp.locator('.badge').first()).toHaveAttribute('data-status', 'idle');
  await expect(esp.locator('.badge').nth(1)).toHaveAttribute('data-status', 'ok');
  await expect(page.locator('tr[data-board="cc3200-virt1"]')).toContainText('ourci/test/cc3200');
  await expect(page.getByTestId('bench-name')).toHaveText('pw-bench');
  await page.screenshot({ path: join(SHOTS, 'boards.png'), fullPage: true });
});

test('a task runs on a board and its log streams, serial lines included', async ({ page }) => {
  stack = await startStack({ virtual: 'esp8266:1' });
  const fw = stack.firmware('pwtest', '3.1.4');
  const gate = join(stack.dir, 'gate');
  await page.goto(stack.loginUrl);
  await page.getByRole('link', { name: /^Tasks/ }).click();
  await expect(page.getByText('No tasks yet')).toBeVisible();
  const script = `ourci flash ${fw} && ourci console --until 'app: name=pwtest' --timeout 20s && echo waiting-for-gate && i=0; while [ ! -f ${gate} ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; echo gate-open`;
  await stack.rpc('Job.Create', { topic: 'ourci/test/esp-12e', args: ['sh', '-c', script] });
  const item = page.locator('ul[aria-label="tasks"] a').first();
  await expect(item).toContainText('running');
  await item.click();
  const log = page.getByTestId('task-log');
  // These lines arrive while the page is open: streamed, not loaded.
  await expect(log.locator('.log-line', { hasText: '[serial] app: name=pwtest version=3.1.4' })).toBeVisible();
  await expect(log).toContainText('[bench] esp8266-18fe347e0001: flashed pwtest-3.1.4.bin');
  await expect(log).toContainText('waiting-for-gate');
  await expect(page.locator('nav')).toContainText('Tasks (1)');
  await page.screenshot({ path: join(SHOTS, 'task-running.png'), fullPage: true });
  writeFileSync(gate, '');
  await expect(log).toContainText('gate-open');
  await expect(log).toContainText('[ourci] exit code 0');
  await expect(page.locator('.split-detail h2 .badge')).toHaveAttribute('data-status', 'success');
});

test('a manual reflash of a master blob shows progress and completes', async ({ page }) => {
  stack = await startStack({ virtual: 'esp8266:2', pace: true });
  const { job } = await stack.rpc<{ job: string }>('Job.Create', { topic: 'ourci/build/elsewhere', args: ['true'] });
  await stack.putBlob(job, 'fw/app.bin', sampleFirmware('shiny', '2.0.0', 256 << 10));
  await page.goto(stack.loginUrl);
  await page.locator('tr[data-board="esp8266-18fe347e0002"] input[type=checkbox]').check();
  await page.getByRole('link', { name: 'Flash 1 selected' }).click();
  await page.getByLabel('job id').fill(job);
  await page.getByRole('button', { name: 'Find' }).click();
  await page.getByRole('radio').check();
  await expect(page.getByTestId('chosen-source')).toHaveText(`Chosen: ${job}/fw/app.bin`);
  await expect(page.getByLabel('flash esp8266-18fe347e0002')).toBeChecked();
  // Record every value the progress bar takes (a script: these tests compile without the DOM types).
  await page.evaluate(`(() => {
    window.seen = [];
    new MutationObserver(() => {
      for (const el of document.querySelectorAll('[role=progressbar]')) window.seen.push(Number(el.getAttribute('aria-valuenow')));
    }).observe(document.body, { subtree: true, attributes: true, childList: true });
  })()`);
  await page.getByRole('button', { name: 'Flash 1 board' }).click();
  const bar = page.getByRole('progressbar', { name: 'flashing esp8266-18fe347e0002' });
  await expect(bar).toBeVisible();
  await expect(page.locator('section[aria-label=progress] .flash-progress')).toContainText('writing');
  await page.screenshot({ path: join(SHOTS, 'flash-progress.png'), fullPage: true });
  await expect(page.locator('section[aria-label=progress] .flash-progress')).toHaveAttribute('data-state', 'done', { timeout: 45_000 });
  await expect(page.locator('section[aria-label=progress]')).toContainText('verified');
  await expect(page.locator('section[aria-label=progress]')).toContainText('shiny 2.0.0');
  await expect(bar).toHaveAttribute('aria-valuenow', '100');
  const seen = (await page.evaluate('window.seen')) as number[];
  expect(seen.some((v) => v > 0 && v < 100)).toBe(true);
  // The board runs it: its banner is on its console, and it answers what is typed.
  await page.goto(`${stack.benchUrl}/#/boards/esp8266-18fe347e0002`);
  const lines = page.getByTestId('serial-lines');
  await expect(lines).toContainText('app: name=shiny version=2.0.0');
  await page.getByLabel('serial input').fill('hello bench');
  await page.getByLabel('serial input').press('Enter');
  await expect(lines).toContainText('echo: hello bench');
  await page.screenshot({ path: join(SHOTS, 'board-console.png'), fullPage: true });
});

test('a quarantined board can be returned to service', async ({ page }) => {
  stack = await startStack();
  await page.goto(stack.loginUrl);
  await page.getByRole('link', { name: 'cc3200-virt1' }).click();
  await page.getByRole('button', { name: 'Quarantine' }).click();
  const facts = page.locator('dl.facts');
  await expect(facts.locator('dd').first()).toContainText('quarantined');
  await expect(facts).toContainText('taken out of service by the operator');
  // The master's Board.List (what the dashboard shows) knows too.
  await expect
    .poll(async () => (await stack.rpc<{ boards: Array<{ id: string; health: string }> }>('Board.List')).boards.find((b) => b.id === 'cc3200-virt1')?.health)
    .toBe('quarantined');
  await page.screenshot({ path: join(SHOTS, 'quarantined.png'), fullPage: true });
  await page.getByRole('button', { name: 'Return to service' }).click();
  await expect(facts.locator('dd').nth(1)).toContainText('ok');
  await expect(facts.locator('dd').first()).toContainText('idle');
  await expect(page.getByRole('button', { name: 'Quarantine' })).toBeVisible();
  await expect
    .poll(async () => (await stack.rpc<{ boards: Array<{ id: string; health: string }> }>('Board.List')).boards.find((b) => b.id === 'cc3200-virt1')?.health)
    .toBe('ok');
});

test('asks for the token without the login link, and a link works once', async ({ page, browser }) => {
  stack = await startStack({ virtual: 'cc3200:1' });
  await page.goto(stack.benchUrl);
  await page.getByLabel('Token').fill('obo_not-the-token-at-all');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('refused');
  await page.getByLabel('Token').fill(stack.benchToken);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.locator('table[aria-label="boards"] tbody tr')).toHaveCount(1);

  const other = await browser.newContext();
  const p2 = await other.newPage();
  await p2.goto(stack.loginUrl);
  await expect(p2.locator('table[aria-label="boards"] tbody tr')).toHaveCount(1);
  const third = await browser.newContext();
  const p3 = await third.newPage();
  await p3.goto(stack.loginUrl);
  await expect(p3.getByRole('alert')).toContainText('used already');
  await other.close();
  await third.close();
});
