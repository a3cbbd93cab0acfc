// A task's log as the bench saw it, following its end while it runs. Lines the bench captured
// from the board are marked [serial] and shown apart. Colour codes are stripped here; the
// dashboard has the full log viewer.
import { useMemo } from 'react';
import { useFollowScroll } from './follow-scroll';

const SHOWN = 3000;
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

export function LogView({ text, truncated }: { text: string; truncated: boolean }) {
  const lines = useMemo(() => {
    const all = text.replace(ANSI, '').split('\n');
    if (all[all.length - 1] === '') all.pop();
    return all;
  }, [text]);
  const hidden = Math.max(0, lines.length - SHOWN);
  const { ref, onScroll } = useFollowScroll<HTMLDivElement>(text.length);
  return (
    <div className="log mono" ref={ref} onScroll={onScroll} data-testid="task-log">
      {(truncated || hidden > 0) && <div className="muted">… earlier lines are on the master (the dashboard has the full log)</div>}
      {lines.slice(hidden).map((l, i) => (
        <div key={hidden + i} className={l.startsWith('[serial] ') ? 'line line-serial' : l.startsWith('[bench] ') || l.startsWith('[ourci] ') ? 'line line-info' : 'line'}>
          {l || '\u00a0'}
        </div>
      ))}
    </div>
  );
}
