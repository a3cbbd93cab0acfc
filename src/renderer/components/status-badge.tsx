// Status as colour + symbol + word, so it reads without colour too.
const SYMBOL: Record<string, string> = {
  success: '✔',
  failure: '✖',
  error: '⚠',
  timeout: '⏱',
  cancelled: '⊘',
  expired: '⌛',
  running: '●',
  queued: '◌',
  lost: '↯',
  released: '↺',
  idle: '○',
  busy: '●',
  paused: '❙❙',
  draining: '↧',
  ok: '✔',
  degraded: '⚠',
  quarantined: '⛔',
  offline: '○',
  flashing: '⚡',
  locked: '⚿', // a key: Debian's Chromium has no emoji font for a padlock
  probing: '…',
  connected: '●',
  connecting: '◌',
  refused: '✖',
  unconfigured: '○',
};

export function StatusBadge({ status, title }: { status: string; title?: string }) {
  return (
    <span className={`badge s-${status}`} title={title ?? status} data-status={status}>
      <span aria-hidden="true">{SYMBOL[status] ?? '•'}</span> {status}
    </span>
  );
}
