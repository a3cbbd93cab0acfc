// The Node client of the master: typed calls over a WebSocket that reconnects by itself.
import { describe, expect, it } from 'vitest';
import { connectMaster, wsUrlOf } from '../../src/client/master-client';
import { httpCall } from '../../src/client/index';
import { startMaster, tempDir, waitFor } from '../helpers/master';

describe('connectMaster', () => {
  it('derives the WebSocket URL from the base URL', () => {
    expect(wsUrlOf('http://127.0.0.1:8080')).toBe('ws://127.0.0.1:8080/rpc');
    expect(wsUrlOf('https://ci.example.com/ourci/')).toBe('wss://ci.example.com/ourci/rpc');
  });

  it('reconnects by itself after the master restarts; calls made meanwhile wait, calls in flight fail with 503', async () => {
    const dataDir = tempDir();
    let m = await startMaster({ dataDir });
    const port = m.port;
    const states: string[] = [];
    const c = connectMaster(m.url, m.tokens.agent, { minBackoffMs: 20, maxBackoffMs: 200, onState: (s) => states.push(s) });
    try {
      let reconnects = 0;
      c.onReconnect(() => reconnects++);
      await c.ready();
      await c.call('PubSub.Pull', { subscription: 't', waitSeconds: 0 });
      const inFlight = c.call('PubSub.Pull', { subscription: 't', waitSeconds: 60 }).catch((e: unknown) => e);
      await waitFor(() => m.pubsub.listSubscriptions()[0]?.waitingPullers === 1);
      await m.close();
      // Either the master's shutdown answered the long poll empty, or the connection loss failed it.
      const r = await inFlight;
      expect(JSON.stringify(r) === '{"receivedMessages":[]}' || (r as { code?: number }).code === 503).toBe(true);
      await waitFor(() => c.state === 'connecting');
      const meanwhile = c.call('RPC.Ping', {}, { timeoutMs: 30_000 });
      m = await startMaster({ dataDir, port });
      await c.ready(30_000);
      expect(await meanwhile).toMatchObject({ pong: true });
      expect(reconnects).toBe(1);
      expect(states).toEqual(['connecting', 'open', 'connecting', 'open']);
      expect((await c.call('Sys.GetInfo', {})).scope).toBe('agent');
    } finally {
      c.close();
    }
    expect(c.state).toBe('closed');
    await expect(c.call('RPC.Ping', {})).rejects.toMatchObject({ code: 503 });
  });

  it('a call made while no master is up fails with 503 at its timeout; retry: true rides out a restart', async () => {
    const dataDir = tempDir();
    let m = await startMaster({ dataDir });
    const port = m.port;
    const c = connectMaster(m.url, m.tokens.admin, { minBackoffMs: 20, maxBackoffMs: 100 });
    try {
      await c.ready();
      await m.close();
      await waitFor(() => c.state === 'connecting');
      await expect(c.call('RPC.Ping', {}, { timeoutMs: 200 })).rejects.toMatchObject({ code: 503 });
      const retried = c.call('PubSub.ListTopics', {}, { retry: true, timeoutMs: 30_000 });
      m = await startMaster({ dataDir, port });
      expect(await retried).toEqual({ topics: [] });
    } finally {
      c.close();
    }
  });

  it('httpCall maps HTTP errors back to codes and an unreachable master to 503', async () => {
    const m = await startMaster();
    expect(await httpCall(m.url, m.tokens.admin, 'PubSub.CreateTopic', { name: 't' })).toEqual({ name: 't', created: true });
    await expect(httpCall(m.url, m.tokens.agent, 'PubSub.CreateTopic', { name: 't' })).rejects.toMatchObject({ code: 403 });
    await expect(httpCall(m.url, undefined, 'RPC.Ping', {})).rejects.toMatchObject({ code: 401 });
    await expect(httpCall(m.url, m.tokens.admin, 'PubSub.Acknowledge', { subscription: 't', ackIds: ['x'] })).rejects.toMatchObject({
      code: 409,
      message: 'lease lost',
      data: { ackIds: ['x'] },
    });
    const port = m.port;
    await m.close();
    await expect(httpCall(`http://127.0.0.1:${port}`, 'x', 'RPC.Ping', {})).rejects.toMatchObject({ code: 503 });
  });
});
