// Discovery from canned `udevadm info -e` output of a bench (CP2102 and CH340 NodeMCUs, a
// CC3200 LaunchXL, an ESP32-C3 on its own USB), merged with virtual boards; probing; ids that
// survive replugs; a machine where listing fails.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cannedUdevadm, Discovery, udevadmSource, virtualSource, type Board, type ListSource } from '../../src/devices';
import { watchUsb } from '../../src/devices/discovery/usb-hotplug';
import { waitFor } from '../helpers/master';
import { boards } from './helpers';

const BENCH = readFileSync(new URL('../fixtures/devices/udevadm-bench.txt', import.meta.url), 'utf8');

/** A udevadm source whose output the test can change between scans (plug, unplug, renumber). */
function mutableUdevadm(text: string): ListSource & { text: string } {
  const src = { text } as ListSource & { text: string };
  const inner = (): ListSource => udevadmSource(cannedUdevadm(src.text));
  return Object.assign(src, { name: 'udevadm', list: () => inner().list(), binding: inner().binding });
}

function blockOf(text: string, dev: string): string {
  return text.split('\n\n').find((b) => b.includes(`N: ${dev}\n`))!;
}

async function started(d: Discovery): Promise<Discovery> {
  await d.start();
  return d;
}

describe('discovery', () => {
  it('identifies boards by USB ids from real udevadm output, without probing', async () => {
    const d = await started(new Discovery({ sources: [udevadmSource(cannedUdevadm(BENCH))], probe: false, usbHotplug: false }));
    try {
      const list = d.boards();
      expect(list.map((b) => [b.id, b.type, b.port, b.stableId, b.usb?.bridge])).toEqual([
        ['cc3200-cc3101', 'cc3200', '/dev/ttyUSB2', true, 'FT2232 (CC3200-LAUNCHXL)'],
        ['esp32-84-f7-03-12-34-56', 'esp32', '/dev/ttyACM0', true, 'Espressif USB-Serial/JTAG'],
        // CP2102 clones all say "0001", the CH340 has no serial: the port name is all there is.
        ['esp8266-ttyusb0', 'esp8266', '/dev/ttyUSB0', false, 'CP210x'],
        ['esp8266-ttyusb1', 'esp8266', '/dev/ttyUSB1', false, 'CH340'],
        ['esp8266-ttyusb3', 'esp8266', '/dev/ttyUSB3', false, 'CP210x'],
      ]);
      expect(d.find('cc3200-cc3101')!.usb).toMatchObject({ vendorId: '0451', productId: 'c32a', serialNumber: 'cc3101', manufacturer: 'Texas Instruments', pnpId: 'usb-Texas_Instruments_CC3200LP_Dual_Port_cc3101-if01-port0' });
      expect(d.status().enumeration).toBe('ok');
    } finally {
      d.stop();
    }
    const all = await started(new Discovery({ sources: [udevadmSource(cannedUdevadm(BENCH))], probe: false, includeUnknown: true, usbHotplug: false }));
    expect(all.find('/dev/ttyS0')).toMatchObject({ id: 'unknown-ttys0', type: 'unknown' });
    all.stop();
  });

  it('probes new boards once and keeps their MAC-based id across a replug onto another port', async () => {
    const src = mutableUdevadm(BENCH);
    const macs: Record<string, string> = { '/dev/ttyUSB0': '5c:cf:7f:00:00:01', '/dev/ttyUSB1': '5c:cf:7f:00:00:02', '/dev/ttyUSB3': '5c:cf:7f:00:00:03' };
    const probed: string[] = [];
    const d = new Discovery({
      sources: [src],
      usbHotplug: false,
      prober: async (endpoint, guess) => {
        probed.push(endpoint.path);
        if (guess === 'cc3200') return { type: 'cc3200', chip: 'CC3200', bootloader: '0.4.1.2' };
        if (guess === 'esp32') throw new Error('no sync');
        return { type: 'esp8266', chip: 'ESP8266EX', mac: macs[endpoint.path], flashSize: 4 << 20 };
      },
    });
    const events: Array<[string, string]> = [];
    d.on('added', (b: Board) => events.push(['added', b.id]));
    d.on('removed', (b: Board) => events.push(['removed', b.id]));
    await d.start();
    try {
      expect(d.find('esp8266-5ccf7f000001')).toMatchObject({ port: '/dev/ttyUSB0', chip: 'ESP8266EX', flashSize: 4 << 20, stableId: true, probe: { ok: true } });
      expect(d.find('/dev/ttyACM0')).toMatchObject({ id: 'esp32-84-f7-03-12-34-56', probe: { ok: false, error: 'no sync' } });
      const firstProbes = probed.length;
      await d.rescan();
      expect(probed.length).toBe(firstProbes);
      // Unplug the first NodeMCU; it comes back as ttyUSB4.
      src.text = BENCH.replace(blockOf(BENCH, 'ttyUSB0'), '');
      await d.rescan();
      expect(events.at(-1)).toEqual(['removed', 'esp8266-5ccf7f000001']);
      macs['/dev/ttyUSB4'] = '5c:cf:7f:00:00:01';
      src.text = `${src.text}\n\n${blockOf(BENCH, 'ttyUSB0').replaceAll('ttyUSB0', 'ttyUSB4')}`;
      await d.rescan();
      expect(events.at(-1)).toEqual(['added', 'esp8266-5ccf7f000001']);
      expect(d.find('esp8266-5ccf7f000001')!.port).toBe('/dev/ttyUSB4');
    } finally {
      d.stop();
    }
  });

  it('two boards claiming one identity are both kept', async () => {
    const twin = blockOf(BENCH, 'ttyUSB2').replaceAll('ttyUSB2', 'ttyUSB7').replace('usb-0:4:1.1', 'usb-0:7:1.1');
    const d = await started(new Discovery({ sources: [udevadmSource(cannedUdevadm(`${BENCH}\n\n${twin}\n`))], probe: false, usbHotplug: false }));
    expect(d.boards().filter((b) => b.type === 'cc3200').map((b) => [b.id, b.stableId])).toEqual([
      ['cc3200-cc3101', true],
      ['cc3200-cc3101-ttyusb7', false],
    ]);
    d.stop();
  });

  it('a failing list() is "enumeration unavailable", not a crash; other sources still count', async () => {
    const set = await boards('esp8266:1,cc3200:1');
    const enoent = Object.assign(new Error('spawn udevadm ENOENT'), { code: 'ENOENT' });
    const d = await started(new Discovery({ sources: [udevadmSource(cannedUdevadm('', enoent)), virtualSource(set)], usbHotplug: false }));
    try {
      expect(d.status()).toMatchObject({ enumeration: 'unavailable', error: expect.stringMatching(/udevadm: spawn udevadm ENOENT \(install the "udev" package/) });
      expect(d.boards().map((b) => b.id)).toEqual(['cc3200-virt1', 'esp8266-18fe347e0001']);
    } finally {
      d.stop();
    }
  });

  it('merges virtual boards, which come and go with their cable, under the same id', async () => {
    const set = await boards('esp8266:2');
    const d = await started(new Discovery({ sources: [udevadmSource(cannedUdevadm(BENCH)), virtualSource(set)], probe: false, usbHotplug: false }));
    try {
      const virtual = d.boards().filter((b) => b.virtual);
      expect(virtual.map((b) => b.id)).toEqual(set.boards.map((b) => b.id));
      expect(virtual[0]).toMatchObject({ type: 'esp8266', chip: 'ESP8266EX', mac: '18:fe:34:7e:00:01', flashSize: 4 << 20, port: 'virtual:esp8266-1' });
      set.boards[0]!.unplug();
      await d.rescan();
      expect(d.find(set.boards[0]!.id)).toBeUndefined();
      set.boards[0]!.plug();
      await d.rescan();
      expect(d.find(set.boards[0]!.id)?.port).toBe('virtual:esp8266-1');
    } finally {
      d.stop();
    }
  });

  it('probes for real: esptool-js against an ESP8266 and our client against a CC3200, by USB ids', async () => {
    const set = await boards('esp8266:1,cc3200:1');
    // The same boards, but listed as plain USB ports: nothing known until probed.
    const unknown: ListSource = { name: 'usb', list: async () => set.list(), binding: set.binding };
    const d = await started(new Discovery({ sources: [unknown], usbHotplug: false }));
    try {
      expect(d.boards()).toMatchObject([
        { id: 'cc3200-virt1', type: 'cc3200', chip: 'CC3200', bootloader: '0.4.1.2', probe: { ok: true } },
        { id: 'esp8266-18fe347e0001', type: 'esp8266', chip: 'ESP8266EX', mac: '18:fe:34:7e:00:01', flashSize: 4 << 20, stableId: true },
      ]);
    } finally {
      d.stop();
    }
  });

  it('polls on its own and reports boards as they appear', async () => {
    const src = mutableUdevadm('');
    const d = await started(new Discovery({ sources: [src], probe: false, intervalMs: 50, usbHotplug: false }));
    try {
      src.text = BENCH;
      await waitFor(() => d.boards().length === 5, 5000, 'the poll to find the boards');
    } finally {
      d.stop();
    }
  });

  it('USB hot-plug is a no-op on a machine without a USB bus', async () => {
    const log: string[] = [];
    const stop = await watchUsb(() => {}, (l) => log.push(l));
    stop();
    expect(log.length).toBeLessThanOrEqual(1);
  });
});
