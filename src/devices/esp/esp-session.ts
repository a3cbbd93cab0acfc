// A connection to an Espressif ROM bootloader through esptool-js 0.7.0 (pinned) and our
// Web Serial adapter: connect with retries, identify the chip, run the stub, raise the baud
// rate, and leave with our own reset (esptool-js's "hard_reset" does not reset, §1.2).
import { ESPLoader, Transport } from 'esptool-js';
import { BadRequestError } from '../../shared/errors';
import { NoSyncError, PortLostError } from '../device-errors';
import { LineControlUnsupportedError } from '../serial/line-control';
import type { SerialEndpoint } from '../serial/open-port';
import { PortGuard } from '../serial/port-guard';
import { NodeWebSerialPort } from '../serial/web-serial-port';
import { platformOfChipName } from './chips';

export type Before = 'default_reset' | 'no_reset';
export type After = 'hard_reset' | 'soft_reset' | 'no_reset';

export interface EspSessionOptions {
  endpoint: SerialEndpoint;
  /** USB ids as serialport lists them (hex strings), so esptool-js picks the right reset. */
  usb?: { vendorId?: string; productId?: string };
  /** Rate the ROM is synced at (115200). */
  romBaud?: number;
  /** Rate for the transfer once the stub runs (default 460800). */
  baud?: number;
  before?: Before;
  /** Reset-and-sync rounds before giving up (each tries SYNC 5 times). Default 3. */
  connectAttempts?: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface ChipIdentity {
  /** esptool-js's description: ESP8266EX, ESP8285, ESP32-D0WD-V3 (revision v3.1) … */
  chip: string;
  platform: string;
  mac: string;
}

/** esptool-js writes traces to stdout unconditionally; route them to our log instead. */
class QuietTransport extends Transport {
  log: ((line: string) => void) | undefined;
  override trace(message: string): void {
    this.log?.(`trace: ${message}`);
  }
}

const FLASH_SIZE_BYTES: Record<string, number> = { '256KB': 256 << 10, '512KB': 512 << 10, '1MB': 1 << 20, '2MB': 2 << 20, '4MB': 4 << 20, '8MB': 8 << 20, '16MB': 16 << 20, '32MB': 32 << 20, '64MB': 64 << 20, '128MB': 128 << 20 };

function likelyCauses(path: string, before: Before): string {
  const causes =
    before === 'no_reset'
      ? ['the board is not waiting in its bootloader (hold BOOT/FLASH, press RESET, release BOOT, then retry)']
      : [
          'the board has no auto-reset circuit: hold BOOT/FLASH (GPIO0) while pressing RESET, then retry with --before no_reset',
          'the USB cable carries power only, or is loose',
        ];
  causes.push(`${path} is not the board (check \`ourci boards\`), or it is not an ESP chip`, 'another program is reading the port (a serial monitor?)');
  return `no answer from the ESP bootloader on ${path}. Likely causes: ${causes.map((c, i) => `(${i + 1}) ${c}`).join('; ')}`;
}

export class EspSession {
  readonly guard: PortGuard;
  readonly adapter: NodeWebSerialPort;
  readonly loader: ESPLoader;
  private readonly transport: QuietTransport;
  private readonly log: (line: string) => void;
  identity: ChipIdentity | undefined;
  private closed = false;

  constructor(private readonly opts: EspSessionOptions) {
    this.log = opts.log ?? (() => {});
    this.guard = new PortGuard(opts.signal, 'flashing');
    const hex = (s?: string): number | undefined => (s ? parseInt(s, 16) : undefined);
    this.adapter = new NodeWebSerialPort(
      opts.endpoint,
      { usbVendorId: hex(opts.usb?.vendorId), usbProductId: hex(opts.usb?.productId) },
      { onLost: (err) => this.guard.fail(new PortLostError(opts.endpoint.path, err.message)) },
    );
    this.transport = new QuietTransport(this.adapter as unknown as SerialPort, false);
    this.transport.log = this.log;
    this.loader = new ESPLoader({
      transport: this.transport,
      baudrate: opts.baud ?? 460800,
      romBaudrate: opts.romBaud ?? 115200,
      terminal: { clean: () => {}, write: () => {}, writeLine: (l) => this.log(l) },
      debugLogging: false,
    });
    // Once the guard trips, close the port so that esptool-js fails fast instead of retrying.
    this.guard.whenFailed(() => void this.adapter.close().catch(() => {}));
  }

