// NOR flash as the emulated ESP8266 sees it: erased bytes read 0xFF, writes can only clear
// bits (so a flasher that forgets to erase corrupts data, as on silicon), and the regions
// written since power-on are remembered so the emulated app can say what it runs.
import { createHash } from 'node:crypto';

export const SECTOR = 4096;

/** JEDEC capacity codes (reference §1.10): 2^code bytes. */
function capacityCode(size: number): number {
  const code = Math.log2(size);
  if (!Number.isInteger(code) || code < 18 || code > 25) throw new RangeError(`flash size ${size} is not a power of two between 256 KiB and 32 MiB`);
  return code;
}

export class FlashMemory {
  readonly data: Uint8Array;
  /** RDID answer: Winbond (0xEF), memory type 0x40, capacity code. */
  readonly jedecId: number;
  /** Start address → length of the last complete write there. */
  readonly regions = new Map<number, number>();

  constructor(readonly size: number) {
    this.jedecId = 0xef | (0x40 << 8) | (capacityCode(size) << 16);
    this.data = new Uint8Array(size).fill(0xff);
  }

  /** Erases whole sectors covering [offset, offset + length). */
  erase(offset: number, length: number): void {
    if (length <= 0) return;
    const start = Math.floor(offset / SECTOR) * SECTOR;
    const end = Math.min(this.size, Math.ceil((offset + length) / SECTOR) * SECTOR);
    this.data.fill(0xff, start, end);
    for (const [addr, len] of this.regions) if (addr < end && addr + len > start) this.regions.delete(addr);
  }

  /** Programs bytes (AND with what is there); returns false if it runs past the end. */
  write(offset: number, bytes: Uint8Array): boolean {
    if (offset < 0 || offset + bytes.length > this.size) return false;
    for (let i = 0; i < bytes.length; i++) this.data[offset + i]! &= bytes[i]!;
    return true;
  }

  read(offset: number, length: number): Uint8Array {
    return this.data.subarray(offset, Math.min(this.size, offset + length));
  }

  md5(offset: number, length: number): Buffer {
    return createHash('md5').update(this.read(offset, length)).digest();
  }

  eraseAll(): void {
    this.data.fill(0xff);
    this.regions.clear();
  }
}
