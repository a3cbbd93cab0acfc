// The ESP8266 serial bootloader, ROM and flasher stub (reference §1.4–1.15), as a protocol
// engine: frames in, frames out. It does not depend on the stub a client uploads: MEM_END
// with flag 0 means "the stub runs now" (both esptool-js's and tasmota's stubs work so).
import { Unzlib } from 'fflate';
import { slipEncode } from './slip';
import { FlashMemory, SECTOR } from './flash-memory';
import type { Esp8266Registers } from './esp8266-registers';

export const Op = {
  FLASH_BEGIN: 0x02,
  FLASH_DATA: 0x03,
  FLASH_END: 0x04,
  MEM_BEGIN: 0x05,
  MEM_END: 0x06,
  MEM_DATA: 0x07,
  SYNC: 0x08,
  WRITE_REG: 0x09,
  READ_REG: 0x0a,
  SPI_SET_PARAMS: 0x0b,
  SPI_ATTACH: 0x0d,
  CHANGE_BAUDRATE: 0x0f,
  FLASH_DEFL_BEGIN: 0x10,
  FLASH_DEFL_DATA: 0x11,
  FLASH_DEFL_END: 0x12,
  SPI_FLASH_MD5: 0x13,
  GET_SECURITY_INFO: 0x14,
  ERASE_FLASH: 0xd0,
  ERASE_REGION: 0xd1,
  READ_FLASH: 0xd2,
  RUN_USER_CODE: 0xd3,
} as const;

const ROM_ONLY_UNSUPPORTED = new Set<number>([
  Op.SPI_SET_PARAMS,
  Op.SPI_ATTACH,
  Op.CHANGE_BAUDRATE,
  Op.FLASH_DEFL_BEGIN,
  Op.FLASH_DEFL_DATA,
  Op.FLASH_DEFL_END,
  Op.SPI_FLASH_MD5,
  Op.ERASE_FLASH,
  Op.ERASE_REGION,
  Op.READ_FLASH,
  Op.RUN_USER_CODE,
]);

// Error codes: ROM (status byte 1 + code) and stub (code + 0), reference §1.4.
const ROM_INVALID = 0x05;
const ROM_CHECKSUM = 0x07;
const ROM_FLASH_WRITE = 0x08;
const STUB_BAD_LENGTH = 0xc0;
const STUB_BAD_CHECKSUM = 0xc1;
const STUB_INFLATE = 0xc7;
const STUB_NOT_ENOUGH = 0xc8;
const STUB_TOO_MUCH = 0xc9;
const STUB_NOT_IMPLEMENTED = 0xff;

export interface LoaderFaults {
  /** How unsupported commands (GET_SECURITY_INFO on an ESP8266) are answered (§1.8). */
  unsupportedReply?: 'rom8' | 'echo1' | 'silent';
  /** The stub never says OHAI. */
  noOhai?: boolean;
  /** SPI_FLASH_MD5 answers a wrong digest. */
  corruptMd5?: boolean;
  /** The stub goes deaf after CHANGE_BAUDRATE. */
  deafAfterBaudChange?: boolean;
  /** The Nth data block (0-based, across sessions) fails to write; reported on the next command. */
  failWriteAtBlock?: number;
}

export interface LoaderHost {
  /** Sends a SLIP frame at the loader's current baud rate. */
  send(frame: Uint8Array, baud: number | undefined): void;
  /** The loader left for user code: reboot (ROM FLASH_END, stub FLASH_END 0) or jump (RUN_USER_CODE). */
  leave(how: 'reboot' | 'jump'): void;
  /** Runs `fn` after `ms` unless the board resets first. */
  later(ms: number, fn: () => void): void;
}

interface WriteSession {
  deflate: boolean;
  offset: number;
  size: number;
  blockSize: number;
  written: number;
  inflater?: Unzlib;
}

interface ReadSession {
  offset: number;
  length: number;
  packetSize: number;
  sent: number;
}

