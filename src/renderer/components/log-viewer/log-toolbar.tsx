// The log's controls: follow, top, search with next/previous, download, status.
import { useRef, type ReactNode } from 'react';

export interface LogToolbarProps {
  start?: ReactNode;
  follow: boolean;
  onFollow(): void;
  onTop(): void;
  query: string;
  onQuery(q: string): void;
  matchInfo: string;
  onNext(): void;
  onPrev(): void;
  onDownload?: () => void;
  status: string;
}

export function LogToolbar(p: LogToolbarProps) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <div className="log-toolbar" role="toolbar">
      {p.start}
      <button type="button" className={p.follow ? 'toggle on' : 'toggle'} onClick={p.onFollow} title="Follow the end of the log (f / End)" aria-pressed={p.follow}>
        {p.follow ? '● Following' : '○ Follow'}
      </button>
      <button type="button" onClick={p.onTop} title="Go to the start (Home)">
        ⤒ Top
      </button>
      <span className="log-search">
        <input
          ref={input}
          type="search"
          placeholder="Search the log  (/)"
          value={p.query}
          data-log-search=""
          onChange={(e) => p.onQuery(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              if (e.shiftKey) p.onPrev();
              else p.onNext();
            } else if (e.key === 'Escape') {
              p.onQuery('');
              input.current?.blur();
            }
          }}
          aria-label="search the log"
        />
        {p.matchInfo && <span className="match-info">{p.matchInfo}</span>}
        <button type="button" onClick={p.onPrev} title="Previous match (Shift+Enter, N)" disabled={!p.query}>
          ↑
        </button>
        <button type="button" onClick={p.onNext} title="Next match (Enter, n)" disabled={!p.query}>
          ↓
        </button>
      </span>
      <span className="spacer" />
      <span className="log-status">{p.status}</span>
      {p.onDownload && (
        <button type="button" onClick={p.onDownload} title="Download the raw log">
          ⇩ Raw
        </button>
      )}
    </div>
  );
}
