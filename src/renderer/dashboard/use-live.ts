// Data that a page loads once and keeps fresh: re-read after a reconnect, patched by events.
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

/**
 * `load` reads the data; `topics` are subscribed while the page shows; `onEvent` patches the
 * data from an event, or returns 'reload' to read it all again.
 */
export function useLive<T>(
  load: () => Promise<T>,
  deps: readonly unknown[],
  topics: readonly string[] = [],
  onEvent?: (ev: LiveEvent, data: T) => T | 'reload',
): Live<T> {
  const hub = useSession((s) => s.hub);
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const seq = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const onEventRef = useRef(onEvent);
  onEventRef.current = onEvent;

  const reload = useCallback(() => {
    const my = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    loadRef.current().then(
      (data) => {
        if (my === seq.current) setState({ data, loading: false });
      },
      (error: unknown) => {
        if (my === seq.current) setState((s) => ({ data: s.data, error, loading: false }));
      },
    );
  }, []);

  useEffect(() => {
    setState({ loading: true });
    reload();
  }, deps);

  const topicKey = topics.join('\n');
  useEffect(() => {
    if (!hub) return;
    const offs = topics.map((t) =>
      hub.subscribe(t, (ev) => {
        const fn = onEventRef.current;
        if (!fn) return reload();
        setState((s) => {
          if (s.data === undefined) return s;
          const next = fn(ev, s.data);
          if (next === 'reload') {
            queueMicrotask(reload);
            return s;
          }
          return { ...s, data: next };
        });
      }),
    );
    offs.push(hub.onResync(reload));
    return () => offs.forEach((f) => f());
  }, [hub, topicKey, reload]);

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
