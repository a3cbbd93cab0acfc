// Our CC3200 bootloader client against the emulated LaunchPad (RTS = nRESET, DTR = SOP2).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BootloaderError, flashBoard, flashCc3200, loadFlashPlan, NoSyncError, probeCc3200, sampleCc3200App } from '../../src/devices';
import { BadRequestError } from '../../src/shared/errors';
import { appLine, boards, cc, endpointOf } from './helpers';

const md5 = (d: Uint8Array): string => createHash('md5').update(d).digest('hex');
const FAST_SWITCH = 266_667; // 10 ms instead of the ROM's 1 s: the emulator honours the argument.

describe('CC3200 flashing with our client', () => {
  it('replaces /sys/mcuimg.bin, verifies by reading it back, and boots it', async () => {
    const set = await boards('cc3200:1');
    const board = set.boards[0]!;
    const old = sampleCc3200App('old', '0.0.1', 3000);
    cc(board).files.set('/sys/mcuimg.bin', { data: old, size: old.length, alloc: 4096 });
    const app = sampleCc3200App('ccapp', '3.1.4', 20_000);
    const phases = new Set<string>();
    const r = await flashCc3200({ endpoint: endpointOf(set), files: [{ name: 'app', file: '/sys/mcuimg.bin', data: app }], switchDelayTicks: FAST_SWITCH, onProgress: (p) => phases.add(p.phase) });
    expect(r.bootloader).toBe('0.4.1.2');
    expect(r.files[0]).toMatchObject({ file: '/sys/mcuimg.bin', size: 20_000, md5: md5(app) });
    expect([...phases]).toEqual(['connecting', 'writing', 'verifying', 'resetting', 'done']);
    // Break → version → switch to the NWP loader → version → file info → erase (it existed) → upload.
    const log = cc(board).log.join(' ');
    expect(log).toMatch(/^2f 33 2f 2a 2e 23 21 (24 23 )+22 23 21 (2b )+22 23$/);
    expect(cc(board).stage).toBe('nwp');
    expect(await appLine(board)).toBe(`app: name=ccapp version=3.1.4 md5=${md5(app)} size=20000`);
  });

  it('writes every file of a bundle plan in order', async () => {
    const set = await boards('cc3200:1');
    const app = sampleCc3200App('bundle-app', '1.0.0', 5000);
    const cfg = new Uint8Array(300).fill(7);
    const { zipSync, strToU8 } = await import('fflate');
    const manifest = { name: 'demo', platform: 'cc3200', version: '1.0.0', parts: { cfg: { src: 'cfg.bin', name: '/cert/ca.pem', type: 'slfile' }, app: { src: 'app.bin', type: 'app' } } };
    const zip = zipSync({ 'manifest.json': strToU8(JSON.stringify(manifest)), 'app.bin': app, 'cfg.bin': cfg });
    const plan = await loadFlashPlan(zip, 'demo.zip');
    expect(plan.parts.map((p) => p.file)).toEqual(['/sys/mcuimg.bin', '/cert/ca.pem']);
    await flashBoard({ endpoint: endpointOf(set), plan, cc3200: { switchDelayTicks: FAST_SWITCH } });
    expect(cc(set.boards[0]!).files.get('/cert/ca.pem')!.size).toBe(300);
  });

  it('probes the bootloader version and leaves the app running', async () => {
    const set = await boards('cc3200:1');
    expect(await probeCc3200(endpointOf(set))).toEqual({ type: 'cc3200', chip: 'CC3200', bootloader: '0.4.1.2' });
  });

  it('refuses an old bootloader with a message that says what to do', async () => {
    const set = await boards('cc3200:1', { cc3200: { faults: { oldBootloader: true } } });
    const err = await flashCc3200({ endpoint: endpointOf(set), files: [{ name: 'a', file: '/sys/mcuimg.bin', data: sampleCc3200App('x', '1.0', 512) }], switchDelayTicks: FAST_SWITCH }).catch((e) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect(err.message).toMatch(/bootloader 0\.3\.0\.0 is too old.*UniFlash/);
  });

  it('reports a failed chunk write with the bootloader status', async () => {
    const set = await boards('cc3200:1', { cc3200: { faults: { failChunk: 1 } } });
    const err = await flashCc3200({ endpoint: endpointOf(set), files: [{ name: 'a', file: '/sys/mcuimg.bin', data: sampleCc3200App('x', '1.0', 10_000) }], switchDelayTicks: FAST_SWITCH }).catch((e) => e);
    expect(err).toBeInstanceOf(BootloaderError);
    expect(err.message).toMatch(/write \/sys\/mcuimg.bin at offset 4096 failed: bootloader status 0x44 \(flash write failed\)/);
  });

  it('gives up on a board that never ACKs a break, naming the likely causes', async () => {
    const set = await boards('cc3200:1', { cc3200: { faults: { noBreakAck: true } } });
    const err = await flashCc3200({ endpoint: endpointOf(set), files: [{ name: 'a', file: '/sys/mcuimg.bin', data: sampleCc3200App('x', '1.0', 512) }], breakAttempts: 2 }).catch((e) => e);
    expect(err).toBeInstanceOf(NoSyncError);
    expect(err.message).toMatch(/after 2 breaks.*SOP2/);
  });
});
