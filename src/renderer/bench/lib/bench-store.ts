// The bench UI's state (Zustand): the bench, its boards, tasks and flash operations, kept
// current by the bench's events; the serial lines of watched boards and the logs of watched
// tasks. Pages say what they watch (useWatch); the store tells the bench, so only what is on
// screen streams.
import { useEffect } from 'react';
import { create } from 'zustand';
import type { BenchParams, BenchResult } from '../../../shared/bench/api';
import type { BenchMethodName } from '../../../shared/bench/method-names';
import type { BenchBoard, BenchEvent, BenchSummary, BenchTask, FlashJob, SerialLine } from '../../../shared/bench/model';
import type { ConnectionState } from '../../../shared/rpc/rpc-client';
import type { BenchTransport } from './transport';

const MAX_SERIAL_LINES = 5000;
const MAX_LOG_CHARS = 2 << 20;
const MAX_NOTICES = 20;

export interface Notice {
  id: number;
  level: 'info' | 'warn' | 'error';
  text: string;
  at: string;
}

interface TaskLog {
  text: string;
  truncated: boolean;
  /** Events received before the initial read answered are already in it. */
  loading: boolean;
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
  logs: Record<string, TaskLog>;
  notices: Notice[];
  attach(transport: BenchTransport): Promise<void>;
  call<K extends BenchMethodName>(method: K, params: BenchParams<K>): Promise<BenchResult<K>>;
  watch(kind: 'boards' | 'tasks', id: string): () => void;
  dismiss(id: number): void;
}

let noticeId = 0;

export const useBench = create<BenchState>((set, get) => {
  const watchers = { boards: new Map<string, number>(), tasks: new Map<string, number>() };
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

  const fetchLog = async (task: string): Promise<void> => {
    set((st) => ({ logs: { ...st.logs, [task]: { text: st.logs[task]?.text ?? '', truncated: false, loading: true } } }));
    try {
      const r = await call('Tasks.Log', { task });
      set((st) => ({ logs: { ...st.logs, [task]: { text: r.text, truncated: r.truncated, loading: false } } }));
    } catch (err) {
      set((st) => ({ logs: { ...st.logs, [task]: { text: `(${(err as Error).message})\n`, truncated: false, loading: false } } }));
    }
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
        return set((st) => {
          const log = st.logs[e.task];
          if (!log || log.loading) return {};
          let text = log.text + e.text;
          let truncated = log.truncated;
          if (text.length > MAX_LOG_CHARS) {
            text = text.slice(text.length - MAX_LOG_CHARS);
            truncated = true;
          }
          return { logs: { ...st.logs, [e.task]: { ...log, text, truncated } } };
        });
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
    logs: {},
    notices: [],
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
        for (const t of watchers.tasks.keys()) void fetchLog(t);
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
        void (kind === 'boards' ? fetchSerial(id) : fetchLog(id));
      }
      return () => {
        const left = (m.get(id) ?? 1) - 1;
        if (left > 0) return void m.set(id, left);
        m.delete(id);
        sendWatch();
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
