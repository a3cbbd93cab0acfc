// Bearer tokens and scopes: who may reach what, over every channel.
import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { connectMaster } from '../../../src/client/master-client';
import { clientOf, startMaster, tempDir } from '../../helpers/master';
import { post, request } from '../../helpers/http';
import { openRaw } from '../../helpers/raw-ws';

describe('tokens', () => {
  it('are created in the data directory with mode 0600 and reused on restart', async () => {
    const dataDir = tempDir();
    const m = await startMaster({ dataDir });
    const first = { ...m.tokens };
    for (const scope of ['admin', 'agent', 'viewer'] as const) {
      const file = m.tokenFiles[scope];
      expect(file.startsWith(dataDir)).toBe(true);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file, 'utf8').trim()).toBe(first[scope]);
    }
    expect(new Set(Object.values(first)).size).toBe(3);
    await m.close();
    const again = await startMaster({ dataDir });
    expect(again.tokens).toEqual(first);
    const c = await clientOf(again);
    expect((await c.call('Sys.GetInfo', {})).scope).toBe('admin');
  });

  it('given explicitly, win over the files and are not written to disk', async () => {
    const dataDir = tempDir();
    const m = await startMaster({ dataDir });
    const fileAdmin = m.tokens.admin;
    await m.close();
    const m2 = await startMaster({ dataDir, tokens: { admin: 'explicit-admin-token', agent: 'explicit-agent-token' } });
    expect(m2.tokens.admin).toBe('explicit-admin-token');
    expect(readFileSync(m2.tokenFiles.admin, 'utf8').trim()).toBe(fileAdmin);
    expect((await post(m2.url, '/rpc/Sys.GetInfo', {}, 'explicit-admin-token')).json.scope).toBe('admin');
    expect((await post(m2.url, '/rpc/Sys.GetInfo', {}, 'explicit-agent-token')).json.scope).toBe('agent');
    expect((await post(m2.url, '/rpc/Sys.GetInfo', {}, fileAdmin)).status).toBe(401);
  });
});

describe('every endpoint but /healthz needs a token', () => {
  it('HTTP: /healthz is open; /metrics, POST /rpc, POST /rpc/<Method> and GET /rpc answer 401 without a valid token', async () => {
    const m = await startMaster();
    const health = await request(m.url, '/healthz');
    expect([health.status, health.json]).toEqual([200, { ok: true }]);
    for (const token of [undefined, 'wrong', 'x'.repeat(600)]) {
      const checks = [
        await request(m.url, '/metrics', { token }),
        await post(m.url, '/rpc', { id: 1, method: 'RPC.Ping' }, token),
        await post(m.url, '/rpc/RPC.Ping', {}, token),
        await request(m.url, '/rpc', { token }),
      ];
      expect(checks.map((r) => r.status)).toEqual([401, 401, 401, 401]);
      for (const r of checks) expect(r.headers.get('www-authenticate')).toBe('Bearer');
    }
    // The scheme is case-insensitive.
    expect((await request(m.url, '/metrics', { headers: { authorization: `bearer ${m.tokens.viewer}` } })).status).toBe(200);
  });

  it('WebSocket: the upgrade without a valid token is refused with 401; the client gives up at once', async () => {
    const m = await startMaster();
    await expect(openRaw(m.url)).rejects.toMatchObject({ status: 401 });
    await expect(openRaw(m.url, { token: 'wrong' })).rejects.toMatchObject({ status: 401 });
    await expect(openRaw(`${m.url}/elsewhere`, { token: m.tokens.admin })).rejects.toMatchObject({ status: 404 });
    const c = connectMaster(m.url, 'wrong', { minBackoffMs: 10 });
    try {
      await expect(c.ready(5000)).rejects.toMatchObject({ code: 401 });
      await expect(c.call('RPC.Ping', {})).rejects.toMatchObject({ code: 401 });
    } finally {
      c.close();
    }
  });

  it('WebSocket: a browser can pass the token as a `bearer.<token>` subprotocol, which is never echoed', async () => {
    const m = await startMaster();
    const s = await openRaw(m.url, { protocols: ['ourci', `bearer.${m.tokens.agent}`] });
    expect(s.ws.protocol).toBe('ourci');
    expect(await s.request({ id: 1, method: 'Sys.GetInfo' })).toMatchObject({ result: { scope: 'agent' } });
    await expect(openRaw(m.url, { protocols: ['ourci', 'bearer.wrong'] })).rejects.toMatchObject({ status: 401 });
  });
});

