// The preload against a stand-in for Electron's two preload modules (the real ones exist only
// inside Electron): it exposes one function per method, each invoking its own channel, and an
// event feed that hides Electron's event object. Nothing generic is exposed.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { BENCH_EVENT_CHANNEL, BENCH_METHOD_NAMES, benchChannel, benchFunctionName } from '../../src/shared/bench/method-names';

const exposed: Record<string, Record<string, unknown>> = {};
const invoked: Array<[string, unknown]> = [];
const listeners = new Map<string, (...args: unknown[]) => void>();

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: Record<string, unknown>) => (exposed[key] = api) },
  ipcRenderer: {
    invoke: (channel: string, params: unknown) => {
      invoked.push([channel, params]);
      return Promise.resolve({ ok: true, result: {} });
    },
    on: (channel: string, fn: (...args: unknown[]) => void) => listeners.set(channel, fn),
    removeListener: (channel: string) => listeners.delete(channel),
  },
}));

describe('preload', () => {
  beforeEach(async () => {
    await import('../../src/preload/index');
  });

  it('exposes one function per bench method on its own channel, and the event feed', async () => {
    const api = exposed.ourciBench!;
    const names = BENCH_METHOD_NAMES.map(benchFunctionName);
    expect(Object.keys(api).sort()).toEqual([...names, 'onEvent'].sort());
    expect(api).not.toHaveProperty('invoke');
    expect(api).not.toHaveProperty('send');
    for (const m of BENCH_METHOD_NAMES) await (api[benchFunctionName(m)] as (p: unknown) => Promise<unknown>)({ n: m });
    expect(invoked).toEqual(BENCH_METHOD_NAMES.map((m) => [benchChannel(m), { n: m }]));
  });

  it('hands the renderer the event, not Electron\'s event object', () => {
    const got: unknown[] = [];
    const off = (exposed.ourciBench!.onEvent as (fn: (e: unknown) => void) => () => void)((e) => got.push(e));
    listeners.get(BENCH_EVENT_CHANNEL)!({ sender: 'secret' }, { type: 'board.removed', board: 'x' });
    expect(got).toEqual([{ type: 'board.removed', board: 'x' }]);
    off();
    expect(listeners.has(BENCH_EVENT_CHANNEL)).toBe(false);
  });
});
