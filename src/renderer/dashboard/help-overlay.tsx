// The keyboard shortcuts, shown with `?`.
import { useEffect } from 'react';

const KEYS: Array<[string, string]> = [
  ['g j / g a / g q', 'jobs, agents, queues'],
  ['j / k, ↓ / ↑', 'move through a list'],
  ['Enter', 'open the selected row'],
  ['/', 'search (log) or filter (jobs)'],
  ['n / N', 'next / previous search match'],
  ['f, End', 'follow the end of a log'],
  ['Home', 'go to the start of a log'],
  ['x', 'show only failed tasks (job page)'],
  ['?', 'this help'],
];

export function HelpOverlay({ onClose }: { onClose(): void }) {
  useEffect(() => {
    const k = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', k);
    return () => window.removeEventListener('keydown', k);
  }, [onClose]);
  return (
    <div className="overlay" onClick={onClose} role="dialog" aria-label="keyboard shortcuts">
      <div className="overlay-box" onClick={(e) => e.stopPropagation()}>
        <h2>Keyboard</h2>
        <table>
          <tbody>
            {KEYS.map(([k, v]) => (
              <tr key={k}>
                <td>
                  <kbd>{k}</kbd>
                </td>
                <td>{v}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </div>
  );
}
