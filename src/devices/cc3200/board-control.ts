// How the host resets a CC3200 and chooses its boot mode (reference §4.5). The LaunchXL
// routes nRESET and SOP2 through the FTDI's second channel (bit-bang, not done here: it needs
// hardware to validate); boards wired like cc3200tool's "--reset rts --sop2 dtr" and the
// emulated boards use the UART's own lines; anything else is reset by a person.
import type { SerialPortStream } from '@serialport/stream';
import { LineControl } from '../serial/line-control';

export interface BoardControl {
  /** Reset with SOP2 high: the ROM bootloader waits for a break. */
  enterBootloader(): Promise<void>;
  /** Reset with SOP2 low: the application in /sys/mcuimg.bin runs. */
  runApplication(): Promise<void>;
  /** A UART break of `ms` (the bootloader answers 00 CC). */
  sendBreak(ms: number): Promise<void>;
  /** Releases reset without a pulse, SOP2 as given (opening a port asserts both lines on Linux). */
  release(sop2High: boolean): Promise<void>;
}

export interface DtrRtsWiring {
  /** Line that holds nRESET low when asserted (default rts). */
  reset: 'dtr' | 'rts';
  /** Line that drives SOP2 high when asserted (default dtr). */
  sop2: 'dtr' | 'rts';
  invertReset?: boolean;
  invertSop2?: boolean;
}

export type BoardControlKind = 'dtr-rts' | 'manual';

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A break where the port can signal one; on a pty (which cannot) a NUL byte, which is what
 * Linux delivers to a reader when a break arrives on a real tty.
 */
async function breakOrNul(lines: LineControl, port: SerialPortStream, ms: number): Promise<void> {
  await lines.set({ brk: true });
  if (lines.unsupported) {
    await new Promise<void>((resolve, reject) => port.write(Buffer.of(0), (err) => (err ? reject(err) : resolve())));
    return;
  }
  await pause(ms);
  await lines.set({ brk: false });
}

export class DtrRtsControl implements BoardControl {
  private readonly wiring: DtrRtsWiring;

  constructor(
    private readonly lines: LineControl,
    private readonly port: SerialPortStream,
    wiring: Partial<DtrRtsWiring> = {},
  ) {
    this.wiring = { reset: 'rts', sop2: 'dtr', ...wiring };
    if (this.wiring.reset === this.wiring.sop2) throw new RangeError('reset and SOP2 must be on different lines');
  }

  enterBootloader(): Promise<void> {
    return this.resetWith(true);
  }

  runApplication(): Promise<void> {
    return this.resetWith(false);
  }

  sendBreak(ms: number): Promise<void> {
    return breakOrNul(this.lines, this.port, ms);
  }

  async release(sop2High: boolean): Promise<void> {
    const w = this.wiring;
    await this.lines.set({ [w.sop2]: w.invertSop2 ? !sop2High : sop2High, [w.reset]: !!w.invertReset });
  }

  /** SOP2 first, then a 100 ms reset pulse, as cc3200tool does. */
  private async resetWith(sop2High: boolean): Promise<void> {
    const w = this.wiring;
    const level = (line: 'dtr' | 'rts', asserted: boolean, invert?: boolean): Record<string, boolean> => ({ [line]: invert ? !asserted : asserted });
    await this.lines.set(level(w.sop2, sop2High, w.invertSop2));
    await this.lines.set({ ...level(w.sop2, sop2High, w.invertSop2), ...level(w.reset, true, w.invertReset) });
    await pause(100);
    await this.lines.set({ ...level(w.sop2, sop2High, w.invertSop2), ...level(w.reset, false, w.invertReset) });
    await pause(50);
  }
}

/** For boards without wired lines: the SOP2 jumper is set and a person presses reset. */
export class ManualControl implements BoardControl {
  constructor(
    private readonly lines: LineControl,
    private readonly port: SerialPortStream,
    private readonly prompt: (message: string) => Promise<void> = async () => {},
  ) {}

  enterBootloader(): Promise<void> {
    return this.prompt('close the SOP2 jumper (J8) and press RESET on the board');
  }

  runApplication(): Promise<void> {
    return this.prompt('open the SOP2 jumper (J8) and press RESET to run the new application');
  }

  sendBreak(ms: number): Promise<void> {
    return breakOrNul(this.lines, this.port, ms);
  }

  async release(): Promise<void> {}
}
