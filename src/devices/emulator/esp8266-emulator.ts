// An emulated ESP8266 board (NodeMCU wiring): DTR/RTS drive EN and GPIO0 through the usual
// two-transistor circuit, the ROM samples the strap a few ms after reset, prints its boot
// banner at 74880 baud, then either waits in the serial bootloader or "runs" the image in
// flash: prints the ROM's load/checksum lines and an app line naming what was flashed
// (name, version, md5), so tests and bench scripts can check the firmware over serial.
import { createHash } from 'node:crypto';
import type { LineState } from '../serial/line-state';
import { appInfoOf } from '../images/app-info';
import { parseEspImage } from '../images/esp-image';
import type { BoardEmulator, Transmit } from './board-emulator';
import { BoardTimers } from './board-timers';
import { Esp8266Loader, Op, type LoaderFaults } from './esp8266-loader';
import { Esp8266Registers, formatMac, parseMac } from './esp8266-registers';
import { FlashMemory } from './flash-memory';
import { SlipDecoder } from './slip';

export interface Esp8266Faults extends LoaderFaults {
  /** DTR/RTS are not wired to EN/GPIO0: the board never enters the bootloader by itself. */
  noAutoReset?: boolean;
}

export interface Esp8266Options {
  /** Default 18:fe:34:a1:b2:c3. */
  mac?: string;
  /** Flash size in bytes, a power of two; default 4 MiB. */
  flashSize?: number;
  crystalMhz?: 26 | 40;
  /** Baud rate the emulated application prints at; default 115200. */
  appBaud?: number;
  /** The app prints "tick N" this often (0 = never, the default). */
  heartbeatMs?: number;
  /**
   * A SYNC frame puts a running app back into the bootloader. Stands in for the DTR/RTS
   * reset a pty cannot carry; off by default (a real app ignores SLIP).
   */
  resetOnSync?: boolean;
  /** Power-on state: run the flash (default) or wait in the bootloader (as if GPIO0 were held low). */
  startIn?: 'app' | 'bootloader';
  /** Name printed in the app line. */
  label?: string;
  faults?: Esp8266Faults;
}

type State = 'off' | 'reset' | 'rom' | 'app' | 'halted';

/** The ROM samples GPIO0 shortly after EN rises, not at the edge (reference §1.2). */
const STRAP_DELAY_MS = 5;

export class Esp8266Emulator implements BoardEmulator {
  readonly kind = 'esp8266' as const;
  readonly flash: FlashMemory;
  readonly loader: Esp8266Loader;
  readonly mac: string;
  state: State = 'off';
  /** Lines printed by the emulated app since power-on (for tests). */
  readonly appLines: string[] = [];
  private transmit: Transmit = () => {};
  private readonly decoder = new SlipDecoder();
  private lines: LineState = { dtr: false, rts: false, brk: false };
  private readonly timers = new BoardTimers();
  private strapTimer: NodeJS.Timeout | undefined;
  private lastRxBaud = 115200;
  private appInput = '';
  private readonly crystal: number;
  private readonly bannerBaud: number;

  constructor(private readonly opts: Esp8266Options = {}) {
    this.flash = new FlashMemory(opts.flashSize ?? 4 << 20);
    const mac = parseMac(opts.mac ?? '18:fe:34:a1:b2:c3');
    this.mac = formatMac(mac);
    this.crystal = opts.crystalMhz ?? 26;
    // The ROM prints at 115200 × crystal / 40 MHz: 74880 with the common 26 MHz crystal.
    this.bannerBaud = Math.round((115200 * this.crystal) / 40);
    const regs = new Esp8266Registers({ mac, crystalMhz: this.crystal, jedecId: this.flash.jedecId });
    this.loader = new Esp8266Loader(
      {
        send: (frame, baud) => this.transmit(frame, baud),
        leave: (how) => this.runApp(how),
        later: (ms, fn) => this.after(ms, fn),
      },
      this.flash,
      regs,
      opts.faults,
    );
  }

  connect(transmit: Transmit): void {
    this.transmit = transmit;
  }

  rxBaud(): number | undefined {
    if (this.state === 'rom') return this.loader.mode === 'rom' ? undefined : this.loader.baud;
    if (this.state === 'app') return this.opts.appBaud ?? 115200;
    return undefined;
  }

  powerOn(): void {
    if (this.state !== 'off') return;
    this.state = 'reset';
    this.boot(this.opts.startIn === 'bootloader' ? 'download' : 'flash', 1);
  }

  powerOff(): void {
    this.stopTimers();
    this.state = 'off';
    this.decoder.reset();
    this.flash.regions.clear();
  }

  setLines(lines: LineState): void {
    if (this.opts.faults?.noAutoReset) return;
    const wasInReset = !this.enHigh(this.lines);
    this.lines = lines;
    if (this.state === 'off') return;
    const inReset = !this.enHigh(lines);
    if (inReset && !wasInReset) {
      this.stopTimers();
      this.state = 'reset';
      this.decoder.reset();
      return;
    }
    if (!inReset && wasInReset) {
      // Sample the strap a little later: hosts that set DTR and RTS in two calls pass through
      // intermediate states, and the ROM does not sample at the edge either.
      clearTimeout(this.strapTimer);
      this.strapTimer = setTimeout(() => {
        this.strapTimer = undefined;
        if (this.state === 'reset' && this.enHigh(this.lines)) this.boot(this.io0Low(this.lines) ? 'download' : 'flash', 2);
      }, STRAP_DELAY_MS);
    }
  }

