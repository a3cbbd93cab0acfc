// A second, independently written client against the same emulator: tasmota-webserial-esptool
// (different stub, block sizes, reset calls and command order than esptool-js).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sampleFirmware } from '../../src/devices';
import { appLine, boards, endpointOf, esp } from './helpers';
import { flashWithTasmota } from './peers/tasmota-peer';

const md5 = (d: Uint8Array): string => createHash('md5').update(d).digest('hex');

describe('tasmota-webserial-esptool as a second peer', () => {
  it('syncs, uploads its stub, raises the baud rate, writes compressed data byte-exact and resets into the app', async () => {
    const set = await boards('esp8266:1');
    const board = set.boards[0]!;
    const image = sampleFirmware('tasmota-peer', '7.3.7', 40 * 1024);
    const r = await flashWithTasmota(endpointOf(set), image, 460800);
    expect(r.chip).toBe('ESP8266');
    expect(r.mac).toBe(esp(board).mac);
    expect(Buffer.from(esp(board).flash.read(0, image.length)).equals(Buffer.from(image))).toBe(true);
    expect(esp(board).loader.log.join(' ')).toMatch(/s:0f.*s:10 (s:11 )+s:02 s:12/);
    expect(await appLine(board)).toBe(`app: name=tasmota-peer version=7.3.7 md5=${md5(image)} size=${image.length}`);
  });
});
