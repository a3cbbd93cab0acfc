// Sanity checks for a CC3200 application (/sys/mcuimg.bin): a raw Cortex-M4 image linked for
// SRAM, whose vector table starts with the initial stack pointer and the reset handler
// (reference §4.6, heuristic: there is no header or checksum to verify).
import { BadRequestError } from '../../shared/errors';

const SRAM_START = 0x20000000;
const SRAM_END = 0x20040000;
/** The application lives in 256 KiB of SRAM, part of it taken by the ROM and stack. */
export const CC3200_MAX_APP = 256 << 10;

const u32 = (d: Uint8Array, o: number): number => (d[o]! | (d[o + 1]! << 8) | (d[o + 2]! << 16) | (d[o + 3]! << 24)) >>> 0;
const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;

/** True when the bytes look like a CC3200 application (used to guess what a raw .bin is). */
export function looksLikeCc3200App(data: Uint8Array): boolean {
  if (data.length < 64 || data.length > CC3200_MAX_APP) return false;
  const sp = u32(data, 0);
  const reset = u32(data, 4);
  return sp > SRAM_START && sp <= SRAM_END && (reset & 1) === 1 && reset >= SRAM_START && reset < SRAM_END;
}

export function validateCc3200App(data: Uint8Array, what = '/sys/mcuimg.bin'): void {
  if (data.length < 64) throw new BadRequestError(`${what}: ${data.length} bytes is too short for a CC3200 application`);
  if (data.length > CC3200_MAX_APP) throw new BadRequestError(`${what}: ${data.length} bytes does not fit in the CC3200's 256 KiB of SRAM`);
  const sp = u32(data, 0);
  if (sp <= SRAM_START || sp > SRAM_END) {
    throw new BadRequestError(`${what}: initial stack pointer ${hex(sp)} is outside SRAM (${hex(SRAM_START)}..${hex(SRAM_END)}): not a CC3200 application (an ESP image? a bundle?)`);
  }
  const reset = u32(data, 4);
  if ((reset & 1) === 0) throw new BadRequestError(`${what}: reset handler ${hex(reset)} lacks the Thumb bit: not a Cortex-M image`);
  // Linked at 0x20004000 (TI's default), or at 0x20000000 behind a second-stage loader.
  const inside = (base: number): boolean => (reset & ~1) >= base && (reset & ~1) < base + data.length;
  if (!inside(0x20004000) && !inside(SRAM_START)) {
    throw new BadRequestError(`${what}: reset handler ${hex(reset)} points outside the image`);
  }
}

/** A minimal valid application image (vector table + name string) for tests and demos. */
export function sampleCc3200App(name: string, version: string, size = 2048): Uint8Array {
  const out = new Uint8Array(Math.max(128, size));
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x20030000, true);
  view.setUint32(4, 0x20004101, true);
  for (let i = 8; i < 64; i += 4) view.setUint32(i, 0x20004101, true);
  out.set(Buffer.from(`${name} v${version}\0`, 'latin1'), 64);
  for (let i = 64 + name.length + version.length + 3; i < out.length; i++) out[i] = (i * 31) & 0xff;
  return out;
}
