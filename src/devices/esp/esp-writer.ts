// The data phase of an ESP flash, on esptool-js's public protocol primitives (flashDeflBegin,
// flashDeflBlock, flashDeflFinish, flashMd5sum …) instead of its writeFlash loop. That loop
// re-inflates every block on the host with a 1-byte output buffer only to count progress:
// about 48 ms of CPU per 16 KiB block, during which the wire sits idle (2.2 s per MiB, 27 %
// of the transfer at 921600 baud). Here progress is counted in compressed bytes, deflate is
// node:zlib, and nothing else runs between a block's ack and the next block.
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import type { ESPLoader } from 'esptool-js';
import { VerifyFailedError } from '../device-errors';
import type { PortGuard } from '../serial/port-guard';

export interface WritePart {
  name: string;
  address: number;
  /** Already padded to a multiple of 4. */
  data: Uint8Array;
}

export interface WriteOptions {
  compress: boolean;
  verify: boolean;
  guard: PortGuard;
  /** Bytes of the part written so far (uncompressed scale) and the bytes sent for it. */
  onBlock?: (partIndex: number, written: number, sent: number) => void;
  onVerify?: (partIndex: number) => void;
}

/** esptool's budget per MiB written (erase included), and its floor. */
const WRITE_MS_PER_MB = 40_000;
const MIN_TIMEOUT_MS = 3_000;

function timeoutFor(uncompressedBytes: number): number {
  return Math.max(MIN_TIMEOUT_MS, Math.ceil((WRITE_MS_PER_MB * uncompressedBytes) / 1e6));
}

/** Writes each part, verifies it by MD5 through the stub; returns the bytes sent per part. */
export async function writeParts(loader: ESPLoader, parts: WritePart[], opts: WriteOptions): Promise<number[]> {
  const { guard } = opts;
  const sentPerPart: number[] = [];
  const blockSize = loader.FLASH_WRITE_SIZE;
  for (const [i, part] of parts.entries()) {
    const image = part.data;
    let sent = 0;
    if (opts.compress) {
      // Level 9, as esptool: the wire is the bottleneck, not the host.
      const packed = deflateSync(image, { level: 9 });
      const ratio = image.length / Math.max(1, packed.length);
      const blocks = await guard.run(loader.flashDeflBegin(image.length, packed.length, part.address));
      opts.onBlock?.(i, 0, 0);
      for (let seq = 0; seq < blocks; seq++) {
        const block = packed.subarray(seq * blockSize, Math.min(packed.length, (seq + 1) * blockSize));
        await guard.run(loader.flashDeflBlock(block, seq, timeoutFor(block.length * ratio)));
        sent += block.length;
        opts.onBlock?.(i, Math.min(image.length, Math.round(sent * ratio)), sent);
      }
      // Flag 1: stay in the loader; the app is started by our own reset afterwards.
      if (loader.IS_STUB) await guard.run(loader.flashDeflFinish(false, timeoutFor(blockSize * ratio)));
    } else {
      const blocks = await guard.run(loader.flashBegin(image.length, part.address));
      opts.onBlock?.(i, 0, 0);
      for (let seq = 0; seq < blocks; seq++) {
        let block = image.subarray(seq * blockSize, Math.min(image.length, (seq + 1) * blockSize));
        if (block.length < blockSize) {
          // The last block is padded with erased-flash bytes, as esptool does.
          const padded = new Uint8Array(blockSize).fill(0xff);
          padded.set(block);
          block = padded;
        }
        await guard.run(loader.flashBlock(block, seq, timeoutFor(blockSize)));
        sent += block.length;
        opts.onBlock?.(i, Math.min(image.length, sent), sent);
      }
      if (loader.IS_STUB) await guard.run(loader.flashFinish(false, timeoutFor(blockSize)));
    }
    sentPerPart.push(sent);
    if (opts.verify) {
      opts.onVerify?.(i);
      const expected = createHash('md5').update(image).digest('hex');
      const actual = await guard.run(loader.flashMd5sum(part.address, image.length));
      if (actual !== expected) {
        throw new VerifyFailedError(`verification failed: ${part.name} at 0x${part.address.toString(16)}: MD5 mismatch (flash ${actual}, image ${expected}); bad flash, power, or a corrupted transfer`);
      }
    }
  }
  return sentPerPart;
}
