// Our client for the CC3200 ROM bootloader (reference §4): break/ACK, packets with a
// big-endian length and a sum checksum, ACK after every packet either way, and the
// SimpleLink file operations that write /sys/mcuimg.bin.
import type { SerialPortStream } from '@serialport/stream';
import { BadRequestError, TimeoutError } from '../../shared/errors';
import { BootloaderError, NoSyncError } from '../device-errors';
import type { PortGuard } from '../serial/port-guard';
import type { BoardControl } from './board-control';
import { ACK, CHUNK, CcOp, CcStatus, STATUS_TEXT, SWITCH_DELAY_TICKS, TICKS_PER_SECOND, be32, checksum, concat, encodePacket, fileNameBytes, readBe32, writeFlags } from './protocol';

export interface VersionInfo {
  bootloader: string;
  /** Bootloader version as a u32, 0x00040102 for 0.4.1.2. */
  bootloaderCode: number;
  chipType: number;
  raw: Uint8Array;
}

export interface Cc3200ClientOptions {
  guard: PortGuard;
  log?: (line: string) => void;
  /** Milliseconds to wait for an ACK or a reply (default 3000). */
  timeoutMs?: number;
  /** Break/ACK rounds before giving up (default 5, as cc3200tool). */
  breakAttempts?: number;
}

/** Oldest bootloader mos accepts: 0.4.1.2. */
const MIN_BOOTLOADER = 0x00040102;

export class Cc3200Client {
  private rx: Buffer = Buffer.alloc(0);
  private wake: (() => void) | undefined;
  private readonly onData = (d: Buffer): void => {
    this.rx = this.rx.length ? Buffer.concat([this.rx, d]) : d;
    this.wake?.();
  };

  constructor(
    private readonly port: SerialPortStream,
    private readonly control: BoardControl,
    private readonly opts: Cc3200ClientOptions,
  ) {
    port.on('data', this.onData);
  }

  dispose(): void {
    this.port.off('data', this.onData);
  }

  /** Break until the ROM ACKs, then read and check its version. */
  async connect(stage = 'ROM'): Promise<VersionInfo> {
    const attempts = this.opts.breakAttempts ?? 5;
    for (let i = 0; i < attempts; i++) {
      this.rx = Buffer.alloc(0);
      await this.opts.guard.run(this.control.sendBreak(200));
      try {
        await this.readAck(i === 0 ? 1000 : 2000);
        const version = await this.version();
        this.log(`${stage} bootloader ${version.bootloader}, chip type 0x${version.chipType.toString(16)}`);
        return version;
      } catch (err) {
        if (this.opts.guard.failure) throw this.opts.guard.failure;
        if (err instanceof BadRequestError) throw err;
        this.log(`no ACK on break (attempt ${i + 1}/${attempts}): ${(err as Error).message}`);
      }
    }
    throw new NoSyncError(
      `no answer from the CC3200 ${stage} bootloader on ${this.port.path} after ${attempts} breaks. Likely causes: ` +
        '(1) SOP2 was low at reset: close the SOP2 jumper (J8) or check the --cc-reset/--cc-sop2 wiring; ' +
        '(2) the board was not reset after SOP2 went high; (3) wrong port (the LaunchXL has its UART on the second FTDI interface); ' +
        '(4) another program has the port open',
    );
  }

  async version(): Promise<VersionInfo> {
    await this.send(Uint8Array.of(CcOp.GET_VERSION_INFO));
    const raw = await this.readPacket();
    if (raw.length !== 28) throw new BootloaderError(`GET_VERSION_INFO answered ${raw.length} bytes, expected 28`);
    const code = readBe32(raw, 0);
    const info = { bootloader: Array.from(raw.subarray(0, 4)).join('.'), bootloaderCode: code, chipType: raw[16]!, raw };
    if (code < MIN_BOOTLOADER) throw new BadRequestError(`bootloader ${info.bootloader} is too old (0.4.1.2 or newer is needed); update the board's service pack with TI's UniFlash`);
    if (!(info.chipType & 0x10)) throw new BadRequestError(`chip type 0x${info.chipType.toString(16)} is not a CC3200`);
    return info;
  }

  /** Hands the UART to the network processor's loader (mos and cc3200tool do this before file work). */
  async switchToNwp(delayTicks = SWITCH_DELAY_TICKS): Promise<VersionInfo> {
    await this.send(concat(Uint8Array.of(CcOp.SWITCH_UART_TO_APPS), be32(delayTicks)));
    // The link is down for the delay; wait it out with a margin, then break again.
    await this.opts.guard.sleep((delayTicks / TICKS_PER_SECOND) * 1000 * 1.2 + 20);
    return this.connect('NWP');
  }

  async storageList(): Promise<number> {
    await this.send(Uint8Array.of(CcOp.GET_STORAGE_LIST));
    return (await this.read(1))[0]!;
  }

  async fileInfo(name: string): Promise<{ exists: boolean; size: number }> {
    const n = fileNameBytes(name);
    await this.send(concat(Uint8Array.of(CcOp.GET_FILE_INFO), be32(n.length), n));
    const p = await this.readPacket();
    if (p.length < 8) throw new BootloaderError(`GET_FILE_INFO answered ${p.length} bytes, expected 8`);
    return { exists: p[0] === 1, size: readBe32(p, 4) };
  }

