// One board: what it is, who owns it, its health with the operator's actions (lock, quarantine,
// return to service, flash), and its live serial console.
import { useState } from 'react';
import { BoardHealth, BoardState } from '../components/badges';
import { FlashProgress } from '../components/progress';
import { SerialConsole } from '../components/serial-console';
import { useBench, useWatch } from '../lib/bench-store';
import { ago, bytes, errorText } from '../lib/format';
import { href } from '../lib/router';

export function BoardPage({ id }: { id: string }) {
  const board = useBench((s) => s.boards[id]);
  const flashes = Object.values(useBench((s) => s.flashes))
    .filter((f) => f.board === id)
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt))
    .slice(0, 3);
  const call = useBench((s) => s.call);
  const [error, setError] = useState<string>();
  useWatch('boards', id);
  if (!board) return <div className="page"><p className="empty">No board {id} on this bench. <a href={href({ page: 'boards' })}>All boards</a></p></div>;

  const act = (p: Promise<unknown>): void => {
    setError(undefined);
    p.catch((err) => setError(errorText(err)));
  };
  const busy = board.state === 'busy' || board.state === 'flashing';
  return (
    <div className="page">
      <div className="page-head">
        <h1>
          <a href={href({ page: 'boards' })} className="crumb">Boards</a> / {board.id}
        </h1>
        <div className="actions">
          {board.lock ? (
            <button type="button" onClick={() => act(call('Board.Unlock', { board: id }))} disabled={board.state === 'flashing'}>
              Unlock
            </button>
          ) : (
            <button type="button" onClick={() => act(call('Board.Lock', { board: id }))} disabled={busy || board.state === 'offline'} title="keep tasks off this board for a while">
              Lock
            </button>
          )}
          {board.health === 'ok' ? (
            <button type="button" className="danger" onClick={() => act(call('Board.Quarantine', { board: id }))}>
              Quarantine
            </button>
          ) : (
            <button type="button" onClick={() => act(call('Board.ReturnToService', { board: id }))}>
              Return to service
            </button>
          )}
          <a className={`button primary${busy || board.state === 'offline' ? ' disabled' : ''}`} href={href({ page: 'flash', boards: [id] })}>
            Flash…
          </a>
        </div>
      </div>
      {error && <p className="notice notice-error" role="alert">{error}</p>}
      <dl className="facts">
        <dt>State</dt>
        <dd>
          <BoardState board={board} />
          {board.lock && <span className="muted"> by {board.lock.by} until {new Date(board.lock.until).toLocaleTimeString()}</span>}
        </dd>
        <dt>Health</dt>
        <dd>
          <BoardHealth board={board} />
          {board.healthDetail && <span className="muted"> {board.healthDetail.reason} ({ago(board.healthDetail.at)})</span>}
          {!board.healthDetail && board.consecutiveFailures ? <span className="muted"> {board.consecutiveFailures} failure(s) in a row: {board.lastFailure}</span> : null}
        </dd>
        <dt>Type</dt>
        <dd>
          {board.chip ?? board.type}
          {board.flashSize ? `, ${bytes(board.flashSize)} flash` : ''}
          {board.virtual ? ' (virtual)' : ''}
        </dd>
        <dt>Port</dt>
        <dd className="mono">{board.port}</dd>
        <dt>MAC</dt>
        <dd className="mono">{board.mac ?? '—'}</dd>
        {board.usb && (
          <>
            <dt>USB</dt>
            <dd>{board.usb}</dd>
          </>
        )}
        <dt>Topic</dt>
        <dd className="mono">{board.topic ?? 'none (unknown type)'}</dd>
        <dt>Task</dt>
        <dd>{board.currentTask ? <a href={href({ page: 'tasks', id: board.currentTask })}>task {board.currentTask} of job {board.currentJob}</a> : 'none'}</dd>
        {board.probeError && (
          <>
            <dt>Probe</dt>
            <dd className="error-text">{board.probeError}</dd>
          </>
        )}
      </dl>
      {flashes.map((f) => (
        <FlashProgress key={f.id} flash={f} />
      ))}
      <SerialConsole board={board} />
    </div>
  );
}
