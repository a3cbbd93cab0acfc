// A flash operation's progress: phase, bar, bytes.
import type { FlashJob } from '../../../shared/bench/model';
import { bytes, percent } from '../lib/format';
import { FlashStatus } from './badges';

export function FlashProgress({ flash }: { flash: FlashJob }) {
  const pct = flash.state === 'done' ? 100 : percent(flash.written, flash.total);
  return (
    <div className="flash-progress" data-flash={flash.id} data-state={flash.state}>
      <div className="flash-progress-head">
        <strong>{flash.board}</strong>
        <span className="muted">{flash.source}</span>
        <FlashStatus flash={flash} />
      </div>
      <div
        className={`bar bar-${flash.state}`}
        role="progressbar"
        aria-label={`flashing ${flash.board}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
      >
        <div style={{ width: `${pct}%` }} />
      </div>
      <div className="flash-progress-foot muted">
        {flash.state === 'running' ? `${flash.phase} ${pct}% (${bytes(flash.written)} of ${bytes(flash.total)})` : null}
        {flash.state === 'done' && flash.result ? `written and verified in ${(flash.result.totalMs / 1000).toFixed(1)} s${flash.result.app ? `: ${flash.result.app}` : ''}` : null}
        {flash.state === 'failed' ? <span className="error-text">{flash.error}</span> : null}
        {flash.state === 'cancelled' ? 'cancelled' : null}
      </div>
    </div>
  );
}
