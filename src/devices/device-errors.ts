// Errors of board work, as classes carrying codes from the one table (src/shared/errors.ts),
// so that callers (CLI, bench) can tell a bad image (400) from a board that does not answer
// (503), a lost port (503), a busy port (409), a verification failure (500) or a cancel (499).
import { ErrorCode, OurciError, UnavailableError } from '../shared/errors';

/** The serial port disappeared while in use (cable pulled, board reset its USB bridge). */
export class PortLostError extends UnavailableError {
  constructor(path: string, detail?: string) {
    super(`serial port ${path} vanished${detail ? ` (${detail})` : ''}: was the board unplugged?`);
    this.name = 'PortLostError';
  }
}

/** The bootloader never answered; the message lists the likely causes. */
export class NoSyncError extends UnavailableError {
  constructor(message: string) {
    super(message);
    this.name = 'NoSyncError';
  }
}

/** Data read back (or its digest) differs from what was written. */
export class VerifyFailedError extends OurciError {
  constructor(message: string) {
    super(ErrorCode.ServerError, message);
    this.name = 'VerifyFailedError';
  }
}

/** The board's bootloader refused a command. */
export class BootloaderError extends OurciError {
  constructor(message: string) {
    super(ErrorCode.ServerError, message);
    this.name = 'BootloaderError';
  }
}
