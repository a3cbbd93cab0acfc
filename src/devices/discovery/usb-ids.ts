// USB-serial bridges of the boards we support (reference §5.1), and what a board behind each
// most likely is before it has been probed.

export interface BridgeInfo {
  bridge: string;
  /** Board type to assume until a probe says otherwise; "unknown" means probe before trusting. */
  guess: 'esp8266' | 'esp32' | 'cc3200' | 'unknown';
}

const TABLE: Record<string, BridgeInfo> = {
  '10c4:ea60': { bridge: 'CP210x', guess: 'esp8266' },
  '10c4:ea70': { bridge: 'CP2105', guess: 'esp8266' },
  '1a86:7523': { bridge: 'CH340', guess: 'esp8266' },
  '1a86:7522': { bridge: 'CH340', guess: 'esp8266' },
  '1a86:5523': { bridge: 'CH341', guess: 'esp8266' },
  '1a86:55d4': { bridge: 'CH9102', guess: 'esp8266' },
  '1a86:55d3': { bridge: 'CH343', guess: 'esp8266' },
  '0403:6001': { bridge: 'FT232R', guess: 'unknown' },
  '0403:6015': { bridge: 'FT-X', guess: 'unknown' },
  '0403:6010': { bridge: 'FT2232', guess: 'unknown' },
  '0403:6014': { bridge: 'FT232H', guess: 'unknown' },
  '0451:c32a': { bridge: 'FT2232 (CC3200-LAUNCHXL)', guess: 'cc3200' },
  '0451:bef3': { bridge: 'XDS110', guess: 'cc3200' },
  '303a:1001': { bridge: 'Espressif USB-Serial/JTAG', guess: 'esp32' },
};

export function bridgeOf(vendorId: string | undefined, productId: string | undefined): BridgeInfo | undefined {
  if (!vendorId || !productId) return undefined;
  return TABLE[`${vendorId.toLowerCase()}:${productId.toLowerCase()}`];
}
