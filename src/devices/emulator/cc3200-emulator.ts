// An emulated CC3200 LaunchPad as its ROM bootloader sees the world (reference §4.6): RTS
// drives nRESET, DTR drives SOP2; with SOP2 high at reset the ROM waits for a UART break and
// answers 00 CC, then speaks the packet protocol over a SimpleLink file system and a raw
// serial flash. With SOP2 low it "runs" /sys/mcuimg.bin and prints what it is.
import { createHash } from 'node:crypto';
import type { LineState } from '../serial/line-state';
import { appInfoOf } from '../images/app-info';
import { ACK, allocationOf, CcOp, CcStatus, checksum, concat, encodePacket, readBe32, STORAGE_LIST, Storage, TICKS_PER_SECOND, be32 } from '../cc3200/protocol';
import type { BoardEmulator, Transmit } from './board-emulator';
import { BoardTimers } from './board-timers';

export interface Cc3200Faults {
  /** Answers bootloader version 0.3.x, which clients refuse. */
  oldBootloader?: boolean;
  /** Never ACKs a break. */
  noBreakAck?: boolean;
  /** Omits the second ACK after EXEC_FROM_RAM. */
  noSecondAck?: boolean;
  /** The Nth FILE_CHUNK (0-based) fails with status 0x44. */
  failChunk?: number;
  /** Reply packets carry a wrong checksum. */
  badReplyChecksum?: boolean;
}

export interface Cc3200Options {
  /** Bootloader UART rate (921600). */
  baud?: number;
  appBaud?: number;
  /** Serial flash size in bytes (1 MiB, as on the LaunchXL). */
  flashSize?: number;
  /** A 0x00 byte while waiting for a break counts as one: a pty cannot carry breaks, and Linux reads a break as NUL. */
  nulIsBreak?: boolean;
  label?: string;
  faults?: Cc3200Faults;
}

type State = 'off' | 'reset' | 'waitBreak' | 'rom' | 'switching' | 'app' | 'halted';

interface SlFile {
  data: Uint8Array;
  size: number;
  alloc: number;
}

const SRAM_SIZE = 256 << 10;
const BLOCK = 4096;

export class Cc3200Emulator implements BoardEmulator {
  readonly kind = 'cc3200' as const;
  state: State = 'off';
  readonly files = new Map<string, SlFile>();
  readonly sflash: Uint8Array;
  readonly sram = new Uint8Array(SRAM_SIZE);
  /** "rom" before SWITCH_UART_TO_APPS, "nwp" after. */
  stage: 'rom' | 'nwp' = 'rom';
  readonly log: string[] = [];
  readonly appLines: string[] = [];
  private transmit: Transmit = () => {};
  private lines: LineState = { dtr: false, rts: false, brk: false };
  private rx: Uint8Array = new Uint8Array(0);
  private awaitingHostAck = false;
  private status: number = CcStatus.OK;
  private open: { name: string; write: boolean } | undefined;
  private chunks = 0;
  private readonly timers = new BoardTimers();

  constructor(private readonly opts: Cc3200Options = {}) {
    this.sflash = new Uint8Array(opts.flashSize ?? 1 << 20).fill(0xff);
  }

  connect(transmit: Transmit): void {
    this.transmit = transmit;
  }

  rxBaud(): number | undefined {
    if (this.state === 'app') return this.opts.appBaud ?? 115200;
    return this.opts.baud ?? 921600;
  }

  powerOn(): void {
    if (this.state !== 'off') return;
    this.state = 'reset';
    this.releaseReset();
  }

  powerOff(): void {
    this.stopTimers();
    this.state = 'off';
    this.rx = new Uint8Array(0);
  }

  setLines(lines: LineState): void {
    const prev = this.lines;
    this.lines = lines;
    if (this.state === 'off') return;
    if (lines.rts && !prev.rts) {
      this.stopTimers();
      this.state = 'reset';
      return;
    }
    if (!lines.rts && prev.rts) this.after(5, () => this.state === 'reset' && this.releaseReset());
    if (lines.brk && !prev.brk) this.onBreak();
  }

  receive(bytes: Uint8Array): void {
    if (this.state === 'waitBreak') {
      if (this.opts.nulIsBreak && bytes.includes(0)) this.onBreak();
      return;
    }
    if (this.state === 'app') return;
    if (this.state !== 'rom') return;
    this.rx = concat(this.rx, bytes);
    this.parse();
  }

