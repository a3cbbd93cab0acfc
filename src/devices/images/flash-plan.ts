// What to write where: a raw image (.bin + address) or a bundle (zip / tar.gz + manifest)
// turned into a validated plan before any port is opened. Every rule that can be checked
// without the board is checked here; the rest (flash size) by checkPlanForBoard once the
// board is known, still before the first byte is written.
import { createHash } from 'node:crypto';
import { BadRequestError } from '../../shared/errors';
import { chipByPlatform, isEspPlatform } from '../esp/chips';
import { appInfoOf } from './app-info';
import { isGzip, isZip, readBundle, type Manifest, type ManifestPart } from './bundle';
import { looksLikeCc3200App, validateCc3200App } from './cc3200-image';
import { formatSize, parseEspImage } from './esp-image';

export interface PlanPart {
  name: string;
  data: Uint8Array;
  /** ESP: flash offset. */
  address?: number;
  /** ESP: placed this many bytes before the end of flash (sys_params), resolved on the board. */
  placeAtEnd?: number;
  /** CC3200: SimpleLink file name, e.g. /sys/mcuimg.bin. */
  file?: string;
  type?: string;
  /** CC3200: bytes to allocate for the file (room to grow for OTA). */
  falloc?: number;
}

export interface FlashPlan {
  /** Where it came from (a file name, JOB/BLOB). */
  source: string;
  /** esp8266, esp32, esp32c3 …, or cc3200. */
  platform: string;
  name?: string;
  version?: string;
  parts: PlanPart[];
  warnings: string[];
}

export interface PlanOptions {
  /** Flash offset for a raw ESP file. */
  address?: number;
  /** Board type when known (esp8266, cc3200 …): a raw file is read as that, a bundle must match it. */
  platform?: string;
  /** SimpleLink file a raw CC3200 image goes to (default /sys/mcuimg.bin). */
  file?: string;
}

export const CC3200_APP_FILE = '/sys/mcuimg.bin';
const SECTOR = 4096;
/** ESP8266 keeps its RF calibration and system parameters in the last 16 KiB of flash. */
const ESP8266_SYS_PARAMS = 16 << 10;

const hex = (n: number): string => `0x${n.toString(16)}`;

function samePlatform(a: string, b: string): boolean {
  return (chipByPlatform(a)?.platform ?? a.toLowerCase()) === (chipByPlatform(b)?.platform ?? b.toLowerCase());
}

export async function loadFlashPlan(data: Uint8Array, source: string, opts: PlanOptions = {}): Promise<FlashPlan> {
  const plan = isZip(data) || isGzip(data) ? planFromBundle(await readBundle(data, source), source) : planFromRaw(data, source, opts);
  if (opts.platform && !samePlatform(plan.platform, opts.platform)) {
    throw new BadRequestError(`${source} is for ${plan.platform} but the board is ${opts.platform}; nothing was written`);
  }
  validatePlan(plan);
  return plan;
}

