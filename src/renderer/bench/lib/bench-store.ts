// The bench UI's state (Zustand): the bench, its boards, tasks and flash operations, kept
// current by the bench's events, and the serial lines of watched boards. Pages say what they
// watch (useWatch); the store tells the bench, so only what is on screen streams. Task logs
// go straight to the page's log session (onTaskLog), not through the store.
import { useEffect } from 'react';
import { create } from 'zustand';
import type { BenchParams, BenchResult } from '../../../shared/bench/api';
import type { BenchMethodName } from '../../../shared/bench/method-names';
import type { BenchBoard, BenchEvent, BenchSummary, BenchTask, FlashJob, SerialLine } from '../../../shared/bench/model';
import type { ConnectionState } from '../../../shared/rpc/rpc-client';
import type { BenchTransport } from './transport';

const MAX_SERIAL_LINES = 5000;
const MAX_NOTICES = 20;

export interface Notice {
  id: number;
  level: 'info' | 'warn' | 'error';
  text: string;
  at: string;
}

export interface BenchState {
  transport?: BenchTransport;
  connection: ConnectionState;
  connectionDetail?: string;
  loaded: boolean;
  error?: string;
  bench?: BenchSummary;
  boards: Record<string, BenchBoard>;
  tasks: Record<string, BenchTask>;
  flashes: Record<string, FlashJob>;
  serial: Record<string, SerialLine[]>;
  notices: Notice[];
  /** Counts reconnects: what a page read before may have missed something since. */
  reconnects: number;
  attach(transport: BenchTransport): Promise<void>;
  call<K extends BenchMethodName>(method: K, params: BenchParams<K>): Promise<BenchResult<K>>;
  watch(kind: 'boards' | 'tasks', id: string): () => void;
  /** Live log chunks of one task (watch it too, or none come). */
  onTaskLog(task: string, fn: (offset: number, text: string) => void): () => void;
  dismiss(id: number): void;
}

let noticeId = 0;

export const useBench = create<BenchState>((set, get) => {
  const watchers = { boards: new Map<string, number>(), tasks: new Map<string, number>() };
  const logListeners = new Map<string, Set<(offset: number, text: string) => void>>();
  let watchTimer: ReturnType<typeof setTimeout> | undefined;

  const call: BenchState['call'] = (method, params) => {
    const t = get().transport;
    if (!t) return Promise.reject(new Error('not connected to the bench'));
    return t.call(method, params);
  };

  const load = async (): Promise<void> => {
    try {
      const s = await call('Bench.Status', {});
      set({
        loaded: true,
        error: undefined,
        bench: s.bench,
        boards: Object.fromEntries(s.boards.map((b) => [b.id, b])),
        tasks: Object.fromEntries(s.tasks.map((t) => [t.id, t])),
        flashes: Object.fromEntries(s.flashes.map((f) => [f.id, f])),
      });
    } catch (err) {
      set({ error: (err as Error).message });
    }
  };

  const fetchSerial = async (board: string): Promise<void> => {
    const h = await call('Serial.History', { board, limit: 2000 }).catch(() => undefined);
    if (h) set((st) => ({ serial: { ...st.serial, [board]: mergeLines(h.lines, st.serial[board] ?? []) } }));
  };

  /** Tells the bench what to stream; reloads what a reconnect may have missed. */
  const sendWatch = (): void => {
    clearTimeout(watchTimer);
    watchTimer = setTimeout(() => {
      void call('Bench.Watch', { boards: [...watchers.boards.keys()], tasks: [...watchers.tasks.keys()] }).catch(() => {});
    }, 30);
  };

  const onEvent = (e: BenchEvent): void => {
    switch (e.type) {
      case 'bench':
        return set({ bench: e.bench });
      case 'board':
        return set((st) => ({ boards: { ...st.boards, [e.board.id]: e.board } }));
      case 'board.removed':
        return set((st) => {
          const boards = { ...st.boards };
          delete boards[e.board];
          return { boards };
        });
      case 'task':
        return set((st) => ({ tasks: { ...st.tasks, [e.task.id]: e.task } }));
      case 'task.log':
        logListeners.get(e.task)?.forEach((fn) => fn(e.offset, e.text));
        return;
      case 'serial':
        return set((st) => ({ serial: { ...st.serial, [e.board]: mergeLines(st.serial[e.board] ?? [], e.lines) } }));
      case 'flash':
        return set((st) => ({ flashes: { ...st.flashes, [e.flash.id]: e.flash } }));
      case 'notice':
        return set((st) => ({ notices: [{ id: ++noticeId, level: e.level, text: e.text, at: new Date().toISOString() }, ...st.notices].slice(0, MAX_NOTICES) }));
    }
  };

  return {
    connection: 'connecting',
    loaded: false,
    boards: {},
    tasks: {},
    flashes: {},
    serial: {},
    notices: [],
    reconnects: 0,
    call,

    async attach(transport) {
      get().transport?.close();
      set({ transport, loaded: false });
      transport.onEvent(onEvent);
      transport.onState((connection, connectionDetail) => set({ connection, connectionDetail }));
      transport.onReconnect(() => {
        sendWatch();
        void load();
        for (const b of watchers.boards.keys()) void fetchSerial(b);
        set((st) => ({ reconnects: st.reconnects + 1 }));
      });
      if (transport.kind === 'ipc') set({ connection: 'open' });
      await load();
    },

    watch(kind, id) {
      const m = watchers[kind];
      const n = m.get(id) ?? 0;
      m.set(id, n + 1);
      if (n === 0) {
        sendWatch();
        if (kind === 'boards') void fetchSerial(id);
      }
      return () => {
        const left = (m.get(id) ?? 1) - 1;
        if (left > 0) return void m.set(id, left);
        m.delete(id);
        sendWatch();
      };
    },

    onTaskLog(task, fn) {
      let set = logListeners.get(task);
      if (!set) logListeners.set(task, (set = new Set()));
      set.add(fn);
      return () => {
        set.delete(fn);
        if (set.size === 0) logListeners.delete(task);
      };
    },

    dismiss(id) {
      set((st) => ({ notices: st.notices.filter((n) => n.id !== id) }));
    },
  };
});

/** Appends lines in sequence order, without duplicates (history and events overlap). */
function mergeLines(have: SerialLine[], more: SerialLine[]): SerialLine[] {
  const last = have.length ? have[have.length - 1]!.seq : -1;
  const fresh = more.filter((l) => l.seq > last);
  const out = fresh.length ? have.concat(fresh) : have;
  return out.length > MAX_SERIAL_LINES ? out.slice(out.length - MAX_SERIAL_LINES) : out;
}

/** Streams a board's serial lines or a task's log while the calling component is shown. */
export function useWatch(kind: 'boards' | 'tasks', id: string | undefined): void {
  const watch = useBench((s) => s.watch);
  useEffect(() => (id ? watch(kind, id) : undefined), [kind, id, watch]);
}
