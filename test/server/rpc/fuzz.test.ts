// Fuzz: thousands of random and mutated frames at a live master over WebSocket and HTTP.
// It must answer each with a well-formed frame and a code from the table (never -32603 or
// an internal message), keep every connection open, log no internal error, leave state it
// was not asked to touch alone, and answer correctly afterwards. Frames refused with an
// error must change nothing. Replay a failure with OURCI_TEST_SEED=<seed>.
import { describe, expect, it } from 'vitest';
import type { MasterClient } from '../../../src/client/master-client';
import type { Master } from '../../../server/master';
import {
  deepNesting,
  mutateObject,
  mutateText,
  randomId,
  randomJson,
  randomMethod,
  randomParams,
  randomString,
  type FrameContext,
  type FrameObject,
  type ParamShapes,
} from '../../helpers/fuzz-frames';
import { request } from '../../helpers/http';
import { captureLog } from '../../helpers/log-capture';
import { clientOf, startMaster } from '../../helpers/master';
import { prng, testSeed, type Prng } from '../../helpers/prng';
import { snapshot, sub } from '../../helpers/pubsub-state';
import { openRaw, type RawFrame, type RawSocket } from '../../helpers/raw-ws';

const WS_FRAMES = 9_000;
const HTTP_FRAMES = 2_000;
const CODES = new Set([-32700, -32600, -32601, -32602, 400, 401, 403, 404, 409, 413]);
const HTTP_STATUS = new Set([200, 204, 400, 401, 403, 404, 405, 409, 413]);
/** What an internal error looks like when it leaks. */
const LEAK = /TypeError|RangeError|ReferenceError|SyntaxError|call stack|Cannot read|is not a function|is not iterable|sqlite|\bat \S+ \(|node_modules|\/work\//i;

/** Returns what is wrong with a reply frame, or undefined. */
function badFrame(f: RawFrame): string | undefined {
  if (f.jsonrpc !== '2.0') return 'jsonrpc is not "2.0"';
  if (!('id' in f) || !(f.id === null || typeof f.id === 'string' || typeof f.id === 'number')) return 'bad id';
  if ('error' in f === 'result' in f) return 'needs exactly one of result and error';
  return f.error ? badError(f.error) : undefined;
}

function badError(e: { code?: unknown; message?: unknown }): string | undefined {
  if (typeof e.code !== 'number' || !CODES.has(e.code)) return `code ${String(e.code)} is not in the table`;
  if (typeof e.message !== 'string' || e.message.length === 0) return 'no message';
  if (LEAK.test(e.message)) return `leaks internals: ${e.message}`;
  return undefined;
}

async function shapesOf(c: MasterClient): Promise<ParamShapes> {
  const shapes: ParamShapes = new Map();
  for (const name of (await c.call('RPC.List', {})).methods) {
    const d = (await c.call('RPC.Describe', { name })) as { params: { properties?: Record<string, { type?: string }> } };
    shapes.set(name, new Map(Object.entries(d.params.properties ?? {}).map(([k, v]) => [k, v.type])));
  }
  return shapes;
}

/** State the fuzz never names: a backlog, a held lease and a dead letter. */
async function control(m: Master, c: MasterClient) {
  const name = 'ctl~Q7%zz';
  await c.call('PubSub.CreateSubscription', { name, topic: name, ackDeadlineSeconds: 600, maxDeliveryAttempts: 1 });
  await c.call('PubSub.Publish', { topic: name, messages: [1, 2, 3, 4].map((data) => ({ data })) });
  const [dead, held] = (await c.call('PubSub.Pull', { subscription: name, maxMessages: 2, waitSeconds: 0 })).receivedMessages;
  await c.call('PubSub.ModifyAckDeadline', { subscription: name, ackIds: [dead!.ackId], ackDeadlineSeconds: 0 });
  const state = () => ({ sub: { ...sub(m, name), oldestUnackedAgeSeconds: 0 }, dead: m.pubsub.deadLetters(name, 10) });
  return { name, heldAckId: held!.ackId, state };
}

function makeFrame(r: Prng, ctx: FrameContext, n: number): string {
  const methods = [...ctx.shapes.keys()];
  const valid = (): FrameObject => {
    const method = r.pick(methods);
    const f: FrameObject = { id: randomId(r, n), method, params: randomParams(r, method, ctx) };
    if (r.chance(0.8)) f.jsonrpc = '2.0';
    if (r.chance(0.1)) f.tag = randomString(r);
    if (r.chance(0.05)) delete f.id;
    return f;
  };
  const roll = r.next();
  if (roll < 0.3) return JSON.stringify(valid());
  if (roll < 0.55) return mutateText(r, JSON.stringify(valid()));
  if (roll < 0.75) return JSON.stringify(mutateObject(r, valid()));
  if (roll < 0.85) return JSON.stringify({ id: n, method: randomMethod(r, ctx), params: randomJson(r) });
  if (roll < 0.93) return JSON.stringify(randomJson(r));
  if (roll < 0.96) {
    const deep = deepNesting(r);
    return r.pick([
      `{"id":${n},"method":"PubSub.Publish","params":{"topic":"fz/a","messages":[{"data":1},{"data":${deep}}]}}`,
      `{"id":${n},"method":"PubSub.CreateTopic","params":{"name":"fz/a","x":${deep}}}`,
      `{"id":${n},"method":"RPC.Ping","params":${deep}}`,
      deep,
    ]);
  }
  if (roll < 0.995) return randomString(r, 300);
  const size = r.pick([100_000, 1_100_000]);
  return JSON.stringify({ id: n, method: 'PubSub.Publish', params: { topic: 'fz/a', messages: [{ data: 'x'.repeat(size) }] } });
}

function harvest(ctx: FrameContext, frames: RawFrame[]): void {
  for (const f of frames) {
    const got = (f.result as { receivedMessages?: Array<{ ackId: string; message: { messageId: string } }> } | undefined)?.receivedMessages;
    for (const x of got ?? []) {
      ctx.ackIds.push(x.ackId);
      ctx.messageIds.push(x.message.messageId);
    }
  }
  ctx.ackIds.splice(0, Math.max(0, ctx.ackIds.length - 200));
  ctx.messageIds.splice(0, Math.max(0, ctx.messageIds.length - 200));
}

async function barrier(s: RawSocket, n: number): Promise<void> {
  await s.request({ id: `barrier-${n}`, method: 'RPC.Ping' }, 30_000);
}

async function stillServes(m: Master): Promise<void> {
  const c = await clientOf(m);
  expect(await c.call('RPC.Ping', {})).toMatchObject({ pong: true });
  // A name the fuzz never used.
  const { messageIds } = await c.call('PubSub.Publish', { topic: 'zz/after', messages: [{ data: { fine: true } }] });
  const got = (await c.call('PubSub.Pull', { subscription: 'zz/after', waitSeconds: 0 })).receivedMessages;
  expect(got.map((x) => [x.message.messageId, x.message.data])).toEqual([[messageIds[0], { fine: true }]]);
  expect(await c.call('PubSub.Acknowledge', { subscription: 'zz/after', ackIds: [got[0]!.ackId] })).toEqual({ acknowledged: 1 });
}

describe('fuzz', () => {
  it(`answers ${WS_FRAMES + HTTP_FRAMES} random and mutated frames (WebSocket and HTTP) and keeps working`, { timeout: 180_000 }, async () => {
    const r = prng(testSeed('fuzz'));
    const started = Date.now();
    const log = captureLog();
    const m = await startMaster({ logger: log.logger });
    const admin = await clientOf(m);
    const ctl = await control(m, admin);
    const ctlBefore = ctl.state();
    await admin.call('PubSub.Publish', { topic: 'fz/a', messages: [{ data: 1 }, { data: 2 }] });
    const ctx: FrameContext = { names: ['fz/a', 'fz/b', 'fz/c', 'fz/d'], ackIds: [], messageIds: [], shapes: await shapesOf(admin) };
    const problems: string[] = [];
    const note = (what: string, frame: string): void => {
      if (problems.length < 20) problems.push(`${what} ← ${frame.slice(0, 300)}`);
    };

    const sockets = await Promise.all([m.tokens.admin, m.tokens.agent, m.tokens.viewer].map((token) => openRaw(m.url, { token })));
    const sentBy = new Map<RawSocket, Map<unknown, string>>(sockets.map((s) => [s, new Map()]));
    let seen = sockets.map(() => 0);
    for (let n = 0; n < WS_FRAMES; n++) {
      const s = r.pick(sockets);
      const frame = makeFrame(r, ctx, n);
      sentBy.get(s)!.set(n, frame);
      s.send(frame);
      if (n % 50 === 49 || n === WS_FRAMES - 1) {
        await Promise.all(sockets.map((x) => barrier(x, n)));
        sockets.forEach((x, i) => {
          const fresh = x.received.slice(seen[i]);
          harvest(ctx, fresh);
          for (const f of fresh) {
            const bad = badFrame(f);
            if (bad) note(bad, sentBy.get(x)!.get(f.id) ?? JSON.stringify(f));
          }
        });
        seen = sockets.map((x) => x.received.length);
        for (const map of sentBy.values()) map.clear();
      }
    }
    for (const s of sockets) expect(s.ws.readyState, 'a fuzzed socket was closed').toBe(s.ws.OPEN);

    const tokens = [m.tokens.admin, m.tokens.agent, m.tokens.viewer, undefined, 'wrong'];
    const methods = [...ctx.shapes.keys()];
    let next = 0;
    let timeouts = 0;
    const worker = async (): Promise<void> => {
      while (next < HTTP_FRAMES) {
        const n = next++;
        const token = r.pick(tokens);
        const roll = r.next();
        const method = r.pick(methods);
        const [path, body] =
          roll < 0.5
            ? ['/rpc', makeFrame(r, ctx, n)]
            : roll < 0.9
              ? [`/rpc/${method}`, r.chance(0.5) ? JSON.stringify(randomParams(r, method, ctx)) : mutateText(r, JSON.stringify(randomParams(r, method, ctx)))]
              : [`/rpc/${encodeURIComponent(Buffer.from(randomMethod(r, ctx)).toString())}`, JSON.stringify(randomJson(r))];
        let reply;
        try {
          reply = await request(m.url, path, { token, body, method: 'POST', timeoutMs: 10_000 });
        } catch (err) {
          // Only a long poll (PubSub.Pull, Task.Next) may outlast the client's patience.
          if (!/Pull|Task\.Next/.test(path + body)) note(`no answer: ${String(err)}`, `${path} ${body}`);
          timeouts++;
          continue;
        }
        if (!HTTP_STATUS.has(reply.status)) note(`HTTP ${reply.status}`, `${path} ${body}`);
        if (reply.status === 204) continue;
        if (reply.json === undefined) {
          note(`not JSON: ${reply.text.slice(0, 100)}`, `${path} ${body}`);
          continue;
        }
        const bad = path === '/rpc' && reply.json.jsonrpc ? badFrame(reply.json as RawFrame) : reply.json.error ? badError(reply.json.error) : undefined;
        if (bad) note(bad, `${path} ${body}`);
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    process.stdout.write(`fuzz: ${WS_FRAMES} WebSocket + ${HTTP_FRAMES} HTTP frames in ${Date.now() - started} ms (${timeouts} HTTP long polls cut short)\n`);

    expect(problems).toEqual([]);
    expect(log.internalErrors()).toEqual([]);
    expect(ctl.state()).toEqual(ctlBefore);
    expect(await admin.call('PubSub.ModifyAckDeadline', { subscription: ctl.name, ackIds: [ctl.heldAckId], ackDeadlineSeconds: 600 })).toMatchObject({
      modified: 1,
    });
    await stillServes(m);
  });

  it('changes nothing for frames it refuses with an error', { timeout: 120_000 }, async () => {
    const r = prng(testSeed('fuzz-state'));
    const log = captureLog();
    const m = await startMaster({ logger: log.logger });
    const c = await clientOf(m);
    const s = await openRaw(m.url, { token: m.tokens.admin });
    await c.call('PubSub.CreateSubscription', { name: 'fzb/a', topic: 'fzb/a', ackDeadlineSeconds: 600, maxDeliveryAttempts: 2 });
    await c.call('PubSub.Publish', { topic: 'fzb/a', messages: Array.from({ length: 30 }, (_, i) => ({ data: i })) });
    const leased = (await c.call('PubSub.Pull', { subscription: 'fzb/a', maxMessages: 10, waitSeconds: 0 })).receivedMessages;
    await c.call('PubSub.ModifyAckDeadline', { subscription: 'fzb/a', ackIds: [leased[0]!.ackId], ackDeadlineSeconds: 0 });
    const again = (await c.call('PubSub.Pull', { subscription: 'fzb/a', waitSeconds: 0 })).receivedMessages[0]!;
    await c.call('PubSub.ModifyAckDeadline', { subscription: 'fzb/a', ackIds: [again.ackId], ackDeadlineSeconds: 0 });
    const deadId = again.message.messageId;
    const ackId = (): string => r.pick(leased.slice(1)).ackId;
    const templates: Array<() => FrameObject> = [
      () => ({ method: 'PubSub.CreateTopic', params: { name: 'fzb/new' } }),
      () => ({ method: 'PubSub.CreateSubscription', params: { name: 'fzb/s2', topic: 'fzb/a', ackDeadlineSeconds: 600, maxDeliveryAttempts: 50 } }),
      () => ({ method: 'PubSub.UpdateSubscription', params: { name: 'fzb/a', ackDeadlineSeconds: 600 } }),
      () => ({ method: 'PubSub.DeleteSubscription', params: { name: 'fzb/s2' } }),
      () => ({ method: 'PubSub.DeleteTopic', params: { name: 'fzb/new' } }),
      () => ({ method: 'PubSub.Publish', params: { topic: 'fzb/a', messages: [{ data: { args: ['x'] }, attributes: { k: 'v' } }] } }),
      () => ({ method: 'PubSub.Pull', params: { subscription: 'fzb/a', maxMessages: 2, waitSeconds: 0, ackIds: [ackId()] } }),
      () => ({ method: 'PubSub.Acknowledge', params: { subscription: 'fzb/a', ackIds: [ackId()] } }),
      () => ({ method: 'PubSub.ModifyAckDeadline', params: { subscription: 'fzb/a', ackIds: [ackId()], ackDeadlineSeconds: 300 } }),
      () => ({ method: 'PubSub.Requeue', params: { subscription: 'fzb/a', messageIds: [deadId] } }),
      () => ({ method: 'PubSub.ListDeadLetters', params: { subscription: 'fzb/a' } }),
    ];
    let checked = 0;
    for (let n = 0; n < 2_500; n++) {
      const f: FrameObject = { jsonrpc: '2.0', id: n, ...r.pick(templates)() };
      const roll = r.next();
      const text =
        roll < 0.45 ? mutateText(r, JSON.stringify(f), true) : roll < 0.9 ? JSON.stringify(mutateObject(r, f)) : r.chance(0.5) ? randomString(r, 50) : deepNesting(r);
      const before = snapshot(m);
      const from = s.received.length;
      s.send(text);
      await barrier(s, n);
      const errors = s.received.slice(from).filter((x) => x.error);
      for (const e of errors) expect(badFrame(e), text).toBeUndefined();
      if (errors.length > 0) {
        checked++;
        expect(snapshot(m), `state changed by a refused frame: ${text.slice(0, 300)}`).toEqual(before);
      }
    }
    process.stdout.write(`fuzz-state: ${checked} refused frames checked\n`);
    expect(checked).toBeGreaterThan(1_000);
    expect(log.internalErrors()).toEqual([]);
    await stillServes(m);
  });
});