const u32 = (d: Uint8Array, o: number): number => (d[o]! | (d[o + 1]! << 8) | (d[o + 2]! << 16) | (d[o + 3]! << 24)) >>> 0;

function checksumOf(data: Uint8Array): number {
  let c = 0xef;
  for (const b of data) c ^= b;
  return c;
}

export class Esp8266Loader {
  mode: 'rom' | 'stub' = 'rom';
  /** Rate the ROM auto-bauded to, then the stub's rate. */
  baud = 115200;
  deaf = false;
  private session: WriteSession | undefined;
  private reading: ReadSession | undefined;
  private mem: { remaining: number } | undefined;
  /** An error of work done after the ack; the stub reports it on the next command. */
  private deferred = 0;
  private blocksSeen = 0;
  /** Recent commands, "r:08" / "s:11", for tests that check what a client did. */
  readonly log: string[] = [];

  constructor(
    private readonly host: LoaderHost,
    private readonly flash: FlashMemory,
    private readonly regs: Esp8266Registers,
    private readonly faults: LoaderFaults = {},
  ) {}

  /** Back to the ROM after a reset, auto-bauding at `baud`. */
  reset(baud: number): void {
    this.mode = 'rom';
    this.baud = baud;
    this.deaf = false;
    this.session = undefined;
    this.reading = undefined;
    this.mem = undefined;
    this.deferred = 0;
  }

  frame(frame: Uint8Array, baud: number): void {
    if (this.deaf) return;
    if (this.reading) return this.readAck(frame);
    if (frame.length < 8 || frame[0] !== 0x00) return;
    const op = frame[1]!;
    const size = frame[2]! | (frame[3]! << 8);
    const checksum = u32(frame, 4);
    const data = frame.subarray(8);
    if (this.mode === 'rom') this.baud = baud;
    this.log.push(`${this.mode[0]}:${op.toString(16).padStart(2, '0')}`);
    if (this.log.length > 2000) this.log.splice(0, 1000);
    if (size !== data.length) return this.fail(op, this.mode === 'rom' ? ROM_INVALID : STUB_BAD_LENGTH);
    if (this.mode === 'rom' && (ROM_ONLY_UNSUPPORTED.has(op) || op === Op.GET_SECURITY_INFO)) return this.unsupported(op);
    if (this.mode === 'stub' && op === Op.GET_SECURITY_INFO) return this.unsupported(op);
    if (this.mode === 'stub' && this.deferred && op !== Op.SYNC) {
      const code = this.deferred;
      this.deferred = 0;
      return this.fail(op, code);
    }
    this.dispatch(op, data, checksum);
  }

