// tasmota-webserial-esptool 7.3.7: an independently written ESP flasher, used as a second
// peer for the emulator (tests) and as the yardstick of `npm run bench:flash`. Its dist uses
// extension-less ESM imports that Node cannot load, so it is bundled with esbuild for Node
// once per process (reference §6). Test-only: it ships a GPL stub, never in the product.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import type { SerialEndpoint } from '../../../src/devices/serial/open-port';
import { NodeWebSerialPort } from '../../../src/devices/serial/web-serial-port';

interface TasmotaLogger {
  log(msg: string, ...args: unknown[]): void;
  error(msg: string, ...args: unknown[]): void;
  debug(msg: string, ...args: unknown[]): void;
}

interface TasmotaLoader {
  initialize(): Promise<void>;
  chipName: string | null;
  macAddr(): number[];
  runStub(): Promise<TasmotaLoader>;
  setBaudrate(baud: number): Promise<void>;
  flashData(data: ArrayBuffer, progress: (written: number, total: number) => void, offset: number, compress: boolean): Promise<void>;
  hardReset(bootloader: boolean): Promise<void>;
  disconnect(): Promise<void>;
}

interface TasmotaModule {
  ESPLoader: new (port: unknown, logger: TasmotaLogger) => TasmotaLoader;
}

let loaded: Promise<TasmotaModule> | undefined;

export function loadTasmota(): Promise<TasmotaModule> {
  loaded ??= (async () => {
    const require = createRequire(import.meta.url);
    const entry = require.resolve('tasmota-webserial-esptool');
    const dir = mkdtempSync(join(tmpdir(), 'ourci-tasmota-'));
    const outfile = join(dir, 'tasmota.mjs');
    try {
      await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', outfile, logLevel: 'error', target: 'node20' });
      return (await import(pathToFileURL(outfile).href)) as TasmotaModule;
    } finally {
      // Loaded modules stay in memory; the file is not needed once imported.
      rmSync(dir, { recursive: true, force: true });
    }
  })();
  return loaded;
}

export interface TasmotaFlashResult {
  chip: string | null;
  mac: string;
  /** Reset, sync, stub and baud change. */
  connectMs: number;
  /** From the start to the last block acknowledged (tasmota does not verify). */
  writeMs: number;
  /** Including its hard reset, which sleeps 1 s after pulsing EN. */
  totalMs: number;
}

/** Flashes `image` at 0x0 the way tasmota's web flasher does: stub, baud change, compressed. */
export async function flashWithTasmota(
  endpoint: SerialEndpoint,
  image: Uint8Array,
  baud: number,
  opts: { log?: (line: string) => void; pty?: boolean } = {},
): Promise<TasmotaFlashResult> {
  const { ESPLoader } = await loadTasmota();
  const log = opts.log ?? (() => {});
  const started = Date.now();
  // On a pty its DTR/RTS calls cannot work; the emulated board waits in its bootloader instead.
  const port = new NodeWebSerialPort(endpoint, { usbVendorId: 0x10c4, usbProductId: 0xea60 }, { ignoreLineErrors: opts.pty });
  await port.open({ baudRate: 115200 });
  const logger: TasmotaLogger = { log: (m) => log(m), error: (m) => log(`error: ${m}`), debug: () => {} };
  const loader = new ESPLoader(port, logger);
  try {
    await loader.initialize();
    const stub = await loader.runStub();
    if (baud !== 115200) await stub.setBaudrate(baud);
    const connectMs = Date.now() - started;
    const buffer = image.buffer.slice(image.byteOffset, image.byteOffset + image.byteLength) as ArrayBuffer;
    await stub.flashData(buffer, () => {}, 0, true);
    const writeMs = Date.now() - started;
    await stub.hardReset(false);
    const mac = loader.macAddr().map((b) => b.toString(16).padStart(2, '0')).join(':');
    return { chip: loader.chipName, mac, connectMs, writeMs, totalMs: Date.now() - started };
  } finally {
    await loader.disconnect().catch(() => {});
    await port.close().catch(() => {});
  }
}
