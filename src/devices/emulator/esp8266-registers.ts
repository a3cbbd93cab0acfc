// The ESP8266 registers a flasher reads or pokes (reference §1.10): chip magic, eFuse MAC
// words, UART clock divider (crystal detection), and the SPI user-command block esptool uses
// to read the flash JEDEC id.

const CHIP_MAGIC_ADDR = 0x40001000;
const CHIP_MAGIC = 0xfff0c101;
const EFUSE0 = 0x3ff00050;
const EFUSE1 = 0x3ff00054;
const EFUSE2 = 0x3ff00058;
const EFUSE3 = 0x3ff0005c;
const UART_CLKDIV = 0x60000014;
const SPI_CMD = 0x60000200;
const SPI_USR2 = 0x60000224;
const SPI_W0 = 0x60000240;
const SPI_USR_START = 1 << 18;
const RDID = 0x9f;

export interface RegisterOptions {
  mac: Uint8Array;
  crystalMhz: number;
  jedecId: number;
  esp8285?: boolean;
}

export function parseMac(text: string): Uint8Array {
  const parts = text.split(/[:-]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) throw new RangeError(`not a MAC address: ${text}`);
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}

export function formatMac(mac: Uint8Array): string {
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join(':');
}

export class Esp8266Registers {
  private readonly values = new Map<number, number>();

  constructor(private readonly opts: RegisterOptions) {
    const m = opts.mac;
    const oui = (m[0]! << 16) | (m[1]! << 8) | m[2]!;
    // The ROM encodes the two Espressif OUIs as a selector in efuse1 and anything else in efuse3.
    const selector = oui === 0x18fe34 ? 0 : oui === 0xacd074 ? 1 : 2;
    this.values.set(CHIP_MAGIC_ADDR, CHIP_MAGIC);
    this.values.set(EFUSE0, ((m[5]! << 24) | (opts.esp8285 ? 0x10 : 0)) >>> 0);
    this.values.set(EFUSE1, ((selector << 16) | (m[3]! << 8) | m[4]!) >>> 0);
    this.values.set(EFUSE2, 0);
    this.values.set(EFUSE3, selector === 2 ? oui : 0);
  }

  /** `baud` is the rate the UART runs at: the clock divider follows it. */
  read(addr: number, baud: number): number {
    if (addr === UART_CLKDIV) return Math.round((this.opts.crystalMhz * 2e6) / baud) & 0xfffff;
    return this.values.get(addr) ?? 0;
  }

  write(addr: number, value: number, mask: number): void {
    const merged = ((this.read(addr, 115200) & ~mask) | (value & mask)) >>> 0;
    if (addr === SPI_CMD && merged & SPI_USR_START) {
      // Only a write with the USR bit starts a command (esptool-js also writes 0x17 here, a bug).
      if (((this.values.get(SPI_USR2) ?? 0) & 0xff) === RDID) this.values.set(SPI_W0, this.opts.jedecId);
      this.values.set(addr, (merged & ~SPI_USR_START) >>> 0);
      return;
    }
    this.values.set(addr, merged);
  }
}
