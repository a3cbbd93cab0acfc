// When a board's infrastructure failures (no sync, port lost, verify failed) take it out of
// service. Test failures never count: a red test is the firmware's fault, not the board's.
// The bench never quarantines more than half of one type's boards by itself: when many boards
// fail at once the cause is more likely the firmware, a hub or the host, and an empty pool
// would stop every job of that type. Such a board is marked degraded and keeps working.

export interface HealthPolicy {
  /** Consecutive infrastructure failures that quarantine a board (default 3). */
  failuresToQuarantine: number;
}

export const DEFAULT_HEALTH: HealthPolicy = { failuresToQuarantine: 3 };

export type HealthVerdict = 'ok' | 'degraded' | 'quarantine';

export function judgeHealth(
  failures: number,
  pool: { total: number; quarantined: number },
  policy: HealthPolicy = DEFAULT_HEALTH,
): HealthVerdict {
  if (failures < policy.failuresToQuarantine) return 'ok';
  const allowed = Math.floor(pool.total / 2);
  return pool.quarantined + 1 <= allowed ? 'quarantine' : 'degraded';
}

/** Errors that say the board (or its cable, or the bench) is at fault rather than the firmware. */
export function isInfrastructureFailure(err: unknown): boolean {
  const name = (err as { name?: string })?.name ?? '';
  return ['NoSyncError', 'PortLostError', 'VerifyFailedError', 'BootloaderError'].includes(name);
}
