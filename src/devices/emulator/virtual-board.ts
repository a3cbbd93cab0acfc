// One emulated board as the rest of the system sees a USB board: a path, USB identity, a
// port that can be opened once at a time, and a cable that can be pulled and plugged back.
import type { OpenOptions, PortInfo } from '../serial/binding';
import type { BoardEmulator } from './board-emulator';
import type { Cc3200Emulator } from './cc3200-emulator';
import type { Esp8266Emulator } from './esp8266-emulator';
import { SerialLink } from './serial-link';
import { VirtualPort } from './virtual-port';

export type VirtualEmulator = Esp8266Emulator | Cc3200Emulator;

function errnoError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

export class VirtualBoard {
  readonly link: SerialLink;
  plugged = true;
  private port: VirtualPort | undefined;

  constructor(
    readonly id: string,
    /** Where clients open it: "virtual:KIND-N" in-process, the pty link behind a pty. */
    public path: string,
    readonly info: PortInfo,
    readonly emulator: VirtualEmulator,
    opts: { pace: boolean; pty?: boolean },
  ) {
    // Behind a pty the host's baud rate and lines are invisible: the link assumes they match.
    this.link = new SerialLink(emulator as BoardEmulator, { pace: opts.pace, nominalBaud: 115200, hostFollowsDevice: opts.pty });
    emulator.powerOn();
  }

  get isOpen(): boolean {
    return this.port?.isOpen ?? false;
  }

  open(options: OpenOptions): VirtualPort {
    if (!this.plugged) throw errnoError('ENOENT', `Error: No such file or directory, cannot open ${this.path}`);
    if (this.port?.isOpen) throw errnoError('EBUSY', `Error Resource temporarily unavailable Cannot lock port ${this.path}`);
    const port = new VirtualPort(this.link, options, () => {
      if (this.port === port) this.port = undefined;
    });
    this.port = port;
    return port;
  }

  /** Pulls the cable: an open port fails as with a real USB adapter, the board loses power. */
  unplug(): void {
    if (!this.plugged) return;
    this.plugged = false;
    this.port?.disconnect();
    this.port = undefined;
    this.link.clear();
    this.emulator.powerOff();
  }

  /** Plugs it back: power-on reset, the image in flash boots. */
  plug(): void {
    if (this.plugged) return;
    this.plugged = true;
    this.emulator.powerOn();
  }

  /**
   * Resets the board out of band, as a finger on the buttons would: into its bootloader or its
   * application. The only way to reset a board behind a pty.
   */
  async reset(into: 'bootloader' | 'app'): Promise<void> {
    const set = (dtr: boolean, rts: boolean): void => this.emulator.setLines({ dtr, rts, brk: false });
    const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
    if (this.emulator.kind === 'esp8266') {
      // NodeMCU circuit: EN low = RTS && !DTR, GPIO0 low = DTR && !RTS.
      set(false, true);
      await pause(20);
      set(into === 'bootloader', false);
      await pause(20);
      set(false, false);
    } else {
      // RTS holds nRESET, DTR drives SOP2.
      set(into === 'bootloader', true);
      await pause(20);
      set(into === 'bootloader', false);
      await pause(20);
    }
  }

  dispose(): void {
    this.port?.disconnect();
    this.link.clear();
    this.emulator.powerOff();
  }
}
