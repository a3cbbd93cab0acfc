// The attempt selector: a task released by its first holder and run again shows the latest
// attempt's log by default, and the first one on request. Driven through the RPC methods an
// agent uses (Pull, Task.Start, Log.Append, ModifyAckDeadline, Task.Finish).
import { expect, signIn, test, type MasterProc } from './fixtures';

type Pulled = { receivedMessages: Array<{ ackId: string }> };

async function takeAndLog(m: MasterProc, topic: string, text: string): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const { receivedMessages } = await m.rpc<Pulled>('PubSub.Pull', { subscription: topic, maxMessages: 1, waitSeconds: 5 }, m.tokens.agent);
    const ackId = receivedMessages[0]?.ackId;
    if (!ackId) continue;
    const start = await m.rpc<{ task: { id: string }; attempt: number }>('Task.Start', { ackId, agent: `rpc-agent-${i}` }, m.tokens.agent);
    await m.rpc('Log.Append', { task: start.task.id, attempt: start.attempt, offset: 0, data: text }, m.tokens.agent);
    return ackId;
  }
  throw new Error('no delivery');
}

test('the latest attempt shows by default and earlier ones on request', async ({ page, master }) => {
  const topic = 'dash/attempts';
  const { task } = await master.rpc<{ task: string }>('Job.Create', { topic, args: ['flaky'] });
  const first = await takeAndLog(master, topic, 'first attempt: \x1b[31mboard did not answer\x1b[0m\n');
  await master.rpc('PubSub.ModifyAckDeadline', { subscription: topic, ackIds: [first], ackDeadlineSeconds: 0 }, master.tokens.agent);
  const second = await takeAndLog(master, topic, 'second attempt: all good\n');
  await master.rpc('Task.Finish', { ackId: second, exitCode: 0 }, master.tokens.agent);

  await signIn(page, master, master.tokens.viewer);
  await page.goto(`${master.url}/tasks/${task}`);
  const log = page.getByTestId('log-scroll');
  await expect(log.getByText('second attempt: all good', { exact: true })).toBeVisible();
  const select = page.getByLabel('attempt');
  await expect(select.locator('option')).toHaveCount(2);
  await select.selectOption('1');
  await expect(page).toHaveURL(`${master.url}/tasks/${task}?attempt=1`);
  await expect(log.getByText('board did not answer', { exact: true })).toBeVisible();
  await expect(log.getByText('second attempt: all good', { exact: true })).toHaveCount(0);
  // The deep link to an attempt works too.
  await page.reload();
  await expect(log.getByText('board did not answer', { exact: true })).toBeVisible();
});
