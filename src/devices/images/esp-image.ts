// Parses and validates Espressif application images (reference §3.1) so that a corrupt or
// wrong-chip image is refused with a precise message before any port is opened.
import { crc32 } from 'node:zlib';
import { BadRequestError } from '../../shared/errors';
import { chipByImageId, chipByPlatform } from '../esp/chips';

export interface EspSegment {
  address: number;
  length: number;
  /** Offset of the segment data in the image. */
  offset: number;
}

export interface EspImageInfo {
  format: 'esp8266-v1' | 'esp8266-v2' | 'esp32';
  /** Platform the image is built for (esp8266, esp32, esp32c3 …). */
  platform: string;
  flashMode: number;
  flashSizeCode: number;
  flashFreqCode: number;
  /** Flash size the header declares, in bytes. */
  declaredFlashSize?: number;
  entry: number;
  segments: EspSegment[];
  checksum: number;
  /** Bytes the image occupies, checksum and appended hash included. */
  length: number;
  warnings: string[];
}

const ESP8266_SIZES: Record<number, number> = { 0: 512 << 10, 1: 256 << 10, 2: 1 << 20, 3: 2 << 20, 4: 4 << 20, 5: 2 << 20, 6: 4 << 20, 8: 8 << 20, 9: 16 << 20 };
const ESP8266_FREQS = new Set([0, 1, 2, 0xf]);
const ESP32_SIZES: Record<number, number> = { 0: 1 << 20, 1: 2 << 20, 2: 4 << 20, 3: 8 << 20, 4: 16 << 20, 5: 32 << 20, 6: 64 << 20, 7: 128 << 20 };

const hex = (n: number, w = 2): string => `0x${n.toString(16).padStart(w, '0')}`;
const u32 = (d: Uint8Array, o: number): number => (d[o]! | (d[o + 1]! << 8) | (d[o + 2]! << 16) | (d[o + 3]! << 24)) >>> 0;

function fail(what: string, message: string): never {
  throw new BadRequestError(`${what}: ${message}`);
}

interface SegmentWalk {
  segments: EspSegment[];
  checksum: number;
  end: number;
}

/** Walks `count` segments from `pos`, XOR-ing their data (seed 0xEF) as the ROM does. */
function walkSegments(data: Uint8Array, pos: number, count: number, what: string): SegmentWalk {
  const segments: EspSegment[] = [];
  let checksum = 0xef;
  for (let i = 0; i < count; i++) {
    if (pos + 8 > data.length) fail(what, `segment ${i} header truncated: needs ${pos + 8} bytes, file has ${data.length}`);
    const address = u32(data, pos);
    const length = u32(data, pos + 4);
    const offset = pos + 8;
    if (offset + length > data.length) fail(what, `segment ${i} truncated: needs ${offset + length} bytes, file has ${data.length}`);
    for (let j = offset; j < offset + length; j++) checksum ^= data[j]!;
    segments.push({ address, length, offset });
    pos = offset + length;
  }
  return { segments, checksum, end: pos };
}

/** The checksum byte sits where the file length becomes a multiple of 16. */
function checkChecksum(data: Uint8Array, walk: SegmentWalk, what: string): number {
  const at = (Math.floor(walk.end / 16) + 1) * 16 - 1;
  if (at >= data.length) fail(what, `checksum byte missing: needs ${at + 1} bytes, file has ${data.length}`);
  const stored = data[at]!;
  if (stored !== walk.checksum) fail(what, `checksum mismatch: stored ${hex(stored)}, computed ${hex(walk.checksum)} (the image is corrupt or truncated)`);
  return at + 1;
}

function parseEsp8266V1(data: Uint8Array, base: number, what: string): EspImageInfo {
  const d = data.subarray(base);
  const count = d[1]!;
  if (count < 1 || count > 16) fail(what, `segment count ${count} is out of range 1..16`);
  const flashMode = d[2]!;
  if (flashMode > 3) fail(what, `flash mode ${flashMode} is not one of 0 QIO, 1 QOUT, 2 DIO, 3 DOUT`);
  const flashSizeCode = d[3]! >> 4;
  const flashFreqCode = d[3]! & 0xf;
  if (!(flashSizeCode in ESP8266_SIZES)) fail(what, `flash size code ${flashSizeCode} in the header is invalid`);
  if (!ESP8266_FREQS.has(flashFreqCode)) fail(what, `flash frequency code ${hex(flashFreqCode, 1)} in the header is invalid`);
  const walk = walkSegments(d, 8, count, what);
  const length = checkChecksum(d, walk, what);
  const warnings: string[] = [];
  walk.segments.forEach((s, i) => {
    if (s.address < 0x3ffe0000 || s.address >= 0x40200000) warnings.push(`segment ${i} loads at ${hex(s.address, 8)}, outside RAM`);
    if (s.length > 65536) warnings.push(`segment ${i} is ${s.length} bytes, more than 64 KiB`);
  });
  return {
    format: 'esp8266-v1',
    platform: 'esp8266',
    flashMode,
    flashSizeCode,
    flashFreqCode,
    declaredFlashSize: ESP8266_SIZES[flashSizeCode],
    entry: u32(d, 4),
    segments: walk.segments.map((s) => ({ ...s, offset: s.offset + base })),
    checksum: walk.checksum,
    length: base + length,
    warnings,
  };
}

