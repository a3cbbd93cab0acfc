// Which boards are attached, kept current: every source listed every 1.5 s (sooner after a USB
// attach/detach), boards identified by USB ids, probed once on arrival, given ids that survive
// replugs. Emits "added" and "removed" (a Board) and "status". A source whose list()
// fails makes enumeration "unavailable" and keeps its last boards: a hiccup is not an unplug.
import { EventEmitter } from 'node:events';
import type { SerialEndpoint } from '../serial/open-port';
import { boardIdOf } from './board-id';
import type { KnownBoard, ListedPort, ListSource } from './list-source';
import { defaultProber, type ProbeResult, type Prober } from './probe';
import { bridgeOf } from './usb-ids';
import { watchUsb } from './usb-hotplug';

export interface Board {
  id: string;
  /** esp8266, esp32…, cc3200, or unknown. */
  type: string;
  port: string;
  virtual: boolean;
  /** False when the id fell back to the port name (no MAC, no usable serial number). */
  stableId: boolean;
  usb?: { vendorId?: string; productId?: string; serialNumber?: string; manufacturer?: string; pnpId?: string; bridge?: string };
  chip?: string;
  mac?: string;
  flashSize?: number;
  bootloader?: string;
  probe?: { ok: boolean; error?: string; at: string };
}

export interface DiscoveryStatus {
  enumeration: 'ok' | 'unavailable';
  error?: string;
  lastScan?: string;
}

export interface DiscoveryOptions {
  sources: ListSource[];
  /** Poll period (default 1500 ms). */
  intervalMs?: number;
  /** Probe boards when they appear (default true). Probing resets the board. */
  probe?: boolean;
  prober?: Prober;
  /** Also list ports that are not recognised boards (e.g. /dev/ttyS0). */
  includeUnknown?: boolean;
  /** Watch USB attach/detach to re-list early (default true; a no-op without a USB bus). */
  usbHotplug?: boolean;
  log?: (line: string) => void;
}

interface Entry {
  board: Board;
  key: string;
  source: ListSource;
}

export interface DiscoveryEvents {
  added: [Board];
  removed: [Board];
  status: [DiscoveryStatus];
}

const keyOf = (source: ListSource, p: ListedPort): string => [source.name, p.path, p.vendorId, p.productId, p.serialNumber, p.pnpId].join('|');

export class Discovery extends EventEmitter<DiscoveryEvents> {
  private entries = new Map<string, Entry>();
  private lastBySource = new Map<string, ListedPort[]>();
  private timer: NodeJS.Timeout | undefined;
  private stopUsb: (() => void) | undefined;
  private scanning: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private statusValue: DiscoveryStatus = { enumeration: 'ok' };

  constructor(private readonly opts: DiscoveryOptions) {
    super();
  }

  /** Runs the first scan (probes included) and starts polling. */
  async start(): Promise<void> {
    this.stopped = false;
    if (this.opts.usbHotplug ?? true) this.stopUsb = await watchUsb(() => this.soon(), this.opts.log);
    await this.rescan();
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.stopUsb?.();
    this.stopUsb = undefined;
  }

  boards(): Board[] {
    return [...this.entries.values()].map((e) => structuredClone(e.board)).sort((a, b) => a.id.localeCompare(b.id));
  }

  status(): DiscoveryStatus {
    return { ...this.statusValue };
  }

  /** Finds a board by id, or by its port path. */
  find(idOrPath: string): Board | undefined {
    const e = [...this.entries.values()].find((x) => x.board.id === idOrPath || x.board.port === idOrPath);
    return e ? structuredClone(e.board) : undefined;
  }

  /** How to open a board's port (its source's binding). */
  endpoint(idOrPath: string): SerialEndpoint | undefined {
    const e = [...this.entries.values()].find((x) => x.board.id === idOrPath || x.board.port === idOrPath);
    return e ? { path: e.board.port, binding: e.source.binding } : undefined;
  }

