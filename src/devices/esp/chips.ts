// The Espressif chips esptool-js 0.7.0 knows, keyed by our platform names (the ones bundle
// manifests use, reference §3.2). Image validation and the flasher agree through this table.

export interface EspChip {
  /** Platform name in manifests and board types: esp8266, esp32, esp32s3 … */
  platform: string;
  /** esptool-js's CHIP_NAME. */
  name: string;
  /** Chip id in the extended image header (ESP32 family only). */
  imageChipId?: number;
  /** Where the ROM looks for the first image. */
  bootloaderOffset: number;
}

export const ESP_CHIPS: readonly EspChip[] = [
  { platform: 'esp8266', name: 'ESP8266', bootloaderOffset: 0x0 },
  { platform: 'esp32', name: 'ESP32', imageChipId: 0, bootloaderOffset: 0x1000 },
  { platform: 'esp32s2', name: 'ESP32-S2', imageChipId: 2, bootloaderOffset: 0x1000 },
  { platform: 'esp32c3', name: 'ESP32-C3', imageChipId: 5, bootloaderOffset: 0x0 },
  { platform: 'esp32s3', name: 'ESP32-S3', imageChipId: 9, bootloaderOffset: 0x0 },
  { platform: 'esp32c2', name: 'ESP32-C2', imageChipId: 12, bootloaderOffset: 0x0 },
  { platform: 'esp32c6', name: 'ESP32-C6', imageChipId: 13, bootloaderOffset: 0x0 },
  { platform: 'esp32h2', name: 'ESP32-H2', imageChipId: 16, bootloaderOffset: 0x0 },
  { platform: 'esp32p4', name: 'ESP32-P4', imageChipId: 18, bootloaderOffset: 0x2000 },
  { platform: 'esp32c61', name: 'ESP32-C61', imageChipId: 20, bootloaderOffset: 0x0 },
  { platform: 'esp32c5', name: 'ESP32-C5', imageChipId: 23, bootloaderOffset: 0x2000 },
  { platform: 'esp32h21', name: 'ESP32-H21', imageChipId: 25, bootloaderOffset: 0x0 },
  { platform: 'esp32h4', name: 'ESP32-H4', imageChipId: 28, bootloaderOffset: 0x2000 },
  { platform: 'esp32s31', name: 'ESP32-S31', imageChipId: 32, bootloaderOffset: 0x2000 },
];

export function chipByPlatform(platform: string): EspChip | undefined {
  const p = platform.toLowerCase().replace(/[-_]/g, '');
  return ESP_CHIPS.find((c) => c.platform === p);
}

export function chipByImageId(id: number): EspChip | undefined {
  return ESP_CHIPS.find((c) => c.imageChipId === id);
}

/** Maps esptool-js's chip description ("ESP8266EX", "ESP8285", "ESP32-D0WD-V3 (revision …)") to a platform. */
export function platformOfChipName(name: string): string | undefined {
  const n = name.toUpperCase();
  if (n.startsWith('ESP8266') || n.startsWith('ESP8285')) return 'esp8266';
  // Longest names first so ESP32-C61 is not taken for ESP32-C6.
  const byLength = [...ESP_CHIPS].sort((a, b) => b.name.length - a.name.length);
  return byLength.find((c) => n.startsWith(c.name))?.platform;
}

export function isEspPlatform(platform: string): boolean {
  return chipByPlatform(platform) !== undefined;
}
