// The main process's IPC wiring without Electron: one handler per contract method, the sender
// check in front of each, replies as envelopes with the error table's codes, events pushed to
// the window that asked, and sessions closed with their window. Calls reach a real bench.
import { describe, expect, it, onTestFinished } from 'vitest';
import { openSession } from '../../src/bench';
import { BenchIpc, type IpcInvokeEvent, type IpcMainLike } from '../../src/main/bench-ipc';
import { TrustedSenders } from '../../src/main/trusted-senders';
import { APP_ENTRY, APP_ORIGIN } from '../../src/main/app-protocol';
import { BENCH_EVENT_CHANNEL, BENCH_METHOD_NAMES, benchChannel } from '../../src/shared/bench/method-names';
import type { BenchReply } from '../../src/shared/bench/api';
import { waitFor } from '../helpers/master';
import { benchFor } from '../bench/helpers';

type Listener = (event: IpcInvokeEvent, ...args: unknown[]) => unknown;

class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, Listener>();
  handle(channel: string, listener: Listener): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  invoke(channel: string, event: IpcInvokeEvent, params: unknown): Promise<BenchReply<unknown>> {
    const h = this.handlers.get(channel);
    if (!h) throw new Error(`no handler for ${channel}`);
    return Promise.resolve(h(event, params)) as Promise<BenchReply<unknown>>;
  }
}

function fakeSender(id: number) {
  const sent: Array<{ channel: string; payload: unknown }> = [];
  let destroyed = false;
  const onDestroyed: Array<() => void> = [];
  return {
    sent,
    sender: {
      id,
      send: (channel: string, payload: unknown) => sent.push({ channel, payload }),
      isDestroyed: () => destroyed,
      once: (_e: 'destroyed', fn: () => void) => onDestroyed.push(fn),
    },
    destroy() {
      destroyed = true;
      onDestroyed.forEach((fn) => fn());
    },
  };
}

async function setup() {
  const bench = await benchFor(undefined, 'esp8266:1', { ui: undefined });
  const ipc = new FakeIpcMain();
  const trusted = new TrustedSenders([APP_ORIGIN]);
  const sessions: string[] = [];
  const bridge = new BenchIpc(ipc, trusted, (send) => {
    sessions.push('open');
    return openSession(bench.service, { kind: 'operator' }, send);
  });
  bridge.register();
  onTestFinished(() => bridge.dispose());
  return { bench, ipc, trusted, bridge, sessions };
}

describe('main process IPC', () => {
  it('registers exactly one handler per bench method, and removes them', async () => {
    const { ipc, bridge } = await setup();
    expect([...ipc.handlers.keys()].sort()).toEqual(BENCH_METHOD_NAMES.map(benchChannel).sort());
    bridge.register(); // idempotent: no second handler
    bridge.dispose();
    expect(ipc.handlers.size).toBe(0);
  });

  it('answers a trusted window and refuses unknown senders and foreign pages', async () => {
    const { ipc, trusted, bench } = await setup();
    const w = fakeSender(7);
    trusted.add(7);
    const ok = await ipc.invoke(benchChannel('Bench.Status'), { sender: w.sender, senderFrame: { url: APP_ENTRY } }, {});
    expect(ok.ok).toBe(true);
    expect((ok as { result: { boards: unknown[] } }).result.boards).toHaveLength(bench.service.boards().length);

    const stranger = fakeSender(8);
    const refused = await ipc.invoke(benchChannel('Bench.Status'), { sender: stranger.sender, senderFrame: { url: APP_ENTRY } }, {});
    expect(refused).toMatchObject({ ok: false, error: { code: 403 } });
    const navigated = await ipc.invoke(benchChannel('Bench.SetPaused'), { sender: w.sender, senderFrame: { url: 'https://evil.example/' } }, { paused: true });
    expect(navigated).toMatchObject({ ok: false, error: { code: 403 } });
    const noFrame = await ipc.invoke(benchChannel('Bench.SetPaused'), { sender: w.sender, senderFrame: null }, { paused: true });
    expect(noFrame).toMatchObject({ ok: false, error: { code: 403 } });
    expect(bench.service.summary().paused).toBe(false);
  });

  it('carries error codes and validation failures in the envelope', async () => {
    const { ipc, trusted } = await setup();
    const w = fakeSender(1);
    trusted.add(1);
    const ev = { sender: w.sender, senderFrame: { url: APP_ENTRY } };
    expect(await ipc.invoke(benchChannel('Board.Lock'), ev, { board: 'no-such-board' })).toMatchObject({ ok: false, error: { code: 404 } });
    expect(await ipc.invoke(benchChannel('Bench.SetPaused'), ev, { paused: 'yes' })).toMatchObject({ ok: false, error: { code: -32602 } });
  });

  it('pushes the window\'s events to it, one session per window, closed with the window', async () => {
    const { ipc, trusted, bench, sessions } = await setup();
    const w = fakeSender(3);
    trusted.add(3);
    const ev = { sender: w.sender, senderFrame: { url: `${APP_ORIGIN}/index.html#/boards` } };
    const board = bench.service.boards()[0]!.id;
    await ipc.invoke(benchChannel('Bench.Watch'), ev, { boards: [board] });
    await ipc.invoke(benchChannel('Board.Lock'), ev, { board });
    await ipc.invoke(benchChannel('Serial.Write'), ev, { board, data: 'hello', newline: true });
    await waitFor(() => w.sent.some((s) => s.channel === BENCH_EVENT_CHANNEL && (s.payload as { type: string }).type === 'serial'), 5000, 'serial event');
    expect(w.sent.every((s) => s.channel === BENCH_EVENT_CHANNEL)).toBe(true);
    expect(sessions).toHaveLength(1);
    w.destroy();
    const count = w.sent.length;
    bench.service.setPaused(true);
    expect(w.sent.length).toBe(count);
    // The window is gone from the trusted set too.
    expect(trusted.isTrusted(ev)).toBe(false);
  });
});
