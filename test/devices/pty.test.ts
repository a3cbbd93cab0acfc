// The same clients over real kernel ttys: each emulated board sits behind a socat pty pair and
// is opened with serialport's native binding. A pty carries no DTR/RTS/break, so the ESP
// starts in its bootloader and leaves it through the stub (soft reset), and the CC3200 takes
// a NUL byte for a break.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { flashBoard, flashEsp, loadFlashPlan, nativeEndpoint, sampleCc3200App, sampleFirmware, SerialMonitor, type MonitorLine } from '../../src/devices';
import { waitFor } from '../helpers/master';
import { appLine, boards, esp } from './helpers';
import { flashWithTasmota } from './peers/tasmota-peer';

const md5 = (d: Uint8Array): string => createHash('md5').update(d).digest('hex');

describe('virtual boards on ptys', () => {
  it('esptool-js flashes an ESP8266 over a pty; the app line arrives over the pty', async () => {
    const set = await boards('esp8266:1', { transport: 'pty' });
    const board = set.boards[0]!;
    expect(board.path).toMatch(/esp8266-1$/);
    const image = sampleFirmware('over-pty', '2.0.0', 32 * 1024);
    const logs: string[] = [];
    const r = await flashEsp({ endpoint: nativeEndpoint(board.path), parts: [{ name: 'fw', address: 0, data: image }], before: 'no_reset', after: 'hard_reset', log: (l) => logs.push(l) });
    expect(r.reset).toBe('soft_reset');
    expect(logs.join('\n')).toMatch(/no DTR\/RTS/);
    expect(md5(esp(board).flash.read(0, image.length))).toBe(md5(image));
    // Listen on the client end of the pty as a console would.
    const lines: MonitorLine[] = [];
    const monitor = new SerialMonitor({ resolve: () => nativeEndpoint(board.path), baud: 115200 });
    monitor.on('line', (l) => lines.push(l));
    await monitor.start();
    try {
      await board.reset('app');
      await waitFor(() => lines.some((l) => l.text === `app: name=over-pty version=2.0.0 md5=${md5(image)} size=${image.length}`), 5000, 'the app line on the pty');
      expect(lines.every((l) => l.time instanceof Date)).toBe(true);
    } finally {
      await monitor.stop();
    }
    // A SYNC puts the running app back into the bootloader: flash again without any line.
    const again = sampleFirmware('over-pty', '2.0.1', 16 * 1024);
    await flashEsp({ endpoint: nativeEndpoint(board.path), parts: [{ name: 'fw', address: 0, data: again }], before: 'no_reset', after: 'no_reset' });
    expect(md5(esp(board).flash.read(0, again.length))).toBe(md5(again));
  });

  it('tasmota-webserial-esptool flashes over a pty too', async () => {
    const set = await boards('esp8266:1', { transport: 'pty' });
    const board = set.boards[0]!;
    const image = sampleFirmware('tasmota-pty', '1.0.0', 24 * 1024);
    await flashWithTasmota(nativeEndpoint(board.path), image, 460800, { pty: true });
    expect(md5(esp(board).flash.read(0, image.length))).toBe(md5(image));
  });

  it('our CC3200 client writes /sys/mcuimg.bin over a pty', async () => {
    const set = await boards('cc3200:1', { transport: 'pty' });
    const board = set.boards[0]!;
    const app = sampleCc3200App('cc-pty', '1.1.0', 9000);
    const plan = await loadFlashPlan(app, 'mcuimg.bin', { platform: 'cc3200' });
    const r = await flashBoard({ endpoint: nativeEndpoint(board.path), plan, cc3200: { switchDelayTicks: 266_667 } });
    expect(r.parts[0]).toMatchObject({ file: '/sys/mcuimg.bin', size: 9000, md5: md5(app) });
    await board.reset('app');
    expect(await appLine(board)).toBe(`app: name=cc-pty version=1.1.0 md5=${md5(app)} size=9000`);
  });
});
