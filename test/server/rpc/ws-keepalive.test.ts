// The WebSocket transport pings its peers and drops one that stops answering, so a half-open
// connection (an agent that lost power) cannot sit on a long poll and swallow messages.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import WebSocket from 'ws';
import { principalFor } from '../../../server/auth/principal';
import { Registry } from '../../../server/rpc/registry';
import { registerSysMethods } from '../../../server/rpc/sys-handlers';
import { WsTransport } from '../../../server/rpc/ws-transport';
import { waitFor } from '../../helpers/master';

describe('WebSocket keepalive', () => {
  it('terminates a peer that misses a pong and keeps one that answers', async () => {
    const registry = new Registry();
    registerSysMethods(registry, { version: 'test', startedAt: Date.now(), publicRead: false });
    const transport = new WsTransport(registry, { pingIntervalMs: 400 });
    const server = createServer();
    server.on('upgrade', (req, socket, head) => transport.upgrade(req, socket, head, principalFor('agent', 'agent')));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    onTestFinished(() => {
      transport.close();
      server.close();
    });
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/rpc`;
    const open = (o: WebSocket.ClientOptions = {}): Promise<WebSocket> =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(url, ['ourci'], o);
        ws.once('open', () => resolve(ws));
        ws.once('error', reject);
      });
    const alive = await open();
    const silent = await open({ autoPong: false });
    let silentClosed = false;
    silent.on('close', () => (silentClosed = true));
    expect(transport.connections).toBe(2);
    await waitFor(() => silentClosed, 10_000, 'the silent peer to be dropped');
    expect(alive.readyState).toBe(WebSocket.OPEN);
    await waitFor(() => transport.connections === 1, 5_000, 'the connection count to follow');
    const reply = new Promise<string>((r) => alive.once('message', (d) => r(d.toString())));
    alive.send(JSON.stringify({ id: 1, method: 'RPC.Ping' }));
    expect(JSON.parse(await reply)).toMatchObject({ id: 1, result: { pong: true } });
    alive.close();
  });
});
