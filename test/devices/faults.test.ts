// What goes wrong on a bench, and how it ends: a port that vanishes mid-flash, a board that
// never syncs, images that must never reach the board, a lying flash, a cancel.
import { describe, expect, it } from 'vitest';
import {
  BootloaderError,
  buildEsp8266Image,
  flashBoard,
  flashEsp,
  loadFlashPlan,
  NoSyncError,
  PortLostError,
  sampleFirmware,
  VerifyFailedError,
} from '../../src/devices';
import { BadRequestError, CancelledError } from '../../src/shared/errors';
import { boards, endpointOf, esp } from './helpers';

/** An ESP32 application image (extended header, chip id 0). */
function esp32Image(): Uint8Array {
  const seg = new Uint8Array(64).fill(0x11);
  const out = new Uint8Array(24 + 8 + seg.length + 16);
  out.set([0xe9, 1, 2, 0x20], 0);
  out.set([0xee, 0, 0, 0, 0, 0], 8);
  new DataView(out.buffer).setUint32(24, 0x3f400020, true);
  new DataView(out.buffer).setUint32(28, seg.length, true);
  out.set(seg, 32);
  let c = 0xef;
  for (const b of seg) c ^= b;
  out[(Math.floor((32 + seg.length) / 16) + 1) * 16 - 1] = c;
  return out.subarray(0, (Math.floor((32 + seg.length) / 16) + 1) * 16);
}

const WRITES = /[rs]:(02|03|10|11)/;

describe('faults', () => {
  it('a port that vanishes mid-flash ends with a clear error within 5 s', async () => {
    const set = await boards('esp8266:1', { pace: true });
    const board = set.boards[0]!;
    const image = sampleFirmware('unplugged', '1.0.0', 128 * 1024);
    let unpluggedAt = 0;
    const err = await flashEsp({
      endpoint: endpointOf(set),
      baud: 921600,
      parts: [{ name: 'fw', address: 0, data: image }],
      onProgress: (p) => {
        if (p.phase === 'writing' && p.written > 0 && !unpluggedAt) {
          unpluggedAt = Date.now();
          board.unplug();
        }
      },
    }).catch((e: Error) => e);
    const took = Date.now() - unpluggedAt;
    expect(unpluggedAt).toBeGreaterThan(0);
    expect(err).toBeInstanceOf(PortLostError);
    expect((err as Error).message).toMatch(/serial port virtual:esp8266-1 vanished.*unplugged/);
    expect(took).toBeLessThan(5000);
  });

  it('a board that never enters its bootloader: retries with resets, then names the likely causes', async () => {
    const set = await boards('esp8266:1', { esp8266: { faults: { noAutoReset: true }, heartbeatMs: 20 } });
    const image = sampleFirmware('nosync', '1.0.0', 4096);
    esp(set.boards[0]!).flash.write(0, image);
    const err = await flashEsp({ endpoint: endpointOf(set), parts: [{ name: 'fw', address: 0, data: image }], connectAttempts: 2 }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(NoSyncError);
    expect((err as Error).message).toMatch(/no answer from the ESP bootloader on virtual:esp8266-1\. Likely causes: \(1\) .*hold BOOT\/FLASH.*--before no_reset.*\(2\) .*cable.*\(3\)/);
  });

  it('a corrupt image is refused before any port is opened', async () => {
    const image = sampleFirmware('corrupt', '1.0.0', 4096);
    image[100]! ^= 0xff;
    await expect(loadFlashPlan(image, 'corrupt.bin')).rejects.toThrow(/corrupt.bin: checksum mismatch: stored 0x[0-9a-f]{2}, computed 0x[0-9a-f]{2}/);
    const truncated = sampleFirmware('short', '1.0.0', 4096).subarray(0, 2000);
    await expect(loadFlashPlan(truncated, 'short.bin')).rejects.toThrow(/short.bin: segment 0 truncated: needs \d+ bytes, file has 2000/);
  });

  it('a wrong-chip image never reaches the board, known or only connected', async () => {
    const set = await boards('esp8266:1');
    const board = set.boards[0]!;
    const plan = await loadFlashPlan(esp32Image(), 'esp32.bin', { address: 0x10000 });
    expect(plan.platform).toBe('esp32');
    // Known board (probed / virtual): refused before the port is opened.
    await expect(flashBoard({ endpoint: endpointOf(set), plan, board: { type: 'esp8266', chip: 'ESP8266EX' } })).rejects.toThrow(/esp32.bin is for esp32 but the board is esp8266; nothing was written/);
    expect(esp(board).loader.log).toEqual([]);
    // Unknown board: refused right after the chip is identified, before the stub or any write.
    const err = await flashBoard({ endpoint: endpointOf(set), plan }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as Error).message).toMatch(/built for esp32 but the board on virtual:esp8266-1 is an ESP8266EX; nothing was written/);
    expect(esp(board).loader.log.join(' ')).not.toMatch(/r:05|r:07/);
    expect(esp(board).loader.log.join(' ')).not.toMatch(WRITES);
  });

  it('an image that does not fit the detected flash is refused before writing', async () => {
    const set = await boards('esp8266:1', { esp8266: { flashSize: 512 << 10 } });
    const plan = await loadFlashPlan(sampleFirmware('big', '1.0.0', 600 * 1024), 'big.bin');
    const err = await flashBoard({ endpoint: endpointOf(set), plan }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/big.bin \(600 KiB at 0x0\) does not fit in the board's 512 KiB flash; nothing was written/);
    expect(esp(set.boards[0]!).loader.log.join(' ')).not.toMatch(WRITES);
  });

  it('a flash whose MD5 disagrees fails verification', async () => {
    const set = await boards('esp8266:1', { esp8266: { faults: { corruptMd5: true } } });
    const err = await flashEsp({ endpoint: endpointOf(set), parts: [{ name: 'fw', address: 0, data: sampleFirmware('md5', '1.0.0', 8192) }] }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(VerifyFailedError);
    expect((err as Error).message).toMatch(/MD5 mismatch/);
  });

  it('a write error inside the stub surfaces as an error, never as success', async () => {
    const set = await boards('esp8266:1', { esp8266: { faults: { failWriteAtBlock: 1 } } });
    const err = await flashEsp({ endpoint: endpointOf(set), parts: [{ name: 'fw', address: 0, data: sampleFirmware('werr', '1.0.0', 100_000) }] }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect([BootloaderError, VerifyFailedError].some((c) => err instanceof c)).toBe(true);
  });

  it('cancelling ends the flash at once with "cancelled"', async () => {
    const set = await boards('esp8266:1', { pace: true });
    const abort = new AbortController();
    let at = 0;
    const err = await flashEsp({
      endpoint: endpointOf(set),
      parts: [{ name: 'fw', address: 0, data: sampleFirmware('cancel', '1.0.0', 200_000) }],
      signal: abort.signal,
      onProgress: (p) => {
        if (p.phase === 'writing' && p.written > 0 && !at) {
          at = Date.now();
          abort.abort();
        }
      },
    }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect(Date.now() - at).toBeLessThan(2000);
  });

  it('a plain ESP8266 image with a bad header field is named precisely', async () => {
    const img = buildEsp8266Image({ segments: [{ address: 0x40100000, data: new Uint8Array(32) }], flashMode: 7 });
    await expect(loadFlashPlan(img, 'mode.bin')).rejects.toThrow(/mode.bin: flash mode 7 is not one of 0 QIO, 1 QOUT, 2 DIO, 3 DOUT/);
  });
});