  private releaseReset(): void {
    this.rx = new Uint8Array(0);
    this.awaitingHostAck = false;
    this.open = undefined;
    if (this.lines.dtr) {
      this.state = 'waitBreak';
      this.stage = 'rom';
      return;
    }
    this.runApp();
  }

  private onBreak(): void {
    if (this.state !== 'waitBreak' && this.state !== 'rom') return;
    if (this.opts.faults?.noBreakAck) return;
    this.state = 'rom';
    this.rx = new Uint8Array(0);
    this.awaitingHostAck = false;
    this.send(ACK);
  }

  private parse(): void {
    for (;;) {
      if (this.awaitingHostAck) {
        if (this.rx.length < 2) return;
        this.rx = this.rx.subarray(2);
        this.awaitingHostAck = false;
        continue;
      }
      if (this.rx.length < 3) return;
      const length = (this.rx[0]! << 8) | this.rx[1]!;
      if (length < 3) {
        // Not a packet header (stray byte): resynchronise one byte later.
        this.rx = this.rx.subarray(1);
        continue;
      }
      if (this.rx.length < length + 1) return;
      const payload = this.rx.slice(3, length + 1);
      const sum = this.rx[2]!;
      this.rx = this.rx.subarray(length + 1);
      // A bad checksum gets no ACK: the client times out and retries.
      if (checksum(payload) !== sum) continue;
      this.send(ACK);
      this.command(payload);
      if (this.state !== 'rom') return;
    }
  }

  private command(p: Uint8Array): void {
    const op = p[0]!;
    const args = p.subarray(1);
    this.log.push(op.toString(16));
    switch (op) {
      case CcOp.GET_VERSION_INFO:
        return this.packet(this.versionInfo());
      case CcOp.GET_LAST_STATUS:
        return this.packet(Uint8Array.of(this.status));
      case CcOp.GET_STORAGE_LIST:
        return this.send(Uint8Array.of(STORAGE_LIST.FLASH | STORAGE_LIST.SFLASH | STORAGE_LIST.SRAM));
      case CcOp.GET_STORAGE_INFO:
        return this.packet(concat(Uint8Array.of(BLOCK >> 8, BLOCK & 0xff, (this.sflash.length / BLOCK) >> 8, (this.sflash.length / BLOCK) & 0xff), new Uint8Array(4)));
      case CcOp.START_UPLOAD:
        return this.startUpload(args);
      case CcOp.FILE_CHUNK:
        return this.fileChunk(args);
      case CcOp.FINISH_UPLOAD:
        this.open = undefined;
        this.status = CcStatus.OK;
        return;
      case CcOp.GET_FILE_INFO: {
        const name = Buffer.from(args.subarray(4, 4 + readBe32(args, 0))).toString('latin1');
        const f = this.files.get(name);
        return this.packet(concat(Uint8Array.of(f ? 1 : 0, 0, 0, 0), be32(f?.size ?? 0)));
      }
      case CcOp.READ_FILE_CHUNK: {
        const f = this.open && !this.open.write ? this.files.get(this.open.name) : undefined;
        const offset = readBe32(args, 0);
        const length = readBe32(args, 4);
        return this.packet(f ? f.data.slice(offset, Math.min(f.size, offset + length)) : new Uint8Array(0));
      }
      case CcOp.ERASE_FILE: {
        const name = Buffer.from(args.subarray(4)).toString('latin1').replace(/\0+$/, '');
        this.status = this.files.delete(name) ? CcStatus.OK : CcStatus.INVALID_ADDRESS;
        return;
      }
      case CcOp.FORMAT_FLASH:
        this.files.clear();
        this.status = CcStatus.OK;
        return;
      case CcOp.RAW_STORAGE_READ: {
        const mem = this.storage(readBe32(args, 0));
        const offset = readBe32(args, 4);
        return this.packet(mem ? mem.slice(offset, offset + readBe32(args, 8)) : new Uint8Array(0));
      }
      case CcOp.RAW_STORAGE_WRITE: {
        const mem = this.storage(readBe32(args, 0));
        const offset = readBe32(args, 4);
        const data = args.subarray(12, 12 + readBe32(args, 8));
        this.status = mem && offset + data.length <= mem.length ? CcStatus.OK : CcStatus.INVALID_ADDRESS;
        if (this.status === CcStatus.OK) mem!.set(data, offset);
        return;
      }
      case CcOp.RAW_STORAGE_ERASE: {
        const mem = this.storage(readBe32(args, 0));
        mem?.fill(0xff, readBe32(args, 4) * BLOCK, (readBe32(args, 4) + readBe32(args, 8)) * BLOCK);
        this.status = mem ? CcStatus.OK : CcStatus.INVALID_ADDRESS;
        return;
      }
      case CcOp.EXEC_FROM_RAM:
        if (!this.opts.faults?.noSecondAck) this.after(5, () => this.send(ACK));
        return;
      case CcOp.SWITCH_UART_TO_APPS: {
        const ms = (readBe32(args, 0) / TICKS_PER_SECOND) * 1000;
        this.state = 'switching';
        this.after(ms, () => {
          this.state = 'waitBreak';
          this.stage = 'nwp';
        });
        return;
      }
      default:
        this.status = CcStatus.UNKNOWN_COMMAND;
    }
  }