  async eraseFile(name: string): Promise<void> {
    await this.send(concat(Uint8Array.of(CcOp.ERASE_FILE), be32(0), fileNameBytes(name), Uint8Array.of(0)));
    await this.expectStatus(`erase ${name}`);
  }

  /** Writes a whole file; `falloc` reserves room beyond its size. */
  async writeFile(name: string, data: Uint8Array, opts: { falloc?: number; onChunk?: (written: number) => void } = {}): Promise<void> {
    await this.send(concat(Uint8Array.of(CcOp.START_UPLOAD), be32(writeFlags(Math.max(data.length, opts.falloc ?? 0))), be32(0), fileNameBytes(name), Uint8Array.of(0, 0)));
    await this.read(4);
    for (let offset = 0; offset < data.length; offset += CHUNK) {
      const chunk = data.subarray(offset, Math.min(data.length, offset + CHUNK));
      await this.send(concat(Uint8Array.of(CcOp.FILE_CHUNK), be32(offset), chunk));
      await this.expectStatus(`write ${name} at offset ${offset}`);
      opts.onChunk?.(offset + chunk.length);
    }
    await this.send(concat(Uint8Array.of(CcOp.FINISH_UPLOAD), new Uint8Array(63), new Uint8Array(256).fill(0x46), Uint8Array.of(0)));
    await this.expectStatus(`close ${name}`);
  }

  async readFile(name: string, size: number): Promise<Uint8Array> {
    await this.send(concat(Uint8Array.of(CcOp.START_UPLOAD), be32(0), be32(0), fileNameBytes(name), Uint8Array.of(0, 0)));
    await this.read(4);
    const parts: Uint8Array[] = [];
    for (let offset = 0; offset < size; offset += CHUNK) {
      await this.send(concat(Uint8Array.of(CcOp.READ_FILE_CHUNK), be32(offset), be32(Math.min(CHUNK, size - offset))));
      parts.push(await this.readPacket());
    }
    await this.send(concat(Uint8Array.of(CcOp.FINISH_UPLOAD), new Uint8Array(63), new Uint8Array(256).fill(0x46), Uint8Array.of(0)));
    await this.expectStatus(`close ${name}`);
    return concat(...parts);
  }

  async lastStatus(): Promise<number> {
    await this.send(Uint8Array.of(CcOp.GET_LAST_STATUS));
    const p = await this.readPacket();
    if (p.length < 1) throw new BootloaderError('GET_LAST_STATUS answered nothing');
    return p[0]!;
  }

  private async expectStatus(what: string): Promise<void> {
    const status = await this.lastStatus();
    if (status !== CcStatus.OK) throw new BootloaderError(`${what} failed: bootloader status 0x${status.toString(16)} (${STATUS_TEXT[status] ?? 'unknown'})`);
  }

  /** Sends a packet and waits for its ACK. */
  private async send(payload: Uint8Array): Promise<void> {
    await this.opts.guard.run(new Promise<void>((resolve, reject) => this.port.write(Buffer.from(encodePacket(payload)), (err) => (err ? reject(err) : resolve()))));
    await this.readAck(this.opts.timeoutMs ?? 3000);
  }

  private async readPacket(): Promise<Uint8Array> {
    const header = await this.read(3);
    const length = (header[0]! << 8) | header[1]!;
    if (length < 2) throw new BootloaderError(`bad packet length ${length}`);
    const payload = await this.read(length - 2);
    if (checksum(payload) !== header[2]) throw new BootloaderError(`reply checksum mismatch (0x${header[2]!.toString(16)} vs 0x${checksum(payload).toString(16)}): noise on the line?`);
    await this.opts.guard.run(new Promise<void>((resolve, reject) => this.port.write(Buffer.from(ACK), (err) => (err ? reject(err) : resolve()))));
    return payload;
  }

  /** Waits for 00 CC, skipping stray bytes in front of it (boot noise). */
  private async readAck(timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const at = this.rx.indexOf(Buffer.from(ACK));
      if (at >= 0) {
        this.rx = this.rx.subarray(at + 2);
        return;
      }
      await this.waitData(end, 'ACK');
    }
  }

  private async read(n: number): Promise<Uint8Array> {
    const end = Date.now() + (this.opts.timeoutMs ?? 3000);
    while (this.rx.length < n) await this.waitData(end, `${n} bytes`);
    const out = new Uint8Array(this.rx.subarray(0, n));
    this.rx = this.rx.subarray(n);
    return out;
  }

  private waitData(end: number, what: string): Promise<void> {
    const left = end - Date.now();
    if (left <= 0) return Promise.reject(new TimeoutError(`no ${what} from the CC3200 bootloader within the timeout`));
    return this.opts.guard.run(
      new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.wake = undefined;
          resolve();
        }, left);
        this.wake = () => {
          clearTimeout(t);
          this.wake = undefined;
          resolve();
        };
      }),
    );
  }

  private log(line: string): void {
    this.opts.log?.(line);
  }
}