  receive(bytes: Uint8Array, baud: number): void {
    this.lastRxBaud = baud;
    if (this.state === 'rom') {
      for (const frame of this.decoder.push(bytes)) this.loader.frame(frame, baud);
    } else if (this.state === 'app') this.appReceive(bytes);
  }

  /** Power-cycles the board (as after replugging it). */
  powerCycle(): void {
    this.powerOff();
    this.powerOn();
  }

  // EN is pulled low only when RTS is asserted and DTR is not; GPIO0 the other way round.
  private enHigh(l: LineState): boolean {
    return !(l.rts && !l.dtr);
  }

  private io0Low(l: LineState): boolean {
    return l.dtr && !l.rts;
  }

  private boot(mode: 'download' | 'flash', cause: number): void {
    this.stopTimers();
    this.decoder.reset();
    this.print(`\r\n ets Jan  8 2013,rst cause:${cause}, boot mode:(${mode === 'download' ? '1,7' : '3,6'})\r\n\r\n`, this.bannerBaud);
    if (mode === 'download') {
      this.state = 'rom';
      this.loader.reset(this.lastRxBaud);
      return;
    }
    this.runApp('reboot');
  }

  /** Boots the image at flash offset 0, as the ROM does, and prints what it finds. */
  private runApp(how: 'reboot' | 'jump'): void {
    this.stopTimers();
    this.decoder.reset();
    const image = this.flash.data;
    if (image[0] !== 0xe9 && image[0] !== 0xea) {
      // Blank or foreign flash: the ROM jumps into nothing; the board stays silent.
      this.state = 'halted';
      return;
    }
    let length: number;
    try {
      const info = parseEspImage(image, { platform: 'esp8266', name: 'flash' });
      if (how === 'reboot') {
        const boot = info.format === 'esp8266-v2' ? info.segments.slice(1) : info.segments;
        const loads = boot.map((s) => `load 0x${s.address.toString(16).padStart(8, '0')}, len ${s.length}, room 16 \r\n`).join('');
        const sum = info.checksum.toString(16).padStart(2, '0');
        this.print(`${loads}tail ${boot.at(-1)!.length % 16}\r\nchksum 0x${sum}\r\ncsum 0x${sum}\r\n`, this.bannerBaud);
      }
      length = info.length;
    } catch (err) {
      // A corrupt image: the ROM prints mismatching checksums and hangs.
      this.print(`\r\n${(err as Error).message.replace(/^flash: /, '')}\r\n`, this.bannerBaud);
      this.state = 'halted';
      return;
    }
    this.state = 'app';
    this.appInput = '';
    this.appLines.length = 0;
    const size = this.flash.regions.get(0) ?? length;
    const md5 = createHash('md5').update(this.flash.read(0, size)).digest('hex');
    const app = appInfoOf(this.flash.read(0, size));
    this.after(1, () => {
      this.say(`${this.opts.label ?? 'ourci virtual esp8266'} mac=${this.mac} flash=${this.flash.size >> 20}MB`);
      this.say(`app: name=${app.name ?? 'unknown'} version=${app.version ?? 'unknown'} md5=${md5} size=${size}`);
      for (const [addr, len] of [...this.flash.regions].sort((a, b) => a[0] - b[0])) {
        this.say(`flash: 0x${addr.toString(16).padStart(6, '0')} size=${len} md5=${this.flash.md5(addr, len).toString('hex')}`);
      }
      this.say('ready');
      this.heartbeat(0);
    });
  }

  private heartbeat(n: number): void {
    const every = this.opts.heartbeatMs ?? 0;
    if (every <= 0) return;
    this.after(every, () => {
      this.say(`tick ${n + 1}`);
      this.heartbeat(n + 1);
    });
  }

  private appReceive(bytes: Uint8Array): void {
    if (this.opts.resetOnSync) {
      for (const frame of this.decoder.push(bytes)) {
        if (frame[0] === 0x00 && frame[1] === Op.SYNC) {
          this.boot('download', 2);
          return;
        }
      }
    }
    // The sample app echoes lines, so consoles can be tested both ways.
    for (const ch of Buffer.from(bytes).toString('latin1')) {
      if (ch === '\r' || ch === '\n') {
        if (this.appInput) this.say(`echo: ${this.appInput}`);
        this.appInput = '';
      } else if (this.appInput.length < 256) this.appInput += ch;
    }
  }

  private say(line: string): void {
    this.appLines.push(line);
    this.print(`${line}\r\n`, this.opts.appBaud ?? 115200);
  }

  private print(text: string, baud: number): void {
    this.transmit(Buffer.from(text, 'latin1'), baud);
  }

  private after(ms: number, fn: () => void): void {
    this.timers.after(ms, fn);
  }

  private stopTimers(): void {
    this.timers.clear();
    clearTimeout(this.strapTimer);
    this.strapTimer = undefined;
  }
}
