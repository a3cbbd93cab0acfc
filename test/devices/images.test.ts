// Image and bundle validation: what is refused, and that the message says what is wrong.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { strToU8, zipSync } from 'fflate';
import { create as tarCreate } from 'tar';
import { describe, expect, it } from 'vitest';
import { appInfoOf, buildEsp8266Image, checkPlanForBoard, loadFlashPlan, parseEspImage, sampleCc3200App, sampleFirmware } from '../../src/devices';
import { tempDir } from '../helpers/master';

const sha = (algo: string, d: Uint8Array): string => createHash(algo).update(d).digest('hex');

function bundleZip(manifest: unknown, files: Record<string, Uint8Array>): Uint8Array {
  return zipSync({ 'manifest.json': strToU8(JSON.stringify(manifest)), ...files });
}

describe('ESP images', () => {
  it('parses a v1 image: header, segments, checksum, declared flash size, app descriptor', () => {
    const img = sampleFirmware('parse-me', '4.5.6', 8192);
    const info = parseEspImage(img);
    expect(info).toMatchObject({ format: 'esp8266-v1', platform: 'esp8266', flashMode: 2, declaredFlashSize: 4 << 20, entry: 0x40100004, length: 8192, warnings: [] });
    expect(info.segments.at(-1)).toMatchObject({ address: 0x3ffe8000, length: 256 });
    expect(appInfoOf(img)).toEqual({ name: 'parse-me', version: '4.5.6' });
  });

  it('names each defect precisely', () => {
    const good = sampleFirmware('x', '1.0.0', 2048);
    const cases: Array<[(d: Uint8Array) => Uint8Array, RegExp]> = [
      [(d) => d.subarray(0, 8), /too short for an image \(8 bytes\)/],
      [(d) => Uint8Array.from(d, (b, i) => (i === 0 ? 0x7f : b)), /not an ESP image: magic 0x7f \(expected 0xe9\)/],
      [(d) => Uint8Array.from(d, (b, i) => (i === 1 ? 0 : b)), /segment count 0 is out of range 1\.\.16/],
      [(d) => Uint8Array.from(d, (b, i) => (i === 3 ? 0x70 : b)), /flash size code 7 in the header is invalid/],
      [(d) => Uint8Array.from(d, (b, i) => (i === 3 ? 0x45 : b)), /flash frequency code 0x5 in the header is invalid/],
      [(d) => d.subarray(0, 1000), /segment 0 truncated: needs \d+ bytes, file has 1000/],
      [(d) => Uint8Array.from(d, (b, i) => (i === d.length - 1 ? b ^ 1 : b)), /checksum mismatch: stored 0x[0-9a-f]{2}, computed 0x[0-9a-f]{2}/],
    ];
    for (const [mutate, message] of cases) expect(() => parseEspImage(mutate(good), { name: 'fw.bin' })).toThrow(message);
  });

  it('checks a v2 (0xEA) image including its CRC32', () => {
    const inner = buildEsp8266Image({ segments: [{ address: 0x40100000, data: new Uint8Array(48).fill(3) }] });
    const irom = new Uint8Array(64).fill(9);
    const head = new Uint8Array(16);
    head.set([0xea, 4, 2, 0x40]);
    new DataView(head.buffer).setUint32(12, irom.length, true);
    const body = new Uint8Array([...head, ...irom, ...inner]);
    const crc = crc32(body);
    const stored = (crc & 0x80000000 ? crc ^ 0xffffffff : crc + 1) >>> 0;
    const img = new Uint8Array(body.length + 4);
    img.set(body);
    new DataView(img.buffer).setUint32(body.length, stored, true);
    expect(parseEspImage(img).format).toBe('esp8266-v2');
    img[20]! ^= 1;
    expect(() => parseEspImage(img)).toThrow(/CRC32 mismatch/);
  });
});