function planFromRaw(data: Uint8Array, source: string, opts: PlanOptions): FlashPlan {
  if (data.length === 0) throw new BadRequestError(`${source} is empty`);
  const hint = opts.platform?.toLowerCase();
  const espMagic = data[0] === 0xe9 || data[0] === 0xea;
  // Say what the file is before saying it does not suit the board.
  if (hint && hint !== 'cc3200' && !espMagic && looksLikeCc3200App(data)) {
    throw new BadRequestError(`${source} looks like a CC3200 application, but the board is ${hint}; nothing was written`);
  }
  if (hint === 'cc3200' && espMagic) {
    const what = (() => {
      try {
        return `an ${parseEspImage(data).platform} image`;
      } catch {
        return 'an ESP image';
      }
    })();
    throw new BadRequestError(`${source} is ${what}, but the board is a CC3200; nothing was written`);
  }
  if (hint === 'cc3200' || (!hint && !espMagic && looksLikeCc3200App(data))) {
    const app = appInfoOf(data);
    return { source, platform: 'cc3200', ...app, parts: [{ name: source, data, file: opts.file ?? CC3200_APP_FILE, type: 'app' }], warnings: [] };
  }
  if (espMagic) {
    const info = parseEspImage(data, { platform: hint, name: source });
    let address = opts.address;
    if (address === undefined) {
      if (info.format !== 'esp8266-v1') {
        const where = info.format === 'esp32' ? `0x${chipByPlatform(info.platform)!.bootloaderOffset.toString(16)} for a bootloader, 0x10000 for an app` : '0x1000 or 0x2000, after your boot loader';
        throw new BadRequestError(`${source} is a ${info.format === 'esp32' ? info.platform : 'v2 (0xEA)'} image: give its flash address with --addr (${where})`);
      }
      address = 0;
    }
    return { source, platform: info.platform, ...appInfoOf(data), parts: [{ name: source, data, address, type: 'app' }], warnings: [] };
  }
  if (opts.address !== undefined && (!hint || isEspPlatform(hint))) {
    // File systems, init data, blank.bin: raw blobs are normal on an ESP8266 and not images.
    return { source, platform: hint ?? 'esp8266', parts: [{ name: source, data, address: opts.address, type: 'data' }], warnings: [] };
  }
  throw new BadRequestError(
    `${source} is neither a firmware image nor a bundle (it starts with 0x${Buffer.from(data.subarray(0, 4)).toString('hex')}); ` +
      'ESP images start with 0xe9, bundles are zip or tar.gz with a manifest.json; to write raw data give --addr',
  );
}

function partData(name: string, part: ManifestPart, files: Map<string, Uint8Array>, source: string): Uint8Array {
  if (part.src) {
    const base = part.src.replace(/\\/g, '/').split('/').pop()!;
    const data = files.get(base);
    if (!data) throw new BadRequestError(`${source}: part "${name}" names ${part.src}, which is not in the bundle`);
    if (part.cs_sha1 && createHash('sha1').update(data).digest('hex') !== part.cs_sha1.toLowerCase()) {
      throw new BadRequestError(`${source}: part "${name}" (${part.src}) does not match its cs_sha1: the bundle is corrupt`);
    }
    if (part.cs_sha256 && createHash('sha256').update(data).digest('hex') !== part.cs_sha256.toLowerCase()) {
      throw new BadRequestError(`${source}: part "${name}" (${part.src}) does not match its cs_sha256: the bundle is corrupt`);
    }
    return data;
  }
  if (part.fill !== undefined && part.size !== undefined) return new Uint8Array(part.size).fill(part.fill);
  throw new BadRequestError(`${source}: part "${name}" has neither "src" nor "fill" and "size"`);
}

/** mos writes CC3200 files in this order: service pack first, the app after its boot loader. */
const CC_ORDER = ['service_pack', 'boot', 'boot_cfg', 'app', 'fs'];

function planFromBundle(bundle: { manifest: Manifest; files: Map<string, Uint8Array> }, source: string): FlashPlan {
  const m = bundle.manifest;
  const platform = m.platform.toLowerCase();
  const cc = platform === 'cc3200';
  if (!cc && !isEspPlatform(platform)) throw new BadRequestError(`${source}: manifest platform "${m.platform}" is not supported (esp8266, esp32…, cc3200)`);
  const parts: PlanPart[] = [];
  for (const [name, part] of Object.entries(m.parts)) {
    if (part.flash === false) continue;
    const data = partData(name, part, bundle.files, source);
    if (cc) {
      const declared = (part as { name?: unknown }).name;
      const file = typeof declared === 'string' ? declared : name.startsWith('/') ? name : part.type === 'app' ? CC3200_APP_FILE : undefined;
      if (!file) throw new BadRequestError(`${source}: CC3200 part "${name}" needs a SimpleLink file name ("name": "/sys/…")`);
      parts.push({ name, data, file, type: part.type, falloc: part.falloc });
    } else if (part.type === 'sys_params' && platform === 'esp8266') {
      parts.push({ name, data, placeAtEnd: ESP8266_SYS_PARAMS, type: part.type });
    } else {
      if (part.addr === undefined) throw new BadRequestError(`${source}: part "${name}" has no "addr"`);
      parts.push({ name, data, address: part.addr, type: part.type });
    }
  }
  if (parts.length === 0) throw new BadRequestError(`${source}: the manifest has no part to flash`);
  if (cc) {
    const rank = (p: PlanPart): number => {
      const i = CC_ORDER.indexOf(p.type ?? '');
      return i < 0 ? CC_ORDER.length : i;
    };
    parts.sort((a, b) => rank(a) - rank(b) || a.file!.localeCompare(b.file!));
  } else parts.sort((a, b) => (a.address ?? Infinity) - (b.address ?? Infinity));
  const app = parts.find((p) => p.type === 'app' || p.type === 'fw') ?? parts[0]!;
  const found = appInfoOf(app.data);
  return { source, platform, name: m.name ?? found.name, version: m.version ?? found.version, parts, warnings: [] };
}

