// A pino logger that keeps what the master logs at warn and above, so tests can assert that
// no handler ever failed with an internal error.
import { pino, type Logger } from 'pino';

export interface CapturedLog {
  logger: Logger;
  lines: Array<{ level: number; msg: string; [k: string]: unknown }>;
  /** Entries logged as internal errors (RPC handler or HTTP route threw something unexpected). */
  internalErrors(): Array<{ msg: string; [k: string]: unknown }>;
}

export function captureLog(): CapturedLog {
  const lines: CapturedLog['lines'] = [];
  const logger = pino({ level: 'warn' }, { write: (s: string) => void lines.push(JSON.parse(s) as CapturedLog['lines'][number]) });
  return { logger, lines, internalErrors: () => lines.filter((l) => /internal error/.test(l.msg)) };
}
