// Asks a board what it is, once, when it appears: an ESP through its ROM (sync, chip, MAC,
// flash size, then a reset back into its application), a CC3200 through its bootloader
// (version). Probing resets the board, so it happens only on arrival, never on a board in use.
import { Cc3200Client } from '../cc3200/cc3200-client';
import { DtrRtsControl } from '../cc3200/board-control';
import { EspSession } from '../esp/esp-session';
import { LineControl } from '../serial/line-control';
import { closePort, openPort, type SerialEndpoint } from '../serial/open-port';
import { PortGuard } from '../serial/port-guard';

export interface ProbeResult {
  type: string;
  chip?: string;
  mac?: string;
  flashSize?: number;
  bootloader?: string;
}

export type Prober = (endpoint: SerialEndpoint, guess: string, usb?: { vendorId?: string; productId?: string }) => Promise<ProbeResult>;

const PROBE_TIMEOUT_MS = 10_000;

export async function probeEsp(endpoint: SerialEndpoint, usb?: { vendorId?: string; productId?: string }): Promise<ProbeResult> {
  const session = new EspSession({ endpoint, usb, connectAttempts: 2, signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
  try {
    const id = await session.connect();
    // The ROM reads the JEDEC id through SPI registers; no stub needed.
    const flashSize = await session.flashSize().catch(() => undefined);
    await session.leave('hard_reset').catch(() => 'none');
    return { type: id.platform, chip: id.chip, mac: id.mac, flashSize };
  } finally {
    await session.close();
  }
}

export async function probeCc3200(endpoint: SerialEndpoint): Promise<ProbeResult> {
  const guard = new PortGuard(AbortSignal.timeout(PROBE_TIMEOUT_MS), 'probe');
  const port = await openPort(endpoint, 921600);
  const lines = new LineControl(port, { ignoreUnsupported: true });
  const control = new DtrRtsControl(lines, port);
  const client = new Cc3200Client(port, control, { guard, breakAttempts: 2, timeoutMs: 1000 });
  try {
    await guard.run(control.enterBootloader());
    const v = await client.connect();
    await guard.run(control.runApplication());
    return { type: 'cc3200', chip: 'CC3200', bootloader: v.bootloader };
  } finally {
    client.dispose();
    await closePort(port);
  }
}

/** Probes by the type the USB ids suggest; "unknown" is tried as an ESP (the common case). */
export const defaultProber: Prober = (endpoint, guess, usb) => (guess === 'cc3200' ? probeCc3200(endpoint) : probeEsp(endpoint, usb));
