// The wire protocol (DESIGN.md §3) over WebSocket /rpc, POST /rpc and POST /rpc/<Method>.
import { describe, expect, it } from 'vitest';
import { clientOf, startMaster } from '../../helpers/master';
import { post, request } from '../../helpers/http';
import { snapshot } from '../../helpers/pubsub-state';
import { openRaw, type RawSocket } from '../../helpers/raw-ws';

const MiB = 1024 * 1024;

/** Sends a frame, then a ping; returns every frame that arrived before the ping's reply. */
async function exchange(s: RawSocket, frame: string | object): Promise<unknown[]> {
  const from = s.received.length;
  s.send(frame);
  const barrier = `barrier-${Math.random()}`;
  await s.request({ id: barrier, method: 'RPC.Ping' });
  return s.received.slice(from).filter((f) => f.id !== barrier);
}

describe('JSON-RPC over WebSocket', () => {
  it('answers a request, with or without jsonrpc, with params or args; echoes tag; accepts src/dst; ignores unknown members', async () => {
    const m = await startMaster();
    const s = await openRaw(m.url, { token: m.tokens.admin });
    expect(await s.request({ jsonrpc: '2.0', id: 1, method: 'RPC.Ping', params: {} })).toEqual({
      jsonrpc: '2.0',
      id: 1,
      result: { pong: true, time: expect.any(String) },
    });
    expect(await s.request({ id: 'two', method: 'RPC.Ping' })).toMatchObject({ id: 'two', result: { pong: true } });
    expect(
      await s.request({ id: 3, method: 'PubSub.CreateTopic', args: { name: 'via-args' }, src: 'agent-1', dst: 'master', tag: 'T3', extra: [1] }),
    ).toEqual({ jsonrpc: '2.0', id: 3, tag: 'T3', result: { name: 'via-args', created: true } });
    // Unknown members inside params are ignored too.
    expect(await s.request({ id: 4, method: 'PubSub.CreateTopic', params: { name: 'p', colour: 'red' } })).toMatchObject({ result: { created: true } });
    expect(await s.request({ id: 5, method: 'Nope.Nope', tag: 'T5' })).toMatchObject({ id: 5, tag: 'T5', error: { code: -32601 } });
    // A null id is an id.
    expect(await s.request({ id: null as unknown as number, method: 'RPC.Ping' })).toMatchObject({ id: null, result: { pong: true } });
  });

  it('gives notifications no reply, successful or not, but runs them', async () => {
    const m = await startMaster();
    const s = await openRaw(m.url, { token: m.tokens.admin });
    expect(await exchange(s, { method: 'PubSub.CreateTopic', params: { name: 'by-notification' } })).toEqual([]);
    expect(await exchange(s, { method: 'No.Such' })).toEqual([]);
    expect(await exchange(s, { method: 'PubSub.CreateTopic', params: { name: 1 } })).toEqual([]);
    expect(m.pubsub.listTopics().map((t) => t.name)).toEqual(['by-notification']);
  });

  it('maps each kind of bad frame to its code, attributes it when it can, and changes nothing', async () => {
    const m = await startMaster();
    const s = await openRaw(m.url, { token: m.tokens.admin });
    await s.request({ id: 0, method: 'PubSub.Publish', params: { topic: 't', messages: [{ data: 1 }] } });
    const before = snapshot(m);
    const cases: Array<[string | object, number, unknown]> = [
      ['{"id":1,"method":"PubSub.CreateTopic","params":{"name":"x"}', -32700, null],
      ['', -32700, null],
      ['nul', -32700, null],
      ['[{"id":1,"method":"RPC.Ping"}]', -32600, null],
      ['42', -32600, null],
      ['"RPC.Ping"', -32600, null],
      ['null', -32600, null],
      [{ id: 2 }, -32600, 2],
      [{ id: 3, method: 7 }, -32600, 3],
      [{ id: 4, method: '' }, -32600, 4],
      [{ id: 5, method: 'x'.repeat(129) }, -32600, 5],
      [{ id: { a: 1 }, method: 'PubSub.CreateTopic', params: { name: 'x' } }, -32600, null],
      [{ id: true, method: 'PubSub.CreateTopic', params: { name: 'x' } }, -32600, null],
      [{ id: 6, jsonrpc: '1.0', method: 'PubSub.CreateTopic', params: { name: 'x' } }, -32600, 6],
      [{ id: 7, method: 'PubSub.CreateTopic', params: ['x'] }, -32602, 7],
      [{ id: 8, method: 'PubSub.CreateTopic', params: 'x' }, -32602, 8],
      [{ id: 9, method: 'PubSub.CreateTopic', args: [1] }, -32602, 9],
      [{ id: 10, method: 'PubSub.Publish', params: { topic: 't', messages: [{ data: 1 }, { data: 2, attributes: { a: 1 } }] } }, -32602, 10],
      [{ id: 11, method: 'PubSub.Nope', params: {} }, -32601, 11],
      [{ id: 12, method: 'RPC.Describe', params: { name: 'PubSub.Nope' } }, 404, 12],
      [{ id: 13, method: 'PubSub.Acknowledge', params: { subscription: 't', ackIds: ['1.1.1.x'] } }, 409, 13],
      [{ id: 14, method: 'PubSub.Pull', params: { subscription: 't', maxMessages: 0 } }, -32602, 14],
    ];
    for (const [frame, code, id] of cases) {
      const got = await exchange(s, frame);
      expect(got, JSON.stringify(frame)).toEqual([{ jsonrpc: '2.0', id, error: expect.objectContaining({ code, message: expect.any(String) }) }]);
    }
    expect(snapshot(m)).toEqual(before);
  });

  it('puts the validation issues in error.data', async () => {
    const m = await startMaster();
    const s = await openRaw(m.url, { token: m.tokens.admin });
    const r = await s.request({ id: 1, method: 'PubSub.CreateSubscription', params: { name: 'ok', topic: 7, ackDeadlineSeconds: 0 } });
    expect(r.error).toMatchObject({ code: -32602, message: expect.stringContaining('PubSub.CreateSubscription') });
    const issues = (r.error!.data as { issues: Array<{ path: string[] }> }).issues;
    expect(issues.map((i) => i.path.join('.')).sort()).toEqual(['ackDeadlineSeconds', 'topic']);
  });

  it('answers a frame over 1 MiB with 413 and keeps the connection; beyond the hard cap the socket closes (1009)', async () => {
    const m = await startMaster();
    const s = await openRaw(m.url, { token: m.tokens.admin });
    const big = JSON.stringify({ id: 1, method: 'PubSub.Publish', params: { topic: 't', messages: [{ data: 'x'.repeat(MiB) }] } });
    expect(await exchange(s, big)).toEqual([{ jsonrpc: '2.0', id: null, error: expect.objectContaining({ code: 413 }) }]);
    // Just under the limit goes through.
    const fits = JSON.stringify({ id: 2, method: 'PubSub.Publish', params: { topic: 'u', messages: [{ data: 'x'.repeat(MiB - 200) }] } });
    expect(Buffer.byteLength(fits)).toBeLessThanOrEqual(MiB);
    expect(await exchange(s, fits)).toEqual([expect.objectContaining({ id: 2, result: { messageIds: [expect.any(String)] } })]);
    expect(m.pubsub.listTopics().map((t) => t.name)).toEqual(['u']);
    s.send('x'.repeat(5 * MiB));
    expect((await s.closed).code).toBe(1009);
    // The master is fine.
    const again = await openRaw(m.url, { token: m.tokens.admin });
    expect(await again.request({ id: 1, method: 'RPC.Ping' })).toMatchObject({ result: { pong: true } });
  });

  it('refuses binary frames and ignores response frames', async () => {
    const m = await startMaster();
    const s = await openRaw(m.url, { token: m.tokens.admin });
    expect(await exchange(s, Buffer.from('{"id":1,"method":"RPC.Ping"}') as unknown as object)).toEqual([
      { jsonrpc: '2.0', id: null, error: expect.objectContaining({ code: -32600 }) },
    ]);
    expect(await exchange(s, { jsonrpc: '2.0', id: 9, result: { anything: true } })).toEqual([]);
    expect(await exchange(s, { jsonrpc: '2.0', id: 9, error: { code: 1, message: 'x' } })).toEqual([]);
  });

  it('closes text frames that are not UTF-8 with 1007 and stays up', async () => {
    const m = await startMaster();
    const s = await openRaw(m.url, { token: m.tokens.admin });
    s.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expect((await s.closed).code).toBe(1007);
    const c = await clientOf(m);
    expect(await c.call('RPC.Ping', {})).toMatchObject({ pong: true });
  });

  it('serves calls on one socket concurrently: a long poll does not hold up a ping', async () => {
    const m = await startMaster();
    const s = await openRaw(m.url, { token: m.tokens.admin });
    s.send({ id: 'pull', method: 'PubSub.Pull', params: { subscription: 't', waitSeconds: 60 } });
    expect(await s.request({ id: 'ping', method: 'RPC.Ping' })).toMatchObject({ result: { pong: true } });
    await s.request({ id: 'pub', method: 'PubSub.Publish', params: { topic: 't', messages: [{ data: 1 }] } });
    expect(await s.waitFrame((f) => f.id === 'pull')).toMatchObject({ result: { receivedMessages: [expect.anything()] } });
  });
});

