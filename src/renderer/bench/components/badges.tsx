// States of boards, tasks and flashes in the shared badge (colour, symbol and word).
import type { BenchBoard, BenchTask, FlashJob } from '../../../shared/bench/model';
import { StatusBadge } from '../../components/status-badge';

export function BoardState({ board }: { board: BenchBoard }) {
  const title = board.lock ? `locked by ${board.lock.by} until ${new Date(board.lock.until).toLocaleTimeString()}` : undefined;
  return <StatusBadge status={board.state} title={title} />;
}

export function BoardHealth({ board }: { board: BenchBoard }) {
  const title = board.healthDetail?.reason ?? (board.consecutiveFailures ? `${board.consecutiveFailures} failures in a row; last: ${board.lastFailure}` : undefined);
  return <StatusBadge status={board.health} title={title} />;
}

export function TaskStatus({ task }: { task: BenchTask }) {
  return <StatusBadge status={task.status} title={task.reason} />;
}

export function FlashStatus({ flash }: { flash: FlashJob }) {
  // A finished flash reads like a finished task.
  const status = flash.state === 'done' ? 'success' : flash.state === 'failed' ? 'failure' : flash.state;
  return <StatusBadge status={status} title={flash.error} />;
}