describe('scopes', () => {
  it('viewer reads, agent pulls and acks, admin does everything; refusals are 403 and change nothing', async () => {
    const m = await startMaster();
    const admin = await clientOf(m, 'admin');
    const agent = await clientOf(m, 'agent');
    const viewer = await clientOf(m, 'viewer');
    await admin.call('PubSub.Publish', { topic: 't', messages: [{ data: 1 }] });

    for (const c of [viewer, agent]) {
      await expect(c.call('PubSub.Publish', { topic: 't', messages: [{ data: 2 }] })).rejects.toMatchObject({ code: 403 });
      await expect(c.call('PubSub.CreateTopic', { name: 'u' })).rejects.toMatchObject({ code: 403 });
      await expect(c.call('PubSub.DeleteTopic', { name: 't' })).rejects.toMatchObject({ code: 403 });
      await expect(c.call('PubSub.CreateSubscription', { name: 's', topic: 't' })).rejects.toMatchObject({ code: 403 });
      expect((await c.call('PubSub.ListTopics', {})).topics).toHaveLength(1);
      expect((await c.call('PubSub.ListSubscriptions', {})).subscriptions[0]).toMatchObject({ backlog: 1 });
      expect((await c.call('RPC.List', {})).methods).toContain('PubSub.Pull');
    }
    await expect(viewer.call('PubSub.Pull', { subscription: 't', waitSeconds: 0 })).rejects.toMatchObject({ code: 403 });
    await expect(viewer.call('PubSub.Acknowledge', { subscription: 't', ackIds: ['x'] })).rejects.toMatchObject({ code: 403 });
    expect(m.pubsub.listTopics().map((t) => t.name)).toEqual(['t']);

    const got = await agent.call('PubSub.Pull', { subscription: 't', waitSeconds: 0 });
    await agent.call('PubSub.ModifyAckDeadline', { subscription: 't', ackIds: [got.receivedMessages[0]!.ackId], ackDeadlineSeconds: 30 });
    await agent.call('PubSub.Acknowledge', { subscription: 't', ackIds: [got.receivedMessages[0]!.ackId] });
    expect(await Promise.all([admin, agent, viewer].map(async (c) => (await c.call('Sys.GetInfo', {})).scope))).toEqual(['admin', 'agent', 'viewer']);
  });

  it('--public-read lets anonymous callers view, and nothing more', async () => {
    const m = await startMaster({ publicRead: true });
    await post(m.url, '/rpc/PubSub.CreateTopic', { name: 't' }, m.tokens.admin);
    expect((await request(m.url, '/metrics')).status).toBe(200);
    expect((await post(m.url, '/rpc/PubSub.ListTopics', {})).json.topics).toHaveLength(1);
    const info = await post(m.url, '/rpc/Sys.GetInfo', {});
    expect(info.json).toMatchObject({ publicRead: true, scope: 'anonymous' });
    for (const [method, params] of [
      ['PubSub.Publish', { topic: 't', messages: [{ data: 1 }] }],
      ['PubSub.Pull', { subscription: 't', waitSeconds: 0 }],
      ['PubSub.CreateTopic', { name: 'u' }],
    ] as const) {
      expect((await post(m.url, `/rpc/${method}`, params)).status).toBe(401);
    }
    const s = await openRaw(m.url);
    expect(await s.request({ id: 1, method: 'PubSub.ListTopics' })).toMatchObject({ result: { topics: [expect.anything()] } });
    expect(await s.request({ id: 2, method: 'PubSub.Pull', params: { subscription: 't', waitSeconds: 0 } })).toMatchObject({ error: { code: 401 } });
    // A wrong token is still wrong: public read is for callers without one.
    await expect(openRaw(m.url, { token: 'wrong' })).rejects.toMatchObject({ status: 401 });
    expect((await post(m.url, '/rpc/PubSub.ListTopics', {}, 'wrong')).status).toBe(401);
    expect(m.pubsub.listTopics().map((t) => t.name)).toEqual(['t']);
    expect(m.pubsub.listSubscriptions()[0]!.inFlight).toBe(0);
  });
});