  /** Lists every source now; concurrent calls share one scan (and trigger one more after it). */
  rescan(): Promise<void> {
    if (this.scanning) {
      this.again = true;
      return this.scanning;
    }
    this.scanning = this.scan().finally(() => {
      this.scanning = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        void this.rescan();
      }
    });
    return this.scanning;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.rescan().finally(() => this.schedule());
    }, this.opts.intervalMs ?? 1500);
    this.timer.unref();
  }

  /** USB events come before the tty node exists: list a little later, twice. */
  private soon(): void {
    for (const ms of [250, 1000]) setTimeout(() => void this.rescan(), ms).unref();
  }

  private async scan(): Promise<void> {
    const errors: string[] = [];
    const seen = new Set<string>();
    for (const source of this.opts.sources) {
      let ports: ListedPort[];
      try {
        ports = await source.list();
        this.lastBySource.set(source.name, ports);
      } catch (err) {
        errors.push(`${source.name}: ${describeListError(err)}`);
        ports = this.lastBySource.get(source.name) ?? [];
      }
      for (const p of ports) {
        const bridge = bridgeOf(p.vendorId, p.productId);
        if (!bridge && !p.known && !source.virtual && !this.opts.includeUnknown) continue;
        const key = keyOf(source, p);
        seen.add(key);
        if (!this.entries.has(key)) await this.arrive(key, source, p, bridge?.guess ?? 'unknown', bridge?.bridge);
      }
    }
    for (const [key, e] of this.entries) {
      if (seen.has(key)) continue;
      this.entries.delete(key);
      this.emit('removed', structuredClone(e.board));
    }
    const status: DiscoveryStatus = errors.length
      ? { enumeration: 'unavailable', error: errors.join('; '), lastScan: new Date().toISOString() }
      : { enumeration: 'ok', lastScan: new Date().toISOString() };
    const changed = status.enumeration !== this.statusValue.enumeration || status.error !== this.statusValue.error;
    this.statusValue = status;
    if (changed) this.emit('status', this.status());
  }

  private async arrive(key: string, source: ListSource, p: ListedPort, guess: string, bridge: string | undefined): Promise<void> {
    let info: KnownBoard | ProbeResult = p.known ?? { type: guess };
    let probe: Board['probe'];
    if (!p.known && (this.opts.probe ?? true) && guess !== 'unknown') {
      try {
        info = await (this.opts.prober ?? defaultProber)({ path: p.path, binding: source.binding }, guess, p);
        probe = { ok: true, at: new Date().toISOString() };
      } catch (err) {
        probe = { ok: false, error: (err as Error).message, at: new Date().toISOString() };
        this.opts.log?.(`probe of ${p.path} failed: ${(err as Error).message}`);
      }
    }
    if (this.stopped) return;
    let { id, stable } = boardIdOf({ type: info.type, mac: info.mac, serialNumber: p.serialNumber, path: p.path });
    if ([...this.entries.values()].some((e) => e.board.id === id)) {
      // Two boards claim one identity (cloned serial numbers): keep both, the newcomer by port.
      id = `${id}-${(p.path.split('/').pop() ?? p.path).toLowerCase()}`;
      stable = false;
    }
    const board: Board = {
      id,
      type: info.type,
      port: p.path,
      virtual: !!source.virtual,
      stableId: stable,
      usb: p.vendorId ? { vendorId: p.vendorId, productId: p.productId, serialNumber: p.serialNumber, manufacturer: p.manufacturer, pnpId: p.pnpId, bridge } : undefined,
      chip: info.chip,
      mac: info.mac,
      flashSize: info.flashSize,
      bootloader: info.bootloader,
      probe,
    };
    this.entries.set(key, { board, key, source });
    this.emit('added', structuredClone(board));
  }
}

function describeListError(err: unknown): string {
  const msg = (err as Error).message ?? String(err);
  if (/udevadm/.test(msg) && /ENOENT/.test(msg)) return `${msg} (install the "udev" package: apt-get install udev)`;
  return msg;
}