describe('JSON-RPC over HTTP', () => {
  it('POST /rpc takes one frame and answers one frame; a notification gets 204', async () => {
    const m = await startMaster();
    const r = await post(m.url, '/rpc', { id: 7, method: 'PubSub.CreateTopic', args: { name: 't' }, tag: 'x' }, m.tokens.admin);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ jsonrpc: '2.0', id: 7, tag: 'x', result: { name: 't', created: true } });
    const n = await post(m.url, '/rpc', { method: 'PubSub.CreateTopic', params: { name: 'n' } }, m.tokens.admin);
    expect([n.status, n.text]).toEqual([204, '']);
    expect(m.pubsub.listTopics().map((t) => t.name).sort()).toEqual(['n', 't']);
    const bad = await post(m.url, '/rpc', '{"id":1,', m.tokens.admin);
    expect([bad.status, bad.json]).toEqual([200, { jsonrpc: '2.0', id: null, error: expect.objectContaining({ code: -32700 }) }]);
    const err = await post(m.url, '/rpc', { id: 2, method: 'PubSub.Acknowledge', params: { subscription: 't', ackIds: ['zz'] } }, m.tokens.admin);
    expect(err.json).toMatchObject({ id: 2, error: { code: 409, message: 'lease lost' } });
    const resp = await post(m.url, '/rpc', { id: 2, result: 1 }, m.tokens.admin);
    expect(resp.json).toMatchObject({ id: null, error: { code: -32600 } });
    const empty = await post(m.url, '/rpc', '', m.tokens.admin);
    expect(empty.json).toMatchObject({ id: null, error: { code: -32600 } });
  });

  it('POST /rpc/<Method> takes params as the body and answers the bare result, errors as HTTP status', async () => {
    const m = await startMaster();
    const t = m.tokens.admin;
    expect((await post(m.url, '/rpc/PubSub.Publish', { topic: 't', messages: [{ data: 1 }] }, t)).json).toEqual({ messageIds: ['1'] });
    // An empty body is {}.
    const ping = await request(m.url, '/rpc/RPC.Ping', { method: 'POST', token: t });
    expect([ping.status, ping.json.pong]).toEqual([200, true]);
    const cases: Array<[string, unknown, number, number]> = [
      ['/rpc/PubSub.Nope', {}, 404, -32601],
      ['/rpc/PubSub.CreateTopic', { name: 'a b' }, 400, -32602],
      ['/rpc/PubSub.CreateTopic', [1], 400, -32602],
      ['/rpc/PubSub.CreateTopic', '{"name":', 400, -32700],
      ['/rpc/PubSub.Acknowledge', { subscription: 't', ackIds: ['x'] }, 409, 409],
      ['/rpc/PubSub.ListDeadLetters', { subscription: 'none' }, 404, 404],
      ['/rpc/RPC.Describe', { name: 'X.Y' }, 404, 404],
    ];
    for (const [path, body, status, code] of cases) {
      const r = await post(m.url, path, body, t);
      expect([path, r.status, r.json?.error?.code]).toEqual([path, status, code]);
      expect(typeof r.json.error.message).toBe('string');
    }
    const conflict = await post(m.url, '/rpc/PubSub.Acknowledge', { subscription: 't', ackIds: ['x'] }, t);
    expect(conflict.json.error).toEqual({ code: 409, message: 'lease lost', data: { ackIds: ['x'] } });
    const forbidden = await post(m.url, '/rpc/PubSub.Publish', { topic: 't', messages: [{ data: 1 }] }, m.tokens.viewer);
    expect(forbidden.status).toBe(403);
    const anon = await post(m.url, '/rpc/RPC.Ping', {});
    expect([anon.status, anon.headers.get('www-authenticate')]).toEqual([401, 'Bearer']);
  });

  it('refuses bodies over 1 MiB with 413 on both endpoints and publishes nothing', async () => {
    const m = await startMaster();
    const body = JSON.stringify({ topic: 't', messages: [{ data: 'x'.repeat(MiB) }] });
    const direct = await post(m.url, '/rpc/PubSub.Publish', body, m.tokens.admin);
    expect([direct.status, direct.json.error.code]).toEqual([413, 413]);
    const framed = await post(m.url, '/rpc', `{"id":1,"method":"PubSub.Publish","params":${body}}`, m.tokens.admin);
    expect([framed.status, framed.json.error.code]).toEqual([413, 413]);
    expect(m.pubsub.listTopics()).toEqual([]);
  });

  it('knows its paths and methods: 404, 405, and GET /rpc without an upgrade', async () => {
    const m = await startMaster();
    expect((await request(m.url, '/nope', { token: m.tokens.admin })).status).toBe(404);
    const wrong = await request(m.url, '/rpc/RPC.Ping', { method: 'GET', token: m.tokens.admin });
    expect([wrong.status, wrong.headers.get('allow')]).toEqual([405, 'POST']);
    const get = await request(m.url, '/rpc', { token: m.tokens.admin });
    expect(get.status).toBe(426);
    expect((await request(m.url, '/rpc/Bad%20Name', { method: 'POST', token: m.tokens.admin, body: '{}' })).status).toBe(404);
  });
});
