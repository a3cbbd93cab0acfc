import { describe, expect, it } from 'vitest';
import { clientOf, startMaster, waitFor } from '../../helpers/master';

describe('logs over the wire', () => {
  it('streams chunks to subscribers and serves the raw log', async () => {
    const m = await startMaster();
    const admin = await clientOf(m);
    const viewer = await clientOf(m, 'viewer');
    const agent = await clientOf(m, 'agent');
    const { task } = await admin.call('Job.Create', { topic: 't', args: ['x'] });
    const msg = (await agent.call('PubSub.Pull', { subscription: 't', waitSeconds: 5 })).receivedMessages[0]!;
    await agent.call('Task.Start', { ackId: msg.ackId });
    const chunks: Array<{ offset: number; data: string }> = [];
    viewer.on('Events.Event', (p) => {
      const ev = p as { type: string; data: { offset: number; data: string } };
      if (ev.type === 'log.chunk') chunks.push(ev.data);
    });
    await viewer.call('Events.Subscribe', { topics: [`task/${task}/log`] });
    await agent.call('Log.Append', { task, attempt: 1, offset: 0, data: '\u001b[31mred\u001b[0m\n' });
    await agent.call('Log.Append', { task, attempt: 1, offset: 13, data: 'two\n' });
    await waitFor(() => chunks.length === 2, 5000, 'two chunks');
    expect(chunks[1]).toMatchObject({ offset: 13, data: 'two\n' });
    const running = await viewer.call('Log.Read', { task });
    expect(running).toMatchObject({ attempt: 1, complete: false, length: 17 });
    const res = await fetch(`${m.url}/logs/${task}`, { headers: { authorization: `Bearer ${m.tokens.viewer}` } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('\u001b[31mred\u001b[0m\ntwo\n');
    const anon = await fetch(`${m.url}/logs/${task}`);
    expect(anon.status).toBe(401);
    // Chunks bigger than 64 KiB are refused and change nothing.
    const big = await agent.call('Log.Append', { task, attempt: 1, offset: 17, data: 'é'.repeat(40_000) }).catch((e: { code: number }) => e.code);
    expect(big).toBe(413);
    expect((await viewer.call('Log.Read', { task })).length).toBe(17);
  });
});
