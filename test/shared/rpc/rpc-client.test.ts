// The transport-agnostic RpcClient over an in-memory socket: backoff, fatal refusals,
// timeouts, cancellation and notifications, with fake timers where time matters.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OurciError, UnauthorizedError } from '../../../src/shared/errors';
import { RpcClient, type SocketEvents } from '../../../src/shared/rpc/rpc-client';

/** A fake server end: records what the client sent and lets the test drive the socket. */
function fakeTransport() {
  const sockets: Array<{ events: SocketEvents; sent: string[]; closed: boolean }> = [];
  const connect = (events: SocketEvents) => {
    const s = { events, sent: [] as string[], closed: false };
    sockets.push(s);
    return { send: (t: string) => void s.sent.push(t), close: () => void (s.closed = true) };
  };
  const last = () => sockets[sockets.length - 1]!;
  /** Answers the last request sent on the current socket. */
  const reply = (body: object) => {
    const req = JSON.parse(last().sent[last().sent.length - 1]!) as { id: number };
    last().events.message(JSON.stringify({ jsonrpc: '2.0', id: req.id, ...body }));
  };
  return { sockets, connect, last, reply };
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('RpcClient', () => {
  it('sends JSON-RPC 2.0 requests and resolves results, rejects errors with their code and data', async () => {
    const t = fakeTransport();
    const c = new RpcClient({ connect: t.connect });
    t.last().events.open();
    const p = c.call('X.Y', { a: 1 });
    expect(JSON.parse(t.last().sent[0]!)).toEqual({ jsonrpc: '2.0', id: 1, method: 'X.Y', params: { a: 1 } });
    t.reply({ result: { ok: true } });
    expect(await p).toEqual({ ok: true });
    const q = c.call('X.Z', {});
    t.reply({ error: { code: 409, message: 'lease lost', data: { ackIds: ['a'] } } });
    const err = await q.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OurciError);
    expect(err).toMatchObject({ code: 409, message: 'lease lost', data: { ackIds: ['a'] } });
    c.close();
  });

  it('reconnects with exponential backoff and jitter, capped, and starts over after a success', async () => {
    vi.useFakeTimers();
    vi.spyOn(Math, 'random').mockReturnValue(0.999); // the longest jitter: +25 %
    const t = fakeTransport();
    const c = new RpcClient({ connect: t.connect, minBackoffMs: 100, maxBackoffMs: 400 });
    const due: number[] = [];
    for (let i = 0; i < 5; i++) {
      const n = t.sockets.length;
      t.last().events.close('refused');
      let waited = 0;
      while (t.sockets.length === n) {
        vi.advanceTimersByTime(5);
        waited += 5;
      }
      due.push(waited);
    }
    // 100, 200, 400, 400, 400 ms (+25 % jitter).
    expect(due.map((d) => Math.round(d / 25) * 25)).toEqual([125, 250, 500, 500, 500]);
    t.last().events.open();
    t.last().events.close('dropped');
    const n = t.sockets.length;
    vi.advanceTimersByTime(120);
    expect(t.sockets.length).toBe(n);
    vi.advanceTimersByTime(10);
    expect(t.sockets.length).toBe(n + 1);
    c.close();
  });

  it('fails calls in flight with 503 when the connection drops, and stops for good on a fatal refusal', async () => {
    const t = fakeTransport();
    const c = new RpcClient({ connect: t.connect, minBackoffMs: 1 });
    t.last().events.open();
    const p = c.call('X.Y', {});
    t.last().events.close('gone');
    await expect(p).rejects.toMatchObject({ code: 503 });
    await vi.waitFor(() => expect(t.sockets).toHaveLength(2));
    t.last().events.close('HTTP 401', new UnauthorizedError('refused'));
    await expect(c.ready()).rejects.toMatchObject({ code: 401 });
    await expect(c.call('X.Y', {})).rejects.toMatchObject({ code: 401 });
    expect(c.state).toBe('closed');
    await new Promise((r) => setTimeout(r, 20));
    expect(t.sockets).toHaveLength(2);
  });

  it('times out a call with 504 and cancels one with 499 when its signal aborts', async () => {
    const t = fakeTransport();
    const c = new RpcClient({ connect: t.connect });
    t.last().events.open();
    await expect(c.call('Slow', {}, { timeoutMs: 10 })).rejects.toMatchObject({ code: 504 });
    const abort = new AbortController();
    const p = c.call('Slow', {}, { signal: abort.signal });
    abort.abort();
    await expect(p).rejects.toMatchObject({ code: 499 });
    // A late reply to a finished call is dropped quietly.
    t.reply({ result: 1 });
    c.close();
  });

  it('fails each call at its own deadline, whatever order the timeouts come in, and only calls still pending', async () => {
    vi.useFakeTimers();
    const t = fakeTransport();
    const c = new RpcClient({ connect: t.connect, callTimeoutMs: 1000 });
    t.last().events.open();
    const outcome: Record<string, string> = {};
    const track = (name: string, p: Promise<unknown>): void =>
      void p.then(
        () => (outcome[name] = `ok@${Date.now() - start}`),
        (e: OurciError) => (outcome[name] = `${e.code}@${Date.now() - start}`),
      );
    const start = Date.now();
    track('long', c.call('A', {})); // 1000 ms: arms the shared timer
    track('short', c.call('B', {}, { timeoutMs: 100 })); // earlier: re-arms it
    track('answered', c.call('C', {}, { timeoutMs: 50 }));
    t.reply({ result: 1 }); // answers C in time
    track('middle', c.call('D', {}, { timeoutMs: 300 }));
    await vi.advanceTimersByTimeAsync(99);
    expect(outcome).toEqual({ answered: 'ok@0' });
    await vi.advanceTimersByTimeAsync(1);
    expect(outcome.short).toBe('504@100');
    await vi.advanceTimersByTimeAsync(200);
    expect(outcome.middle).toBe('504@300');
    expect(outcome.long).toBeUndefined();
    await vi.advanceTimersByTimeAsync(700);
    expect(outcome).toEqual({ answered: 'ok@0', short: '504@100', middle: '504@300', long: '504@1000' });
    expect(vi.getTimerCount()).toBe(0); // nothing pending: no timer left behind
    c.close();
  });

  it('delivers server notifications to listeners until they unsubscribe; ignores frames it cannot use', () => {
    const t = fakeTransport();
    const c = new RpcClient({ connect: t.connect });
    t.last().events.open();
    const seen: unknown[] = [];
    const off = c.on('Events.Event', (p) => seen.push(p));
    t.last().events.message(JSON.stringify({ jsonrpc: '2.0', method: 'Events.Event', params: { n: 1 } }));
    t.last().events.message('not json');
    t.last().events.message(JSON.stringify({ jsonrpc: '2.0', id: 999, result: 1 }));
    off();
    t.last().events.message(JSON.stringify({ jsonrpc: '2.0', method: 'Events.Event', params: { n: 2 } }));
    expect(seen).toEqual([{ n: 1 }]);
    expect(c.notify('Log.Append', { x: 1 })).toBe(true);
    expect(JSON.parse(t.last().sent[0]!)).toEqual({ jsonrpc: '2.0', method: 'Log.Append', params: { x: 1 } });
    c.close();
    expect(c.notify('Log.Append', {})).toBe(false);
  });
});
