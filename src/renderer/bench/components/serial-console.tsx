// A board's live serial console: what it printed (and what was typed and what the bench did),
// an input line, the baud rate and a reset button. Typing, baud and reset take the board's
// manual lock, so no task lands on it meanwhile; during a task the console is read-only.
import { useState } from 'react';
import type { BenchBoard, SerialLine } from '../../../shared/bench/model';
import { useBench } from '../lib/bench-store';
import { clock, errorText } from '../lib/format';
import { useFollowScroll } from './follow-scroll';

const BAUDS = [9600, 57600, 74880, 115200, 230400, 460800, 921600];
const SHOWN = 2000;

export function SerialConsole({ board }: { board: BenchBoard }) {
  const lines = useBench((s) => s.serial[board.id]) ?? [];
  const call = useBench((s) => s.call);
  const [input, setInput] = useState('');
  const [error, setError] = useState<string>();
  const [stamps, setStamps] = useState(true);
  const shown = lines.length > SHOWN ? lines.slice(lines.length - SHOWN) : lines;
  const { ref, onScroll } = useFollowScroll<HTMLDivElement>(lines.length);
  const readOnly = board.state === 'busy' || board.state === 'flashing' || board.state === 'offline';

  const run = (p: Promise<unknown>): void => {
    setError(undefined);
    p.catch((err) => setError(errorText(err)));
  };

  return (
    <section className="console" aria-label={`serial console of ${board.id}`}>
      <div className="console-bar">
        <label>
          Baud{' '}
          <select value={board.serial.baud} disabled={readOnly} onChange={(e) => run(call('Serial.SetBaud', { board: board.id, baud: Number(e.target.value) }))} aria-label="baud rate">
            {[...new Set([...BAUDS, board.serial.baud])].sort((a, b) => a - b).map((b) => (
              <option key={b} value={b}>
                {b}
              </option>
            ))}
          </select>
        </label>
        <button type="button" disabled={readOnly} onClick={() => run(call('Board.Reset', { board: board.id }))}>
          Reset
        </button>
        <label className="check">
          <input type="checkbox" checked={stamps} onChange={(e) => setStamps(e.target.checked)} /> timestamps
        </label>
        <span className="muted">port {board.serial.state}</span>
        {error && <span className="error-text" role="alert">{error}</span>}
      </div>
      <div className="console-lines mono" ref={ref} onScroll={onScroll} data-testid="serial-lines">
        {shown.length === 0 && <div className="muted">No output yet.</div>}
        {shown.map((l) => (
          <Line key={l.seq} line={l} stamps={stamps} />
        ))}
      </div>
      <form
        className="console-input"
        onSubmit={(e) => {
          e.preventDefault();
          const data = input;
          setInput('');
          run(call('Serial.Write', { board: board.id, data, newline: true }));
        }}
      >
        <input
          className="mono"
          value={input}
          disabled={readOnly}
          placeholder={readOnly ? `read-only while the board is ${board.state}` : 'type a line for the board, Enter sends it'}
          onChange={(e) => setInput(e.target.value)}
          aria-label="serial input"
        />
        <button type="submit" disabled={readOnly}>
          Send
        </button>
      </form>
    </section>
  );
}

function Line({ line, stamps }: { line: SerialLine; stamps: boolean }) {
  return (
    <div className={`line line-${line.kind}${line.partial ? ' line-partial' : ''}`}>
      {stamps && <span className="stamp">{clock(line.time)} </span>}
      {line.kind === 'tx' ? '> ' : line.kind === 'info' ? '-- ' : ''}
      {line.text}
    </div>
  );
}
