// Boards: every board of the bench with its type, port, MAC, state, health, topic and current
// task; pick some to flash.
import { useState } from 'react';
import type { BenchBoard } from '../../../shared/bench/model';
import { BoardHealth, BoardState } from '../components/badges';
import { useBench } from '../lib/bench-store';
import { bytes } from '../lib/format';
import { href } from '../lib/router';

const flashable = (b: BenchBoard): boolean => b.state !== 'busy' && b.state !== 'flashing' && b.state !== 'offline';

export function BoardsPage() {
  const boards = Object.values(useBench((s) => s.boards)).sort((a, b) => a.id.localeCompare(b.id));
  const bench = useBench((s) => s.bench);
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const chosen = boards.filter((b) => picked.has(b.id) && flashable(b));
  const toggle = (id: string): void =>
    setPicked((p) => {
      const n = new Set(p);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });

  return (
    <div className="page">
      <div className="page-head">
        <h1>Boards</h1>
        <a className={`button${chosen.length ? '' : ' disabled'}`} aria-disabled={!chosen.length} href={chosen.length ? href({ page: 'flash', boards: chosen.map((b) => b.id) }) : undefined}>
          Flash {chosen.length ? `${chosen.length} selected` : 'selected'}
        </a>
      </div>
      {bench?.discovery.enumeration === 'unavailable' && (
        <p className="notice notice-warn" role="alert">
          Serial ports cannot be listed: {bench.discovery.error}
        </p>
      )}
      {boards.length === 0 ? (
        <p className="empty">No boards yet. Plug one in (ESP8266 or CC3200 over USB), or start the bench with --virtual-boards esp8266:2.</p>
      ) : (
        <table className="data-table" aria-label="boards">
          <thead>
            <tr>
              <th aria-label="select" />
              <th>Board</th>
              <th>Type</th>
              <th>Port</th>
              <th>MAC</th>
              <th>State</th>
              <th>Health</th>
              <th>Topic</th>
              <th>Current task</th>
            </tr>
          </thead>
          <tbody>
            {boards.map((b) => (
              <tr key={b.id} data-board={b.id}>
                <td>
                  <input type="checkbox" aria-label={`select ${b.id}`} checked={picked.has(b.id)} disabled={!flashable(b)} onChange={() => toggle(b.id)} />
                </td>
                <td>
                  <a href={href({ page: 'board', id: b.id })}>{b.id}</a>
                  {b.virtual && <span className="tag">virtual</span>}
                </td>
                <td>
                  {b.chip ?? b.type}
                  {b.flashSize ? <span className="muted"> {bytes(b.flashSize)}</span> : null}
                </td>
                <td className="mono">{b.port}</td>
                <td className="mono">{b.mac ?? ''}</td>
                <td>
                  <BoardState board={b} />
                </td>
                <td>
                  <BoardHealth board={b} />
                </td>
                <td className="mono">{b.topic ?? <span className="muted">none</span>}</td>
                <td>{b.currentTask ? <a href={href({ page: 'tasks', id: b.currentTask })}>task {b.currentTask}</a> : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
