// Finds what an image calls itself: the ESP-IDF / ESP8266_RTOS_SDK application descriptor
// (esp_app_desc_t, magic 0xABCD5432) when there is one, else the first "name vX.Y[.Z]"
// string. The emulated boards print it after boot so that a test can check what runs.

export interface AppInfo {
  name?: string;
  version?: string;
}

const APP_DESC_MAGIC = [0x32, 0x54, 0xcd, 0xab];

function cString(data: Uint8Array, offset: number, max: number): string {
  let end = offset;
  while (end < offset + max && end < data.length && data[end] !== 0) end++;
  return Buffer.from(data.subarray(offset, end)).toString('latin1');
}

function findMagic(data: Uint8Array): number {
  outer: for (let i = 0; i + 4 <= data.length; i += 4) {
    for (let k = 0; k < 4; k++) if (data[i + k] !== APP_DESC_MAGIC[k]) continue outer;
    return i;
  }
  return -1;
}

const printable = (s: string): boolean => /^[\x20-\x7e]+$/.test(s);
const VERSION_STRING = /([A-Za-z][A-Za-z0-9_.-]{1,31})[ /@_-]v?(\d+\.\d+(?:\.\d+)?(?:[-+][A-Za-z0-9.]+)?)/;

export function appInfoOf(data: Uint8Array): AppInfo {
  const at = findMagic(data);
  if (at >= 0 && at + 80 <= data.length) {
    // esp_app_desc_t: magic, secure_version, 2 reserved words, version[32], project_name[32].
    const version = cString(data, at + 16, 32);
    const name = cString(data, at + 48, 32);
    if (printable(version) && printable(name)) return { name, version };
  }
  // Printable runs of 6+ characters, as `strings` would list them; the first that looks like
  // "name version" wins.
  const text = Buffer.from(data).toString('latin1');
  for (const run of text.match(/[\x20-\x7e]{6,}/g) ?? []) {
    const m = VERSION_STRING.exec(run);
    if (m) return { name: m[1], version: m[2] };
  }
  return {};
}
