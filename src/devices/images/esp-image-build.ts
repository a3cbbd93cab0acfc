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

/** Deterministic bytes that compress about as well as real firmware code (roughly 2:1 with zlib -9). */
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
  // A small "instruction set" of frequent byte pairs plus random operands mimics the skewed
  // statistics of compiled code.
  const opcodes = Array.from({ length: 48 }, () => next() & 0xff);
  for (let i = 0; i < length; ) {
    const r = next();
    if ((r & 3) !== 0) {
      out[i++] = opcodes[r % opcodes.length]!;
      if (i < length) out[i++] = (r >>> 8) & 0x0f;
    } else {
      out[i++] = (r >>> 16) & 0xff;
    }
  }
  return out;
}

/** A small bootable sample application named `name version` of about `size` bytes. */
export function sampleFirmware(name: string, version: string, size = 4096, seed = 7): Uint8Array {
  const desc = appDescriptor(name, version);
  const codeLength = Math.max(16, size - desc.length - 48) & ~3;
  return buildEsp8266Image({
    entry: 0x40100004,
    segments: [
      { address: 0x40100000, data: firmwareLikeBytes(codeLength, seed) },
      { address: 0x3ffe8000, data: desc },
    ],
  });
}
