// State and health of a board, task or flash as small coloured labels.
import type { BenchBoard, BenchTask, FlashJob } from '../../../shared/bench/model';

const TONE: Record<string, string> = {
  idle: 'ok',
  busy: 'run',
  flashing: 'run',
  running: 'run',
  locked: 'hold',
  paused: 'hold',
  probing: 'hold',
  offline: 'muted',
  quarantined: 'bad',
  degraded: 'warn',
  ok: 'ok',
  success: 'ok',
  done: 'ok',
  failure: 'bad',
  failed: 'bad',
  error: 'bad',
  timeout: 'bad',
  cancelled: 'muted',
  released: 'muted',
};

export function Badge({ value, title }: { value: string; title?: string }) {
  return (
    <span className={`badge tone-${TONE[value] ?? 'muted'}`} title={title}>
      {value}
    </span>
  );
}

export function BoardState({ board }: { board: BenchBoard }) {
  const title = board.lock ? `locked by ${board.lock.by} until ${new Date(board.lock.until).toLocaleTimeString()}` : undefined;
  return <Badge value={board.state} title={title} />;
}

export function BoardHealth({ board }: { board: BenchBoard }) {
  const title = board.healthDetail?.reason ?? (board.consecutiveFailures ? `${board.consecutiveFailures} failures in a row; last: ${board.lastFailure}` : undefined);
  return <Badge value={board.health} title={title} />;
}

export function TaskStatus({ task }: { task: BenchTask }) {
  return <Badge value={task.status} title={task.reason} />;
}

export function FlashStatus({ flash }: { flash: FlashJob }) {
  return <Badge value={flash.state} title={flash.error} />;
}
