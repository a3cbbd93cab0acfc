// esptool-js 0.7.0, through our Node adapter, against the emulated ESP8266 in-process.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { flashBoard, flashEsp, loadFlashPlan, probeEsp, sampleFirmware } from '../../src/devices';
import { waitFor } from '../helpers/master';
import { appLine, boards, endpointOf, esp } from './helpers';

const md5 = (d: Uint8Array): string => createHash('md5').update(d).digest('hex');

describe('ESP8266 flashing with esptool-js', () => {
  it('writes compressed, verifies by MD5, resets into the app, which names what runs', async () => {
    const set = await boards('esp8266:1');
    const board = set.boards[0]!;
    const image = sampleFirmware('blinky', '1.2.3', 64 * 1024);
    const progress: number[] = [];
    const r = await flashEsp({ endpoint: endpointOf(set), parts: [{ name: 'fw.bin', address: 0, data: image }], onProgress: (p) => p.phase === 'writing' && progress.push(p.written) });
    expect(r).toMatchObject({ chip: 'ESP8266EX', platform: 'esp8266', mac: esp(board).mac, flashSize: 4 << 20, baud: 460800, reset: 'hard_reset' });
    expect(r.parts[0]!.md5).toBe(md5(image));
    expect(r.sentBytes).toBeLessThan(image.length);
    expect(Buffer.from(esp(board).flash.read(0, image.length)).equals(Buffer.from(image))).toBe(true);
    // Compressed path through the stub: FLASH_DEFL_BEGIN/DATA/END then SPI_FLASH_MD5.
    const log = esp(board).loader.log.join(' ');
    expect(log).toMatch(/r:06.*s:0f.*s:10 (s:11 )+s:12 s:13/);
    expect(progress.at(-1)).toBe(image.length);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(await appLine(board)).toBe(`app: name=blinky version=1.2.3 md5=${md5(image)} size=${image.length}`);
  });

  it('writes uncompressed at 921600 baud, two parts at their addresses', async () => {
    const set = await boards('esp8266:1');
    const board = set.boards[0]!;
    const app = sampleFirmware('two', '0.1.0', 8192);
    const data = new Uint8Array(5000).map((_, i) => i & 0xff);
    const r = await flashEsp({ endpoint: endpointOf(set), baud: 921600, compress: false, parts: [{ name: 'app', address: 0, data: app }, { name: 'data', address: 0x100000, data }] });
    expect(r.baud).toBe(921600);
    expect(esp(board).loader.log.join(' ')).toMatch(/s:02 (s:03 )+s:04 s:13/);
    expect(r.parts.map((p) => p.address)).toEqual([0, 0x100000]);
    // esptool-js pads to 4 bytes; the reported MD5 is of what the flash holds.
    expect(r.parts[1]!.size).toBe(5000);
    expect(md5(esp(board).flash.read(0x100000, 5000))).toBe(md5(data));
    const lines = await appLine(board).then(() => esp(board).appLines);
    expect(lines).toContain(`flash: 0x100000 size=5000 md5=${md5(data)}`);
  });

  it('flashes a plan through flashBoard and survives every unsupported-command reply style', async () => {
    for (const style of ['rom8', 'echo1'] as const) {
      const set = await boards('esp8266:1', { esp8266: { faults: { unsupportedReply: style } } });
      const image = sampleFirmware('styles', '1.0.0', 4096);
      const plan = await loadFlashPlan(image, 'fw.bin');
      const r = await flashBoard({ endpoint: endpointOf(set), plan, board: { type: 'esp8266', chip: 'ESP8266EX', flashSize: 4 << 20 } });
      expect(r.parts[0]).toMatchObject({ address: 0, md5: md5(image) });
      await appLine(set.boards[0]!);
    }
  });

  it('probes chip, MAC and flash size through the ROM and leaves the app running', async () => {
    const set = await boards('esp8266:1', { esp8266: { flashSize: 1 << 20, mac: 'ac:d0:74:01:02:03' } });
    const board = set.boards[0]!;
    const r = await probeEsp(endpointOf(set));
    expect(r).toEqual({ type: 'esp8266', chip: 'ESP8266EX', mac: 'ac:d0:74:01:02:03', flashSize: 1 << 20 });
    // No stub was needed to read the flash id.
    expect(esp(board).loader.log.join(' ')).not.toContain('r:05');
    // Blank flash: the ROM boots into nothing (halted), but it left the bootloader.
    await waitFor(() => esp(board).state === 'halted', 2000, 'the board to leave its bootloader');
  });

  it('reads flash back through the stub (READ_FLASH with acks)', async () => {
    const set = await boards('esp8266:1');
    const { EspSession } = await import('../../src/devices/esp/esp-session');
    const pattern = new Uint8Array(10_000).map((_, i) => (i * 7) & 0xff);
    esp(set.boards[0]!).flash.write(0x20000, pattern);
    const s = new EspSession({ endpoint: endpointOf(set) });
    try {
      await s.connect();
      await s.startStub();
      const back = await s.loader.readFlash(0x20000, pattern.length);
      expect(Buffer.from(back).equals(Buffer.from(pattern))).toBe(true);
    } finally {
      await s.close();
    }
  });
});
