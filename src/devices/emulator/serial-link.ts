// The wire between a host port and an emulated board: two paced channels, the host's baud
// rate, and what happens when the two ends disagree on it (the receiver sees garbage, as a
// real UART would; the ESP ROM's 74880-baud boot banner looks like noise at 115200).
import type { LineState } from '../serial/line-state';
import type { BoardEmulator } from './board-emulator';
import { PacedChannel } from './paced-channel';

export interface SerialLinkOptions {
  /** Deliver bytes at wire speed (10 bits per byte) instead of at once. */
  pace: boolean;
  /**
   * The host's baud rate cannot be observed (a pty): assume it always matches the device, and
   * pace at the device's rate (or `nominalBaud` while the device auto-bauds).
   */
  hostFollowsDevice?: boolean;
  nominalBaud?: number;
}

/** UARTs tolerate a few percent of clock mismatch; beyond that, framing breaks. */
const BAUD_TOLERANCE = 0.03;

function mismatched(sender: number, receiver: number): boolean {
  return Math.abs(sender - receiver) / receiver > BAUD_TOLERANCE;
}

/** Deterministic stand-in for bytes sampled at the wrong rate. */
function garble(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = ((bytes[i]! * 167 + 89) & 0x7f) | 0x80;
  return out;
}

export class SerialLink {
  hostBaud: number;
  readonly toDevice: PacedChannel;
  readonly toHost: PacedChannel;
  private hostSink: ((bytes: Uint8Array) => void) | undefined;

  constructor(
    readonly emulator: BoardEmulator,
    private readonly opts: SerialLinkOptions,
  ) {
    this.hostBaud = opts.nominalBaud ?? 115200;
    this.toDevice = new PacedChannel((b, baud) => emulator.receive(b, baud), opts.pace);
    this.toHost = new PacedChannel((b) => this.hostSink?.(b), opts.pace);
    emulator.connect((bytes, baud) => this.fromDevice(bytes, baud));
  }

  /** The host end starts (or stops, with undefined) listening; bytes sent meanwhile are lost. */
  attachHost(sink: ((bytes: Uint8Array) => void) | undefined): void {
    this.hostSink = sink;
  }

  hostWrite(bytes: Uint8Array): void {
    const deviceBaud = this.emulator.rxBaud();
    if (this.opts.hostFollowsDevice) {
      this.toDevice.push(bytes, deviceBaud ?? this.hostBaud);
      return;
    }
    const wrong = deviceBaud !== undefined && mismatched(this.hostBaud, deviceBaud);
    this.toDevice.push(wrong ? garble(bytes) : bytes, this.hostBaud);
  }

  /** Resolves when the bytes the host wrote have reached the device. */
  hostDrain(): Promise<void> {
    return this.toDevice.whenIdle();
  }

  setHostBaud(baud: number): void {
    this.hostBaud = baud;
  }

  setLines(lines: LineState): void {
    this.emulator.setLines(lines);
  }

  /** Bytes on the wire so far, both directions. */
  bytesOnWire(): { toDevice: number; toHost: number } {
    return { toDevice: this.toDevice.delivered, toHost: this.toHost.delivered };
  }

  /**
   * Milliseconds the bytes delivered so far need on the wire at 10 bits per byte, both
   * directions (a request/response protocol cannot overlap them): the floor for any client.
   */
  wireTimeMs(): number {
    let ms = 0;
    for (const ch of [this.toDevice, this.toHost]) for (const [baud, n] of ch.deliveredAt) ms += (n * 10_000) / baud;
    return ms;
  }

  /** Drops everything in flight (unplug, power loss). */
  clear(): void {
    this.toDevice.clear();
    this.toHost.clear();
  }

  private fromDevice(bytes: Uint8Array, baud: number | undefined): void {
    if (this.opts.hostFollowsDevice) {
      this.toHost.push(bytes, baud ?? this.hostBaud);
      return;
    }
    const rate = baud ?? this.hostBaud;
    this.toHost.push(mismatched(rate, this.hostBaud) ? garble(bytes) : bytes, rate);
  }
}
