// The TI CC3200 ROM bootloader's byte protocol (reference §4), shared by our client and the
// emulated board so that both sides agree on one definition.

export const ACK = Uint8Array.of(0x00, 0xcc);

export const CcOp = {
  START_UPLOAD: 0x21,
  FINISH_UPLOAD: 0x22,
  GET_LAST_STATUS: 0x23,
  FILE_CHUNK: 0x24,
  GET_STORAGE_LIST: 0x27,
  FORMAT_FLASH: 0x28,
  GET_FILE_INFO: 0x2a,
  READ_FILE_CHUNK: 0x2b,
  RAW_STORAGE_READ: 0x2c,
  RAW_STORAGE_WRITE: 0x2d,
  ERASE_FILE: 0x2e,
  GET_VERSION_INFO: 0x2f,
  RAW_STORAGE_ERASE: 0x30,
  GET_STORAGE_INFO: 0x31,
  EXEC_FROM_RAM: 0x32,
  SWITCH_UART_TO_APPS: 0x33,
} as const;

export const CcStatus = {
  OK: 0x40,
  UNKNOWN_COMMAND: 0x41,
  INVALID_COMMAND: 0x42,
  INVALID_ADDRESS: 0x43,
  FLASH_FAIL: 0x44,
} as const;

export const STATUS_TEXT: Record<number, string> = {
  0x40: 'ok',
  0x41: 'unknown command',
  0x42: 'invalid command',
  0x43: 'invalid address',
  0x44: 'flash write failed',
};

export const Storage = { SRAM: 0, FLASH: 1, SFLASH: 2 } as const;

/** Bitmap answered by GET_STORAGE_LIST. */
export const STORAGE_LIST = { FLASH: 0x02, SFLASH: 0x04, SRAM: 0x80 } as const;

/** SWITCH_UART_TO_APPS argument used by TI's tools: about one second of the ROM's clock. */
export const SWITCH_DELAY_TICKS = 26_666_667;
export const TICKS_PER_SECOND = 26_666_667;

/** Largest FILE_CHUNK / READ_FILE_CHUNK payload. */
export const CHUNK = 4096;

const BLOCK_SIZES = [0x100, 0x400, 0x1000, 0x4000, 0x10000];

export function checksum(payload: Uint8Array): number {
  let s = 0;
  for (const b of payload) s = (s + b) & 0xff;
  return s;
}

/** Length field = payload + 2 (big-endian), then the checksum byte, then the payload. */
export function encodePacket(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(3 + payload.length);
  out[0] = ((payload.length + 2) >> 8) & 0xff;
  out[1] = (payload.length + 2) & 0xff;
  out[2] = checksum(payload);
  out.set(payload, 3);
  return out;
}

export function be32(n: number): Uint8Array {
  return Uint8Array.of((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

export function readBe32(d: Uint8Array, o: number): number {
  return ((d[o]! << 24) | (d[o + 1]! << 16) | (d[o + 2]! << 8) | d[o + 3]!) >>> 0;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * START_UPLOAD flags for writing a file of `size` bytes: create-if-missing, plus the smallest
 * block size whose 255 blocks hold it, and the block count.
 */
export function writeFlags(size: number, fsFlags = 0): number {
  const alloc = Math.max(size, 1);
  const index = BLOCK_SIZES.findIndex((bs) => bs * 255 >= alloc);
  if (index < 0) throw new RangeError(`file of ${size} bytes is too large for the SimpleLink file system`);
  const count = Math.ceil(alloc / BLOCK_SIZES[index]!);
  return ((3 << 12) | (index << 8) | count | (fsFlags << 16)) >>> 0;
}

/** Bytes a file opened with `flags` may hold. */
export function allocationOf(flags: number): number {
  const index = (flags >> 8) & 0xf;
  return (BLOCK_SIZES[index] ?? 0) * (flags & 0xff);
}

export function fileNameBytes(name: string): Uint8Array {
  return Buffer.from(name, 'latin1');
}
