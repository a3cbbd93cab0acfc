// Builds valid ESP8266 "v1" images (reference §3.1) from segments: the fixtures of the tests,
// the benchmark's 1 MiB image and the sample firmware of the virtual boards all come from here.

export interface SegmentSpec {
  address: number;
  data: Uint8Array;
}

export interface Esp8266ImageSpec {
  entry?: number;
  segments: SegmentSpec[];
  /** 0 QIO, 1 QOUT, 2 DIO (default), 3 DOUT. */
  flashMode?: number;
  /** High nibble of header byte 3; 4 = 4 MB (default). */
  flashSizeCode?: number;
  /** Low nibble of header byte 3; 0 = 40 MHz (default). */
  flashFreqCode?: number;
}

export function buildEsp8266Image(spec: Esp8266ImageSpec): Uint8Array {
  const body = spec.segments.reduce((n, s) => n + 8 + s.data.length, 0);
  const end = 8 + body;
  const total = (Math.floor(end / 16) + 1) * 16;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out[0] = 0xe9;
  out[1] = spec.segments.length;
  out[2] = spec.flashMode ?? 2;
  out[3] = ((spec.flashSizeCode ?? 4) << 4) | (spec.flashFreqCode ?? 0);
  view.setUint32(4, spec.entry ?? 0x40100004, true);
  let pos = 8;
  let checksum = 0xef;
  for (const s of spec.segments) {
    view.setUint32(pos, s.address, true);
    view.setUint32(pos + 4, s.data.length, true);
    out.set(s.data, pos + 8);
    for (const b of s.data) checksum ^= b;
    pos += 8 + s.data.length;
  }
  out[total - 1] = checksum;
  return out;
}

/** An esp_app_desc_t (ESP8266_RTOS_SDK / ESP-IDF layout) naming the application. */
export function appDescriptor(name: string, version: string): Uint8Array {
  const out = new Uint8Array(256);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0xabcd5432, true);
  out.set(Buffer.from(version.slice(0, 31), 'latin1'), 16);
  out.set(Buffer.from(name.slice(0, 31), 'latin1'), 48);
  return out;
}

/**
 * Deterministic bytes with the statistics of compiled code: a small "instruction set" of
 * frequent opcodes with narrow operands, some random bytes, and short repeats of recent
 * sequences (prologues, tables) — zlib -9 gets about 0.66 of the size, as with real ESP8266
 * firmware.
 */
export function firmwareLikeBytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  const next = (): number => {
    // xorshift32: cheap and reproducible across runs and machines.
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  const opcodes = Array.from({ length: 48 }, () => next() & 0xff);
  for (let i = 0; i < length; ) {
    const r = next();
    if (i > 64 && (r & 0xff) < 5) {
      const len = 4 + ((r >>> 8) & 31);
      const back = 8 + ((r >>> 13) % Math.min(i - 8, 4096));
      for (let k = 0; k < len && i < length; k++, i++) out[i] = out[i - back]!;
    } else if (((r >>> 8) & 3) !== 0) {
      out[i++] = opcodes[(r >>> 16) % opcodes.length]!;
      if (i < length) out[i++] = (r >>> 24) & 0x0f;
    } else out[i++] = (r >>> 16) & 0xff;
  }
  return out;
}

/** ESP8266 segments larger than this draw a warning from esptool. */
const MAX_SEGMENT = 0x10000;

/**
 * A bootable sample application named `name version`, exactly `size` bytes when `size` is a
 * multiple of 16 (1 MiB at most): code in up to 15 segments plus an app descriptor.
 */
export function sampleFirmware(name: string, version: string, size = 4096, seed = 7): Uint8Array {
  const desc = appDescriptor(name, version);
  // An image ends at the 16-byte block holding the checksum: header + segments = size - 16.
  const budget = (target: number): number => target - 16 - 8 - desc.length - 8;
  const codeSegments = Math.min(15, Math.max(1, Math.ceil(budget(size) / (MAX_SEGMENT + 8))));
  let code = Math.max(16, budget(size) - codeSegments * 8) & ~3;
  const segments: SegmentSpec[] = [];
  let address = 0x40100000;
  for (let n = 0; n < codeSegments; n++) {
    const length = n === codeSegments - 1 ? code : Math.min(Math.ceil(code / (codeSegments - n) / 4) * 4, code);
    const data = firmwareLikeBytes(length, seed + n);
    segments.push({ address, data });
    address += data.length;
    code -= length;
  }
  segments.push({ address: 0x3ffe8000, data: desc });
  return buildEsp8266Image({ entry: 0x40100004, segments });
}
