// Queues: per-subscription counts, and dead letters an admin can inspect and re-queue.
import { expect, shot, signIn, test } from './fixtures';

test('dead letters can be inspected and re-queued by an admin', async ({ page, master }) => {
  await master.rpc('PubSub.CreateTopic', { name: 'dash/dlq' });
  await master.rpc('PubSub.UpdateSubscription', { name: 'dash/dlq', ackDeadlineSeconds: 1, maxDeliveryAttempts: 1 });
  await master.rpc('PubSub.Publish', { topic: 'dash/dlq', messages: [{ data: { firmware: 'esp8266.bin', reason: 'poison' }, attributes: { kind: 'test' } }] });
  // Take it and never ack: with one delivery allowed, it is dead-lettered when the lease ends.
  await master.rpc('PubSub.Pull', { subscription: 'dash/dlq', maxMessages: 1, waitSeconds: 5 }, master.tokens.agent);
  for (let i = 0; i < 100; i++) {
    const { subscriptions } = await master.rpc<{ subscriptions: Array<{ name: string; deadLettered: number }> }>('PubSub.ListSubscriptions', { topic: 'dash/dlq' });
    if (subscriptions[0]?.deadLettered === 1) break;
    await master.rpc('PubSub.Pull', { subscription: 'dash/dlq', maxMessages: 1, waitSeconds: 0.2 }, master.tokens.agent);
  }

  await signIn(page, master, master.tokens.admin);
  await page.goto(`${master.url}/queues`);
  const row = page.getByRole('table', { name: 'subscriptions' }).getByRole('row').filter({ hasText: 'dash/dlq' });
  await row.getByRole('button', { name: /1/ }).click();
  const dead = page.getByTestId('dead-letters');
  await expect(dead).toContainText('esp8266.bin');
  await dead.getByRole('button', { name: 'Inspect' }).click();
  await expect(dead.locator('pre.json')).toContainText('"kind": "test"');
  await shot(page, 'queues-dead-letters');

  await dead.getByRole('button', { name: 'Re-queue', exact: true }).click();
  await expect(dead).toContainText('1 message put back in the backlog of dash/dlq');
  await expect(dead).toContainText('No dead letters.');
  await expect(row.locator('td').nth(2)).toHaveText('1'); // backlog
});
