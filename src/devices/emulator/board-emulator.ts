// What a link needs from an emulated board: bytes in, bytes out at the device's baud rate,
// and the modem lines (reset/boot straps) the host drives.
import type { LineState } from '../serial/line-state';

export type Transmit = (bytes: Uint8Array, baud: number | undefined) => void;

export interface BoardEmulator {
  readonly kind: 'esp8266' | 'cc3200';
  /** Baud rate the device receives at now; undefined means it follows the host (auto-baud). */
  rxBaud(): number | undefined;
  /** Bytes from the host, delivered at wire speed by the link, sent at `baud`. */
  receive(bytes: Uint8Array, baud: number): void;
  /** Line changes from the host (DTR/RTS drive reset and boot straps; BRK is a UART break). */
  setLines(lines: LineState): void;
  /** Where the board's UART output goes; `baud` undefined = at whatever rate the host uses. */
  connect(transmit: Transmit): void;
  /** Power applied (boots as after a power-on reset). */
  powerOn(): void;
  /** Power removed: timers stop, state resets; flash content stays. */
  powerOff(): void;
}