  /** The transfer rate in use: esptool-js falls back to the ROM rate when the board cannot keep up. */
  get baud(): number {
    return (this.loader as unknown as { baudrate: number }).baudrate;
  }

  get path(): string {
    return this.opts.endpoint.path;
  }

  /** Opens the port, resets into the bootloader (unless no_reset), syncs and identifies the chip. */
  async connect(): Promise<ChipIdentity> {
    const before = this.opts.before ?? 'default_reset';
    try {
      await this.guard.run(this.loader.connect(before, this.opts.connectAttempts ?? 3, true));
    } catch (err) {
      if (this.guard.failure) throw this.guard.failure;
      if (err instanceof LineControlUnsupportedError) throw err;
      if (/Failed to connect/i.test((err as Error).message)) throw new NoSyncError(likelyCauses(this.path, before));
      throw err;
    }
    const chip = await this.guard.run(this.loader.chip.getChipDescription(this.loader));
    const mac = await this.guard.run(this.loader.chip.readMac(this.loader));
    const platform = platformOfChipName(chip) ?? platformOfChipName(this.loader.chip.CHIP_NAME) ?? this.loader.chip.CHIP_NAME.toLowerCase();
    this.identity = { chip, platform, mac };
    this.log(`chip ${chip}, MAC ${mac}`);
    return this.identity;
  }

  /** Refuses to go on when the image was built for another chip. */
  expectPlatform(platform: string | undefined): void {
    if (!platform || !this.identity) return;
    if (platform !== this.identity.platform) {
      throw new BadRequestError(`the image is built for ${platform} but the board on ${this.path} is an ${this.identity.chip}; nothing was written`);
    }
  }

  /** Uploads the flasher stub and switches to the transfer baud rate. */
  async startStub(): Promise<void> {
    await this.guard.run(this.loader.runStub());
    if ((this.opts.baud ?? 460800) !== (this.opts.romBaud ?? 115200)) await this.guard.run(this.loader.changeBaud());
  }

  /** Flash size in bytes from the flash chip's JEDEC id, undefined if it cannot be read. */
  async flashSize(): Promise<number | undefined> {
    const size = await this.guard.run(this.loader.detectFlashSize());
    return size ? FLASH_SIZE_BYTES[size] : undefined;
  }

  /** Leaves the bootloader: our own EN pulse (DTR released, RTS pulsed), or the stub's RUN_USER_CODE. */
  async leave(after: After): Promise<'hard_reset' | 'soft_reset' | 'none'> {
    if (after === 'no_reset') return 'none';
    if (after === 'hard_reset') {
      const lines = this.adapter.lines;
      if (!lines) throw new PortLostError(this.path, 'closed before the reset');
      try {
        await this.guard.run(lines.set({ dtr: false, rts: true, brk: false }));
        await this.guard.sleep(100);
        await this.guard.run(lines.set({ dtr: false, rts: false, brk: false }));
        return 'hard_reset';
      } catch (err) {
        if (!(err instanceof LineControlUnsupportedError)) throw err;
        this.log('this port has no DTR/RTS (a pty?): leaving through the stub instead (soft reset)');
      }
    }
    if (this.loader.chip.CHIP_NAME !== 'ESP8266' && this.loader.IS_STUB) {
      throw new BadRequestError(`cannot reset the ${this.loader.chip.CHIP_NAME} without DTR/RTS: reset it by hand`);
    }
    await this.guard.run(this.loader.softReset(false));
    return 'soft_reset';
  }

  /** Closes the port (idempotent); the guard's error, if any, stays the one reported. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.transport.disconnect();
    } catch {
      await this.adapter.close().catch(() => {});
    }
  }
}