  private dispatch(op: number, data: Uint8Array, checksum: number): void {
    switch (op) {
      case Op.SYNC:
        if (data.length !== 36 || u32(data, 0) !== 0x20120707) return;
        for (let i = 0; i < 8; i++) this.reply(op, { value: this.mode === 'rom' ? 0x20120707 : 0 });
        return;
      case Op.READ_REG:
        return this.reply(op, { value: this.regs.read(u32(data, 0), this.baud) });
      case Op.WRITE_REG:
        for (let o = 0; o + 16 <= data.length; o += 16) this.regs.write(u32(data, o), u32(data, o + 4), u32(data, o + 8));
        return this.reply(op);
      case Op.MEM_BEGIN:
        this.mem = { remaining: u32(data, 0) };
        return this.reply(op);
      case Op.MEM_DATA:
        if (checksumOf(data.subarray(16)) !== (checksum & 0xff)) return this.fail(op, this.mode === 'rom' ? ROM_CHECKSUM : STUB_BAD_CHECKSUM);
        if (this.mem) this.mem.remaining -= data.length - 16;
        return this.reply(op);
      case Op.MEM_END:
        return this.memEnd(op, data);
      case Op.FLASH_BEGIN:
      case Op.FLASH_DEFL_BEGIN:
        return this.begin(op, data);
      case Op.FLASH_DATA:
      case Op.FLASH_DEFL_DATA:
        return this.block(op, data, checksum);
      case Op.FLASH_END:
      case Op.FLASH_DEFL_END:
        return this.end(op, data);
      case Op.SPI_SET_PARAMS:
      case Op.SPI_ATTACH:
        return this.reply(op);
      case Op.CHANGE_BAUDRATE:
        this.reply(op);
        this.baud = u32(data, 0);
        if (this.faults.deafAfterBaudChange) this.deaf = true;
        return;
      case Op.SPI_FLASH_MD5: {
        const digest = Uint8Array.from(this.flash.md5(u32(data, 0), u32(data, 4)));
        if (this.faults.corruptMd5) digest[0]! ^= 0xff;
        return this.reply(op, { payload: digest });
      }
      case Op.ERASE_FLASH:
        this.flash.eraseAll();
        return this.reply(op);
      case Op.ERASE_REGION: {
        const offset = u32(data, 0);
        const size = u32(data, 4);
        if (offset % SECTOR || size % SECTOR) return this.fail(op, STUB_BAD_LENGTH);
        this.flash.erase(offset, size);
        return this.reply(op);
      }
      case Op.READ_FLASH:
        return this.startRead(op, data);
      case Op.RUN_USER_CODE:
        return this.host.leave('jump');
      default:
        return this.mode === 'rom' ? this.unsupported(op) : this.fail(op, STUB_NOT_IMPLEMENTED);
    }
  }

  private memEnd(op: number, data: Uint8Array): void {
    this.reply(op);
    if (u32(data, 0) !== 0) return;
    this.mem = undefined;
    if (this.mode === 'stub') return;
    this.host.later(2, () => {
      this.mode = 'stub';
      if (!this.faults.noOhai) this.host.send(slipEncode(Uint8Array.of(0x4f, 0x48, 0x41, 0x49)), this.baud);
    });
  }

  private begin(op: number, data: Uint8Array): void {
    if (data.length !== 16 && data.length !== 20) return this.fail(op, this.mode === 'rom' ? ROM_INVALID : STUB_BAD_LENGTH);
    const size = u32(data, 0);
    const blockSize = u32(data, 8);
    const offset = u32(data, 12);
    if (offset + size > this.flash.size) return this.fail(op, this.mode === 'rom' ? ROM_FLASH_WRITE : STUB_TOO_MUCH);
    this.flash.erase(offset, size);
    const deflate = op === Op.FLASH_DEFL_BEGIN;
    this.session = { deflate, offset, size, blockSize, written: 0 };
    if (deflate) {
      const s = this.session;
      s.inflater = new Unzlib((chunk) => this.program(s, chunk));
    }
    this.reply(op);
  }

  private block(op: number, data: Uint8Array, checksum: number): void {
    const payload = data.subarray(16);
    if (u32(data, 0) !== payload.length) return this.fail(op, this.mode === 'rom' ? ROM_INVALID : STUB_BAD_LENGTH);
    if (checksumOf(payload) !== (checksum & 0xff)) return this.fail(op, this.mode === 'rom' ? ROM_CHECKSUM : STUB_BAD_CHECKSUM);
    const s = this.session;
    const seq = u32(data, 4);
    const failHere = this.faults.failWriteAtBlock === this.blocksSeen++;
    if (this.mode === 'rom') {
      // The ROM writes before it answers, whole blocks, padding included.
      if (!s || failHere || !this.flash.write(s.offset + seq * s.blockSize, payload)) return this.fail(op, ROM_FLASH_WRITE);
      s.written += payload.length;
      if (s.written >= s.size) this.flash.regions.set(s.offset, s.size);
      return this.reply(op);
    }
    // The stub acknowledges first and writes while the next block arrives; errors surface on
    // the next command.
    this.reply(op);
    if (!s) return void (this.deferred = STUB_NOT_ENOUGH);
    if (failHere) return void (this.deferred = 0xc4);
    if (!s.deflate) return this.program(s, payload.subarray(0, Math.max(0, Math.min(payload.length, s.size - seq * s.blockSize))));
    try {
      s.inflater!.push(payload);
    } catch {
      this.deferred = STUB_INFLATE;
    }
  }