function parseEsp8266V2(data: Uint8Array, what: string): EspImageInfo {
  if (data.length < 16) fail(what, 'v2 image shorter than its header');
  const iromLength = u32(data, 12);
  const inner = 16 + iromLength;
  if (inner > data.length) fail(what, `IROM segment truncated: needs ${inner} bytes, file has ${data.length}`);
  if (data[inner] !== 0xe9) fail(what, `v2 image: expected the 0xe9 header after the IROM segment at ${hex(inner, 6)}, found ${hex(data[inner] ?? 0)}`);
  const info = parseEsp8266V1(data, inner, what);
  const crcAt = info.length;
  if (crcAt + 4 > data.length) fail(what, 'v2 image: CRC32 missing at the end');
  const crc = crc32(data.subarray(0, crcAt));
  const expected = (crc & 0x80000000 ? crc ^ 0xffffffff : crc + 1) >>> 0;
  const stored = u32(data, crcAt);
  if (stored !== expected) fail(what, `v2 image: CRC32 mismatch: stored ${hex(stored, 8)}, computed ${hex(expected, 8)}`);
  return { ...info, format: 'esp8266-v2', entry: u32(data, 4), length: crcAt + 4, segments: [{ address: 0, length: iromLength, offset: 16 }, ...info.segments] };
}

function parseEsp32(data: Uint8Array, what: string): EspImageInfo {
  if (data.length < 24) fail(what, 'ESP32-family image shorter than its 24-byte header');
  const count = data[1]!;
  if (count < 1 || count > 16) fail(what, `segment count ${count} is out of range 1..16`);
  const chipId = data[12]! | (data[13]! << 8);
  const chip = chipByImageId(chipId);
  if (!chip) fail(what, `unknown chip id ${chipId} in the extended header`);
  const flashSizeCode = data[3]! >> 4;
  const walk = walkSegments(data, 24, count, what);
  let length = checkChecksum(data, walk, what);
  if (data[23] === 1) {
    if (length + 32 > data.length) fail(what, 'SHA-256 digest announced in the header is missing');
    length += 32;
  }
  return {
    format: 'esp32',
    platform: chip.platform,
    flashMode: data[2]!,
    flashSizeCode,
    flashFreqCode: data[3]! & 0xf,
    declaredFlashSize: ESP32_SIZES[flashSizeCode],
    entry: u32(data, 4),
    segments: walk.segments,
    checksum: walk.checksum,
    length,
    warnings: [],
  };
}

/**
 * Parses an application image. `platform` (when the board or the manifest says which chip)
 * picks the header layout; without it the layout that parses is taken. Throws a
 * BadRequestError that names the file and what is wrong.
 */
export function parseEspImage(data: Uint8Array, opts: { platform?: string; name?: string } = {}): EspImageInfo {
  const what = opts.name ?? 'image';
  if (data.length < 16) fail(what, `too short for an image (${data.length} bytes)`);
  if (data[0] === 0xea) return parseEsp8266V2(data, what);
  if (data[0] !== 0xe9) fail(what, `not an ESP image: magic ${hex(data[0]!)} (expected 0xe9)`);
  const platform = opts.platform ? chipByPlatform(opts.platform)?.platform : undefined;
  if (platform === 'esp8266') return parseEsp8266V1(data, 0, what);
  if (platform) return parseEsp32(data, what);
  try {
    return parseEsp8266V1(data, 0, what);
  } catch (err8266) {
    try {
      return parseEsp32(data, what);
    } catch {
      throw err8266;
    }
  }
}

/** Name of the declared flash size, for messages. */
export function formatSize(bytes: number): string {
  return bytes >= 1 << 20 && bytes % (1 << 20) === 0 ? `${bytes >> 20} MiB` : bytes >= 1024 && bytes % 1024 === 0 ? `${bytes >> 10} KiB` : `${bytes} bytes`;
}