describe('flash plans', () => {
  it('a raw ESP8266 image goes to 0x0; other chips and raw data need --addr', async () => {
    const plan = await loadFlashPlan(sampleFirmware('raw', '1.0.0', 4096), 'raw.bin');
    expect(plan).toMatchObject({ platform: 'esp8266', name: 'raw', version: '1.0.0', parts: [{ address: 0, type: 'app' }] });
    await expect(loadFlashPlan(new Uint8Array(100).fill(0x55), 'fs.bin')).rejects.toThrow(/neither a firmware image nor a bundle \(it starts with 0x55555555\).*give --addr/);
    const data = await loadFlashPlan(new Uint8Array(100).fill(0x55), 'fs.bin', { address: 0x300000 });
    expect(data.parts[0]).toMatchObject({ address: 0x300000, type: 'data' });
    await expect(loadFlashPlan(new Uint8Array(100), 'fs.bin', { address: 0x300001 })).rejects.toThrow(/starts at 0x300001, not on a 4 KiB sector boundary/);
  });

  it('a raw CC3200 app is recognised and goes to /sys/mcuimg.bin', async () => {
    const plan = await loadFlashPlan(sampleCc3200App('cc', '1.2.0', 4000), 'app.bin');
    expect(plan).toMatchObject({ platform: 'cc3200', name: 'cc', version: '1.2.0', parts: [{ file: '/sys/mcuimg.bin' }] });
    const bad = sampleCc3200App('cc', '1.2.0', 4000);
    bad[3] = 0x40;
    await expect(loadFlashPlan(bad, 'app.bin', { platform: 'cc3200' })).rejects.toThrow(/initial stack pointer 0x40030000 is outside SRAM/);
  });

  it('reads a zip bundle: parts by base name, fill parts, sys_params at the end of flash, checksums', async () => {
    const boot = sampleFirmware('rboot', '1.0.0', 2048);
    const fw = sampleFirmware('app', '2.0.0', 8192);
    const manifest = {
      name: 'demo',
      platform: 'esp8266',
      version: '2.0.0',
      parts: {
        boot: { src: 'boot.bin', addr: 0, type: 'boot', cs_sha1: sha('sha1', boot) },
        boot_cfg: { type: 'boot_cfg', addr: '0x7000', fill: 255, size: 4096 },
        fw: { src: 'out/fw.bin', addr: 0x8000, type: 'fw', cs_sha256: sha('sha256', fw) },
        sys_params: { type: 'sys_params', fill: 0, size: 16384 },
        notes: { src: 'README', addr: 0x200000, flash: false },
      },
    };
    const plan = await loadFlashPlan(bundleZip(manifest, { 'boot.bin': boot, 'dir/fw.bin': fw }), 'demo.zip');
    expect(plan).toMatchObject({ platform: 'esp8266', name: 'demo', version: '2.0.0' });
    expect(plan.parts.map((p) => [p.name, p.address])).toEqual([['boot', 0], ['boot_cfg', 0x7000], ['fw', 0x8000], ['sys_params', undefined]]);
    const placed = checkPlanForBoard(plan, { platform: 'esp8266', flashSize: 4 << 20 });
    expect(placed.find((p) => p.name === 'sys_params')!.address).toBe((4 << 20) - 16384);
    const broken = { ...manifest, parts: { ...manifest.parts, fw: { ...manifest.parts.fw, cs_sha256: '0'.repeat(64) } } };
    await expect(loadFlashPlan(bundleZip(broken, { 'boot.bin': boot, 'fw.bin': fw }), 'demo.zip')).rejects.toThrow(/part "fw" \(out\/fw.bin\) does not match its cs_sha256: the bundle is corrupt/);
  });

  it('reads a tar.gz bundle with its files in a folder', async () => {
    const dir = tempDir('ourci-bundle-');
    mkdirSync(join(dir, 'build'));
    const fw = sampleFirmware('tgz', '0.3.0', 4096);
    writeFileSync(join(dir, 'build', 'fw.bin'), fw);
    writeFileSync(join(dir, 'build', 'manifest.json'), JSON.stringify({ platform: 'esp8266', parts: { fw: { src: 'fw.bin', addr: 0 } } }));
    await tarCreate({ gzip: true, cwd: dir, file: join(dir, 'b.tgz') }, ['build']);
    const plan = await loadFlashPlan(new Uint8Array(readFileSync(join(dir, 'b.tgz'))), 'b.tgz');
    expect(plan).toMatchObject({ platform: 'esp8266', name: 'tgz', version: '0.3.0', parts: [{ name: 'fw', address: 0 }] });
  });

  it('refuses bad bundles with the reason', async () => {
    const fw = sampleFirmware('a', '1.0.0', 4096);
    const cases: Array<[Uint8Array, RegExp]> = [
      [zipSync({ 'fw.bin': fw }), /no manifest.json in the bundle \(entries: fw.bin\)/],
      [zipSync({ 'manifest.json': strToU8('{nope') }), /manifest.json is not valid JSON/],
      [bundleZip({ parts: {} }, {}), /manifest.json is invalid: platform: /],
      [bundleZip({ platform: 'avr', parts: { a: { src: 'fw.bin', addr: 0 } } }, { 'fw.bin': fw }), /platform "avr" is not supported/],
      [bundleZip({ platform: 'esp8266', parts: { a: { src: 'missing.bin', addr: 0 } } }, {}), /part "a" names missing.bin, which is not in the bundle/],
      [bundleZip({ platform: 'esp8266', parts: { a: { src: 'fw.bin' } } }, { 'fw.bin': fw }), /part "a" has no "addr"/],
      [bundleZip({ platform: 'esp8266', parts: { a: { src: 'fw.bin', addr: 0 }, b: { src: 'big.bin', addr: 0x1000 } } }, { 'fw.bin': sampleFirmware('a', '1.0.0', 8192), 'big.bin': fw }), /parts "a" \(0x0\.\.0x2000\) and "b" \(from 0x1000\) overlap/],
      [bundleZip({ platform: 'esp32', parts: { a: { src: 'fw.bin', addr: 0x1000, type: 'boot' } } }, { 'fw.bin': fw }), /segment|checksum|chip id/],
      [new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0]), /not a readable tar.gz/],
    ];
    for (const [bytes, message] of cases) await expect(loadFlashPlan(bytes, 'b.zip')).rejects.toThrow(message);
  });

  it('checks a plan against the board: type, flash size, the ESP8266 system area, the declared size', async () => {
    const plan = await loadFlashPlan(sampleFirmware('s', '1.0.0', 4096), 'fw.bin');
    expect(() => checkPlanForBoard(plan, { platform: 'cc3200' })).toThrow(/fw.bin is for esp8266 but the board is cc3200; nothing was written/);
    // The sample declares 4 MB in its header.
    expect(() => checkPlanForBoard(plan, { platform: 'esp8266', flashSize: 1 << 20 })).toThrow(/declares 4 MiB of flash in its header, the board has 1 MiB/);
    const data = await loadFlashPlan(new Uint8Array(8192), 'tail.bin', { address: (1 << 20) - 8192 });
    expect(() => checkPlanForBoard(data, { platform: 'esp8266', flashSize: 1 << 20 })).toThrow(/reaches into the last 16 KiB of flash/);
  });
});
