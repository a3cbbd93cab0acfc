// Data that a page loads and keeps fresh: it subscribes to its event topics first, reads once
// they are confirmed, replays events that arrived while the read was in flight, patches the
// data from later events, and reads again after a reconnect.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { LiveEvent } from '../lib/rpc/event-hub';
import { useSession } from '../lib/session/session-store';

export interface Live<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): void;
  /** Applies a change to the data in place (from an event). */
  patch(fn: (d: T) => T): void;
}

type OnEvent<T> = (ev: LiveEvent, data: T) => T | 'reload';

/**
 * `load` reads the data; `topics` are subscribed while the page shows; `onEvent` patches the
 * data from an event, or returns 'reload' to read it all again (the default).
 */
export function useLive<T>(load: () => Promise<T>, deps: readonly unknown[], topics: readonly string[] = [], onEvent?: OnEvent<T>): Live<T> {
  const hub = useSession((s) => s.hub);
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const seq = useRef(0);
  const inflight = useRef<LiveEvent[] | null>(null);
  const loadRef = useRef(load);
  loadRef.current = load;
  const onEventRef = useRef<OnEvent<T> | undefined>(onEvent);
  onEventRef.current = onEvent;

  const apply = useCallback((data: T, ev: LiveEvent): T | 'reload' => {
    const fn = onEventRef.current;
    return fn ? fn(ev, data) : 'reload';
  }, []);

  const reload = useCallback(() => {
    const my = ++seq.current;
    inflight.current = [];
    setState((s) => ({ ...s, loading: true }));
    loadRef.current().then(
      (fresh) => {
        if (my !== seq.current) return;
        let data = fresh;
        const missed = inflight.current ?? [];
        inflight.current = null;
        for (const ev of missed) {
          const next = apply(data, ev);
          if (next !== 'reload') data = next;
        }
        setState({ data, loading: false });
      },
      (error: unknown) => {
        if (my !== seq.current) return;
        inflight.current = null;
        setState((s) => ({ data: s.data, error, loading: false }));
      },
    );
  }, [apply]);

  const topicKey = topics.join('\n');
  useEffect(() => {
    setState({ loading: true });
    if (!hub) {
      reload();
      return;
    }
    let alive = true;
    const subs = topicKey
      ? topicKey.split('\n').map((t) =>
          hub.subscribe(t, (ev) => {
            if (inflight.current) {
              inflight.current.push(ev);
              return;
            }
            setState((s) => {
              if (s.data === undefined) return s;
              const next = apply(s.data, ev);
              if (next === 'reload') {
                queueMicrotask(reload);
                return s;
              }
              return { ...s, data: next };
            });
          }),
        )
      : [];
    void Promise.all(subs.map((s) => s.ready)).then(() => {
      if (alive) reload();
    });
    const offResync = hub.onResync(reload);
    return () => {
      alive = false;
      seq.current++;
      subs.forEach((s) => s.off());
      offResync();
    };
  }, [hub, topicKey, reload, ...deps]);

  const patch = useCallback((fn: (d: T) => T) => setState((s) => (s.data === undefined ? s : { ...s, data: fn(s.data) })), []);
  return { data: state.data, error: state.error, loading: state.loading, reload, patch };
}

/** Re-renders every `ms` (running durations count up). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}
