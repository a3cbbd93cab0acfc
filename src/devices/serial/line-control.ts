// The one place DTR, RTS and BRK change. Every call sends all three (see line-state.ts), and
// the lines a pty cannot carry fail loudly unless the caller said this port has none.
import type { SerialPortStream } from '@serialport/stream';
import { UnavailableError } from '../../shared/errors';
import { LINES_AFTER_OPEN, mergeLines, type LineState } from './line-state';

export class LineControlUnsupportedError extends UnavailableError {
  constructor(path: string) {
    super(`${path} has no modem-control lines (a pty?): cannot drive DTR/RTS/BREAK; use --before no_reset / --after no_reset, or reset the board by hand`);
    this.name = 'LineControlUnsupportedError';
  }
}

function unsupported(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e.code === 'ENOTTY' || /Inappropriate ioctl|ENOTTY/i.test(e.message ?? '');
}

export class LineControl {
  private state: LineState = { ...LINES_AFTER_OPEN };
  /** Set once a pty refused line changes (only when `ignoreUnsupported`). */
  unsupported = false;

  constructor(
    private readonly port: SerialPortStream,
    private readonly opts: { ignoreUnsupported?: boolean } = {},
  ) {}

  get current(): LineState {
    return { ...this.state };
  }

  /** Changes some lines; the others keep their current level. */
  async set(change: Partial<LineState>): Promise<void> {
    const next = mergeLines(this.state, change);
    try {
      await new Promise<void>((resolve, reject) => this.port.set(next, (err) => (err ? reject(err) : resolve())));
      this.state = next;
    } catch (err) {
      if (!unsupported(err)) throw err;
      this.unsupported = true;
      if (!this.opts.ignoreUnsupported) throw new LineControlUnsupportedError(this.port.path);
    }
  }

  /** A UART break of `ms` milliseconds, DTR and RTS untouched. */
  async pulseBreak(ms: number): Promise<void> {
    await this.set({ brk: true });
    await new Promise((r) => setTimeout(r, ms));
    await this.set({ brk: false });
  }
}