  private program(s: WriteSession, bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (s.written + bytes.length > s.size || !this.flash.write(s.offset + s.written, bytes)) {
      this.deferred = STUB_TOO_MUCH;
      return;
    }
    s.written += bytes.length;
    if (s.written === s.size) this.flash.regions.set(s.offset, s.size);
  }

  private end(op: number, data: Uint8Array): void {
    const flag = data.length >= 4 ? u32(data, 0) : 1;
    const s = this.session;
    this.session = undefined;
    if (this.mode === 'rom') {
      this.reply(op);
      this.host.later(2, () => this.host.leave('reboot'));
      return;
    }
    if (s?.inflater) {
      try {
        s.inflater.push(new Uint8Array(0), true);
      } catch {
        // a truncated stream shows as missing bytes just below
      }
    }
    if (s && s.written < s.size) return this.fail(op, STUB_NOT_ENOUGH);
    this.reply(op);
    if (flag === 0) this.host.later(2, () => this.host.leave('reboot'));
  }

  private startRead(op: number, data: Uint8Array): void {
    const offset = u32(data, 0);
    const length = u32(data, 4);
    const packetSize = u32(data, 8);
    if (offset + length > this.flash.size || packetSize === 0) return this.fail(op, STUB_BAD_LENGTH);
    this.reply(op);
    this.reading = { offset, length, packetSize, sent: 0 };
    this.sendReadPacket();
  }

  private sendReadPacket(): void {
    const r = this.reading!;
    const n = Math.min(r.packetSize, r.length - r.sent);
    this.host.send(slipEncode(this.flash.read(r.offset + r.sent, n)), this.baud);
    r.sent += n;
  }

  /** While streaming READ_FLASH data, the host acks each packet with the total it has. */
  private readAck(frame: Uint8Array): void {
    const r = this.reading!;
    if (frame.length !== 4) return;
    if (u32(frame, 0) < r.sent) return;
    if (r.sent < r.length) return this.sendReadPacket();
    this.reading = undefined;
    this.host.send(slipEncode(Uint8Array.from(this.flash.md5(r.offset, r.length))), this.baud);
  }

  private unsupported(op: number): void {
    const variant = this.faults.unsupportedReply ?? 'rom8';
    if (variant === 'silent') return;
    // ESP8266 ROM frames carry 2 status bytes: failure, "invalid message".
    const frame = Uint8Array.of(0x01, variant === 'rom8' ? 0x00 : op, 2, 0, 0, 0, 0, 0, 1, ROM_INVALID);
    const encoded = slipEncode(frame);
    for (let i = 0; i < (variant === 'rom8' ? 8 : 1); i++) this.host.send(encoded, this.txBaud());
  }

  /** The ROM answers at whatever rate it auto-bauded to, i.e. the host's. */
  private txBaud(): number | undefined {
    return this.mode === 'rom' ? undefined : this.baud;
  }

  private fail(op: number, code: number): void {
    this.reply(op, { error: code });
  }

  private reply(op: number, r: { value?: number; payload?: Uint8Array; error?: number } = {}): void {
    const payload = r.payload ?? new Uint8Array(0);
    const status = r.error ? (this.mode === 'rom' ? [1, r.error] : [r.error, 0]) : [0, 0];
    const pkt = new Uint8Array(8 + payload.length + 2);
    const view = new DataView(pkt.buffer);
    pkt[0] = 0x01;
    pkt[1] = op;
    view.setUint16(2, payload.length + 2, true);
    view.setUint32(4, r.value ?? 0, true);
    pkt.set(payload, 8);
    pkt.set(status, 8 + payload.length);
    this.host.send(slipEncode(pkt), this.txBaud());
  }
}
