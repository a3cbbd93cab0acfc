// Writes images to an Espressif board: connect, check the chip and the flash size against
// the images (before any byte is written), compressed transfer through the stub, MD5
// verification of every part, then our own reset into the application.
import { createHash } from 'node:crypto';
import { BadRequestError, OurciError, TimeoutError } from '../../shared/errors';
import { BootloaderError } from '../device-errors';
import { formatSize } from '../images/esp-image';
import type { FlashProgress } from '../flash-progress';
import { EspSession, type After, type EspSessionOptions } from './esp-session';
import { writeParts } from './esp-writer';

export interface EspPart {
  name: string;
  address: number;
  data: Uint8Array;
}

export interface EspFlashOptions extends EspSessionOptions {
  /**
   * What to write, or a function that decides it once the flash size is known (places parts
   * relative to the end of flash, refuses what does not fit). Called before any write.
   */
  parts: EspPart[] | ((flashSize: number | undefined) => EspPart[]);
  /** Platform the images are built for (from the manifest or the image header); refused if the chip differs. */
  platform?: string;
  after?: After;
  /** Deflate the data on the wire (default true; needs the stub). */
  compress?: boolean;
  /** Verify each part with the stub's SPI_FLASH_MD5 (default true). */
  verify?: boolean;
  onProgress?: (p: FlashProgress) => void;
}

export interface EspFlashResult {
  chip: string;
  platform: string;
  mac: string;
  flashSize?: number;
  baud: number;
  parts: Array<{ name: string; address: number; size: number; md5: string }>;
  /** Bytes sent for the data (compressed when compress is on), before SLIP framing. */
  sentBytes: number;
  reset: 'hard_reset' | 'soft_reset' | 'none';
  timings: { connectMs: number; writeMs: number; totalMs: number };
}

/** esptool-js throws plain ESPErrors; give them a code from our table. */
function asOurciError(err: unknown): Error {
  if (err instanceof OurciError) return err;
  const e = err as Error;
  if (e?.name === 'TimeoutError' || /timed out|Timeout/i.test(e?.message ?? '')) return new TimeoutError(`the ESP bootloader stopped answering: ${e.message}`);
  return new BootloaderError(`the ESP bootloader reported: ${e?.message ?? String(err)}`);
}

const md5hex = (d: Uint8Array): string => createHash('md5').update(d).digest('hex');


/** esptool-js pads to 4 bytes with 0xFF anyway; padding here keeps the reported MD5 equal to the flash's. */
function padTo4(d: Uint8Array): Uint8Array {
  if (d.length % 4 === 0) return d;
  const out = new Uint8Array(d.length + 4 - (d.length % 4)).fill(0xff);
  out.set(d);
  return out;
}

function checkFits(parts: EspPart[], flashSize: number | undefined): void {
  if (!flashSize) return;
  for (const p of parts) {
    if (p.address + p.data.length > flashSize) {
      throw new BadRequestError(`${p.name} (${formatSize(p.data.length)} at 0x${p.address.toString(16)}) does not fit in the board's ${formatSize(flashSize)} flash; nothing was written`);
    }
  }
}

export async function flashEsp(opts: EspFlashOptions): Promise<EspFlashResult> {
  const started = Date.now();
  const progress = (p: FlashProgress): void => opts.onProgress?.(p);
  const decide = typeof opts.parts === 'function' ? opts.parts : () => opts.parts as EspPart[];
  let total = typeof opts.parts === 'function' ? 0 : opts.parts.reduce((n, p) => n + p.data.length, 0);
  progress({ phase: 'connecting', written: 0, total });
  const session = new EspSession(opts);
  try {
    const id = await session.connect();
    session.expectPlatform(opts.platform);
    progress({ phase: 'preparing', written: 0, total });
    await session.startStub();
    const flashSize = await session.flashSize();
    const parts = decide(flashSize).map((p) => ({ ...p, data: padTo4(p.data) }));
    checkFits(parts, flashSize);
    total = parts.reduce((n, p) => n + p.data.length, 0);
    const connectMs = Date.now() - started;
    const writeStart = Date.now();
    const before = (i: number): number => parts.slice(0, i).reduce((n, p) => n + p.data.length, 0);
    // Without the stub (secure download mode, a chip without one) an ESP8266 ROM can neither
    // inflate nor hash: fall back to plain blocks, unverified.
    const romOnly = !session.loader.IS_STUB && id.platform === 'esp8266';
    if (romOnly) opts.log?.('no flasher stub: writing uncompressed and unverified through the ROM');
    const sentPerPart = await writeParts(session.loader, parts, {
      compress: (opts.compress ?? true) && !romOnly,
      verify: (opts.verify ?? true) && !romOnly,
      guard: session.guard,
      onBlock: (i, written) => progress({ phase: 'writing', part: parts[i]!.name, written: before(i) + written, total }),
      onVerify: (i) => progress({ phase: 'verifying', part: parts[i]!.name, written: before(i + 1), total }),
    });
    const sentBytes = sentPerPart.reduce((n, b) => n + b, 0);
    const writeMs = Date.now() - writeStart;
    progress({ phase: 'resetting', written: total, total });
    const reset = await session.leave(opts.after ?? 'hard_reset');
    progress({ phase: 'done', written: total, total });
    return {
      chip: id.chip,
      platform: id.platform,
      mac: id.mac,
      flashSize,
      baud: session.baud,
      parts: parts.map((p) => ({ name: p.name, address: p.address, size: p.data.length, md5: md5hex(p.data) })),
      sentBytes,
      reset,
      timings: { connectMs, writeMs, totalMs: Date.now() - started },
    };
  } catch (err) {
    throw asOurciError(err);
  } finally {
    await session.close();
  }
}