function validatePlan(plan: FlashPlan): void {
  if (plan.platform === 'cc3200') {
    for (const p of plan.parts) if (p.file === CC3200_APP_FILE || p.type === 'app') validateCc3200App(p.data, `${plan.source}: ${p.file}`);
    return;
  }
  const chip = chipByPlatform(plan.platform)!;
  const placed = plan.parts.filter((p) => p.address !== undefined);
  for (const p of placed) {
    const what = plan.parts.length > 1 ? `${plan.source}: part "${p.name}"` : plan.source;
    if (p.address! % SECTOR !== 0) throw new BadRequestError(`${what} starts at ${hex(p.address!)}, not on a 4 KiB sector boundary`);
    const mustBeImage = p.address === chip.bootloaderOffset || p.type === 'boot' || p.type === 'app' || p.type === 'fw';
    if (mustBeImage && p.type !== 'data') {
      const info = parseEspImage(p.data, { platform: plan.platform, name: what });
      if (!samePlatform(info.platform, plan.platform)) throw new BadRequestError(`${what} is an ${info.platform} image, but the bundle is for ${plan.platform}`);
      plan.warnings.push(...info.warnings.map((w) => `${what}: ${w}`));
    }
  }
  const sorted = [...placed].sort((a, b) => a.address! - b.address!);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    if (prev.address! + prev.data.length > cur.address!) {
      throw new BadRequestError(`${plan.source}: parts "${prev.name}" (${hex(prev.address!)}..${hex(prev.address! + prev.data.length)}) and "${cur.name}" (from ${hex(cur.address!)}) overlap`);
    }
  }
}

/**
 * Checks a plan against the board it is about to be written to: its type and the size of
 * its flash (when known). Resolves sys_params placement. Throws before anything is written.
 */
export function checkPlanForBoard(plan: FlashPlan, board: { platform?: string; flashSize?: number }): PlanPart[] {
  if (board.platform && !samePlatform(plan.platform, board.platform)) {
    throw new BadRequestError(`${plan.source} is for ${plan.platform} but the board is ${board.platform}; nothing was written`);
  }
  const size = board.flashSize;
  const parts = plan.parts.map((p) => (p.placeAtEnd !== undefined && size ? { ...p, address: size - p.placeAtEnd } : p));
  if (!size || plan.platform === 'cc3200') return parts;
  for (const p of parts) {
    if (p.address === undefined) continue;
    const what = plan.parts.length > 1 ? `part "${p.name}"` : plan.source;
    if (p.address + p.data.length > size) {
      throw new BadRequestError(`${what} (${formatSize(p.data.length)} at ${hex(p.address)}) does not fit in the board's ${formatSize(size)} flash; nothing was written`);
    }
    if (plan.platform === 'esp8266' && p.type !== 'sys_params' && p.placeAtEnd === undefined && p.address + p.data.length > size - ESP8266_SYS_PARAMS) {
      throw new BadRequestError(`${what} reaches into the last 16 KiB of flash, where the ESP8266 keeps its system parameters; nothing was written`);
    }
    if (p.data[0] === 0xe9 && p.address === 0) {
      const declared = parseEspImage(p.data, { platform: plan.platform }).declaredFlashSize;
      if (declared && declared > size) throw new BadRequestError(`${what} declares ${formatSize(declared)} of flash in its header, the board has ${formatSize(size)}; rebuild for this flash size`);
    }
  }
  return parts;
}
