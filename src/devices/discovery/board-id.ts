// Board ids that survive replugging and port renumbering (/dev/ttyUSB0 → ttyUSB1): the chip's
// MAC when a probe found one, else the USB serial number, else (unstable) the port name.

/** Serial numbers that cheap bridges share across thousands of boards: useless as identity. */
const GENERIC_SERIALS = new Set(['', '0', '0000', '0001', '00000000', '0123456789', '1234567890', 'a', 'none', 'n/a']);

function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48);
}

export function boardIdOf(input: { type: string; mac?: string; serialNumber?: string; path: string }): { id: string; stable: boolean } {
  const type = slug(input.type) || 'serial';
  if (input.mac) return { id: `${type}-${input.mac.replace(/[:-]/g, '').toLowerCase()}`, stable: true };
  const serial = input.serialNumber?.trim();
  if (serial && !GENERIC_SERIALS.has(serial.toLowerCase())) return { id: `${type}-${slug(serial)}`, stable: true };
  const base = input.path.split('/').pop() ?? input.path;
  return { id: `${type}-${slug(base)}`, stable: false };
}