  private startUpload(args: Uint8Array): void {
    const flags = readBe32(args, 0);
    const name = Buffer.from(args.subarray(8)).toString('latin1').replace(/\0+$/, '');
    if (flags === 0) {
      this.open = this.files.has(name) ? { name, write: false } : undefined;
    } else {
      const alloc = allocationOf(flags);
      this.files.set(name, { data: new Uint8Array(alloc).fill(0xff), size: 0, alloc });
      this.open = { name, write: true };
    }
    this.status = this.open ? CcStatus.OK : CcStatus.INVALID_ADDRESS;
    // The token is 4 raw bytes, not a packet.
    this.send(Uint8Array.of(0, 0, 0, this.open ? 1 : 0));
  }

  private fileChunk(args: Uint8Array): void {
    const f = this.open?.write ? this.files.get(this.open.name) : undefined;
    const offset = readBe32(args, 0);
    const data = args.subarray(4);
    if (this.opts.faults?.failChunk === this.chunks++) return void (this.status = CcStatus.FLASH_FAIL);
    if (!f || offset + data.length > f.alloc) return void (this.status = CcStatus.INVALID_ADDRESS);
    f.data.set(data, offset);
    f.size = Math.max(f.size, offset + data.length);
    this.status = CcStatus.OK;
  }

  private storage(id: number): Uint8Array | undefined {
    return id === Storage.SFLASH ? this.sflash : id === Storage.SRAM ? this.sram : undefined;
  }

  private versionInfo(): Uint8Array {
    const v = new Uint8Array(28);
    v.set(this.opts.faults?.oldBootloader ? [0, 3, 0, 0] : [0, 4, 1, 2], 0);
    v.set([0, 2, 0, 0], 4);
    v.set([0, 0, 0, 0], 8);
    v.set([0, 1, 0, 0], 12);
    v.set([0x10, 0, 0, 0], 16);
    return v;
  }

  private runApp(): void {
    this.state = 'app';
    this.appLines.length = 0;
    const f = this.files.get('/sys/mcuimg.bin');
    if (!f || f.size < 8) {
      this.state = 'halted';
      return;
    }
    const image = f.data.subarray(0, f.size);
    const md5 = createHash('md5').update(image).digest('hex');
    const app = appInfoOf(image);
    this.after(1, () => {
      for (const line of [
        `${this.opts.label ?? 'ourci virtual cc3200'} bootloader=0.4.1.2`,
        `app: name=${app.name ?? 'unknown'} version=${app.version ?? 'unknown'} md5=${md5} size=${f.size}`,
        'ready',
      ]) {
        this.appLines.push(line);
        this.transmit(Buffer.from(`${line}\r\n`, 'latin1'), this.opts.appBaud ?? 115200);
      }
    });
  }

  private packet(payload: Uint8Array): void {
    const pkt = encodePacket(payload);
    if (this.opts.faults?.badReplyChecksum) pkt[2]! ^= 0xff;
    this.send(pkt);
    this.awaitingHostAck = true;
  }

  private send(bytes: Uint8Array): void {
    this.transmit(bytes, this.opts.baud ?? 921600);
  }

  private after(ms: number, fn: () => void): void {
    this.timers.after(ms, fn);
  }

  private stopTimers(): void {
    this.timers.clear();
  }
}
