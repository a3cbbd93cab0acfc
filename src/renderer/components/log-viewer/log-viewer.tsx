// A virtualised terminal-log view over a LogSession: only the rows in sight (plus a margin)
// are in the DOM, so a million-line log scrolls like a short one. Follow mode sticks to the
// bottom while the reader is there and pauses as soon as they scroll up. Gaps (bytes not
// loaded yet) load when they scroll into view; loading above the reader keeps their place.
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, useSyncExternalStore, type ReactNode } from 'react';
import { formatBytes } from '../../lib/format';
import type { LogSession } from '../../lib/log/log-session';
import { LogLine } from './log-line';
import { LogToolbar } from './log-toolbar';

export const ROW_HEIGHT = 18;
const OVERSCAN = 30;

export interface LogViewerProps {
  session: LogSession;
  /** Still streaming: follow mode starts on. */
  live: boolean;
  onDownload?: () => void;
  /** Extra controls at the toolbar's start (e.g. the attempt selector). */
  toolbarStart?: ReactNode;
}

export function LogViewer({ session, live, onDownload, toolbarStart }: LogViewerProps) {
  const version = useSyncExternalStore(
    useCallback((fn) => session.onChange(fn), [session]),
    () => session.revision,
  );
  const doc = session.doc;
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewH, setViewH] = useState(600);
  const [follow, setFollow] = useState(live);
  const [query, setQuery] = useState('');
  const [matchIdx, setMatchIdx] = useState(-1);
  const lastRows = useRef(doc.rowCount);
  const programmatic = useRef(false);
  /** Opened at the end once: the failing end of a log is what people come for. */
  const placed = useRef(false);

  const rows = doc.rowCount;
  const total = rows * ROW_HEIGHT;
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(rows, Math.ceil((scrollTop + viewH) / ROW_HEIGHT) + OVERSCAN);

  const matches = useMemo(() => (query ? doc.search(query) : []), [doc, query, version]);

  const setTop = (top: number): void => {
    const el = scroller.current;
    if (!el) return;
    const before = el.scrollTop;
    el.scrollTop = top;
    // A scroll event follows only if the position changed; mark it as ours, not the reader's.
    if (el.scrollTop !== before) programmatic.current = true;
    setScrollTop(el.scrollTop);
  };

  // Measure the viewport.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setViewH(el.clientHeight));
    ro.observe(el);
    setViewH(el.clientHeight);
    return () => ro.disconnect();
  }, []);

  // After the document changed: keep the reader's place, or stick to the bottom.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    // Rows inserted right below a gap the reader scrolled up into: keep what they were reading
    // in place, which moves the (smaller) gap out of sight above.
    const shift = session.takeShift();
    if (!placed.current && session.opened && rows > 0) {
      placed.current = true;
      setTop(el.scrollHeight);
    } else if (shift && !follow) setTop(el.scrollTop + shift * ROW_HEIGHT);
    if (follow && rows !== lastRows.current) setTop(el.scrollHeight);
    lastRows.current = rows;
  }, [version, rows, follow]);

  useLayoutEffect(() => {
    if (follow) setTop(scroller.current?.scrollHeight ?? 0);
  }, [follow]);

  // Load gaps that are in sight.
  useEffect(() => {
    const el = scroller.current;
    if (!session.opened || !placed.current || !el) return;
    // From the DOM, not state: the state may still hold the position before the last jump.
    const visFirst = Math.floor(el.scrollTop / ROW_HEIGHT);
    const visLast = Math.ceil((el.scrollTop + el.clientHeight) / ROW_HEIGHT);
    const gap = doc.gapIn(Math.max(0, visFirst - 2), Math.min(rows, visLast + 2));
    if (!gap || session.loading.has(gap.from) || session.stuck.has(gap.from)) return;
    // Near the top of the view the reader came from below: load the gap's end; else its start.
    void session.loadGap(gap, gap.row - visFirst < (visLast - visFirst) / 2 ? 'end' : 'start');
  }, [scrollTop, viewH, version, rows, session, doc]);

  const onScroll = (): void => {
    const el = scroller.current!;
    setScrollTop(el.scrollTop);
    if (programmatic.current) {
      programmatic.current = false;
      return;
    }
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < ROW_HEIGHT * 2;
    if (follow !== atBottom) setFollow(atBottom);
  };

  const goToMatch = (dir: 1 | -1): void => {
    if (!matches.length) return;
    const top = Math.floor(scrollTop / ROW_HEIGHT);
    let idx: number;
    if (matchIdx >= 0 && matches[matchIdx] !== undefined) idx = (matchIdx + dir + matches.length) % matches.length;
    else {
      idx = dir > 0 ? matches.findIndex((r) => r >= top) : findLastIndex(matches, (r) => r < top);
      if (idx < 0) idx = dir > 0 ? 0 : matches.length - 1;
    }
    setMatchIdx(idx);
    setFollow(false);
    setTop(matches[idx]! * ROW_HEIGHT - viewH / 3);
  };

  const goTop = (): void => {
    setFollow(false);
    const r = rows > 0 ? doc.row(0) : undefined;
    if (r && r.kind === 'gap' && !r.omitted) {
      session.stuck.clear();
      void session.loadGap(r, 'start');
    }
    setTop(0);
  };

  const onKey = (e: React.KeyboardEvent): void => {
    if ((e.target as HTMLElement).tagName === 'INPUT') return;
    if (e.key === 'f') setFollow((f) => !f);
    else if (e.key === 'End' || e.key === 'G') setFollow(true);
    else if (e.key === 'Home' || e.key === 'g') goTop();
    else if (e.key === 'n') goToMatch(1);
    else if (e.key === 'N') goToMatch(-1);
    else return;
    e.preventDefault();
  };

  const current = matchIdx >= 0 ? matches[matchIdx] : undefined;
  const lines: ReactNode[] = doc.rowsBetween(first, last).map((r, k) => {
    const i = first + k;
    if (r.kind === 'line') return <LogLine key={i} text={r.text} state={r.state} query={query} current={i === current} />;
    return (
      <div key={`gap-${r.from}`} className={r.omitted ? 'log-gap omitted' : 'log-gap'}>
        {r.omitted
          ? `— ${formatBytes(r.to - r.from)} omitted: the log went over the size cap (head and tail kept) —`
          : session.loading.has(r.from)
            ? `loading… (${formatBytes(r.to - r.from)} not loaded yet)`
            : `${formatBytes(r.to - r.from)} not loaded — scroll here or press Home to load`}
      </div>
    );
  });

  return (
    <div className="log-viewer" onKeyDown={onKey}>
      <LogToolbar
        start={toolbarStart}
        follow={follow}
        onFollow={() => setFollow((f) => !f)}
        onTop={goTop}
        query={query}
        onQuery={(q) => {
          setQuery(q);
          setMatchIdx(-1);
        }}
        matchInfo={query ? (matches.length ? `${matchIdx >= 0 ? matchIdx + 1 : '–'} of ${matches.length}` : 'no match') : ''}
        onNext={() => goToMatch(1)}
        onPrev={() => goToMatch(-1)}
        onDownload={onDownload}
        status={`${formatBytes(doc.loadedBytes)} of ${formatBytes(doc.size)} loaded${session.complete ? '' : live ? ' · live' : ''}`}
      />
      {session.error && <div className="log-error">Could not read the log: {session.error}</div>}
      <div className="log-scroll" ref={scroller} onScroll={onScroll} tabIndex={0} data-testid="log-scroll" aria-label="log">
        <div style={{ height: total, position: 'relative' }}>
          <div className="log-rows" style={{ transform: `translateY(${first * ROW_HEIGHT}px)` }}>
            {lines}
          </div>
        </div>
        {session.opened && rows === 0 && <div className="log-empty">{session.complete ? 'This attempt wrote no output.' : 'Waiting for output…'}</div>}
        {!session.opened && !session.error && <div className="log-empty">Loading the log…</div>}
      </div>
    </div>
  );
}

function findLastIndex<T>(a: T[], f: (x: T) => boolean): number {
  for (let i = a.length - 1; i >= 0; i--) if (f(a[i]!)) return i;
  return -1;
}
