// `--virtual-boards esp8266:2,cc3200:1`: emulated boards that look like USB boards to the rest
// of OurCI, reachable in-process through a serialport binding or, with transport "pty", as
// real ttys any program can open.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BindingInterface, OpenOptions, PortInfo } from '../serial/binding';
import { BadRequestError } from '../../shared/errors';
import { Cc3200Emulator, type Cc3200Options } from './cc3200-emulator';
import { Esp8266Emulator, type Esp8266Options } from './esp8266-emulator';
import { PtyBridge } from './pty-bridge';
import { VirtualBoard } from './virtual-board';
import type { VirtualPort } from './virtual-port';

export type VirtualKind = 'esp8266' | 'cc3200';

export interface VirtualBoardsOptions {
  /** Pace every line at its baud rate (realistic timings; the benchmark turns it on). Default off. */
  pace?: boolean;
  /** "binding" (in-process, default) or "pty" (socat pair; lines cannot be driven). */
  transport?: 'binding' | 'pty';
  /** Directory for pty links (a temporary one by default). */
  dir?: string;
  /** Options for every emulated ESP8266 (mac is derived from the index unless given per board). */
  esp8266?: Esp8266Options;
  cc3200?: Cc3200Options;
}

export interface VirtualBoardSet {
  readonly boards: VirtualBoard[];
  /** Opens in-process boards by path; hand it to SerialPortStream or to Discovery. */
  readonly binding: BindingInterface;
  /** Port descriptions of the plugged boards, as serialport's list() would give them. */
  list(): PortInfo[];
  get(idOrPath: string): VirtualBoard | undefined;
  close(): Promise<void>;
}

/** Parses "esp8266:2,cc3200:1" (a bare kind means one board). */
export function parseVirtualSpec(spec: string): Array<{ kind: VirtualKind; count: number }> {
  const out: Array<{ kind: VirtualKind; count: number }> = [];
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(esp8266|cc3200)(?::(\d+))?$/i.exec(part);
    if (!m) throw new BadRequestError(`bad --virtual-boards entry "${part}": use KIND[:COUNT] with KIND esp8266 or cc3200, e.g. esp8266:2,cc3200:1`);
    const count = m[2] === undefined ? 1 : Number(m[2]);
    if (count < 1 || count > 32) throw new BadRequestError(`bad --virtual-boards count in "${part}": 1 to 32 boards of a kind`);
    out.push({ kind: m[1]!.toLowerCase() as VirtualKind, count });
  }
  if (out.length === 0) throw new BadRequestError('empty --virtual-boards spec: use e.g. esp8266:2,cc3200:1');
  return out;
}

function twoHex(n: number): string {
  return n.toString(16).padStart(2, '0');
}

function makeEsp(n: number, opts: VirtualBoardsOptions, pty: boolean): { emulator: Esp8266Emulator; info: Omit<PortInfo, 'path'>; id: string } {
  // Espressif's OUI with a "virtual" marker byte, so ids never clash with a real board's MAC.
  const mac = opts.esp8266?.mac ?? `18:fe:34:7e:${twoHex(n >> 8)}:${twoHex(n & 0xff)}`;
  const emulator = new Esp8266Emulator({
    label: `ourci virtual esp8266 #${n}`,
    ...opts.esp8266,
    mac,
    ...(pty ? { startIn: 'bootloader', resetOnSync: true } : {}),
  });
  return {
    emulator,
    id: `esp8266-${emulator.mac.replace(/:/g, '')}`,
    info: {
      manufacturer: 'OurCI (virtual CP2102)',
      serialNumber: `VIRT-ESP-${n}`,
      pnpId: `usb-OurCI_virtual_esp8266_VIRT-ESP-${n}-if00-port0`,
      locationId: undefined,
      vendorId: '10c4',
      productId: 'ea60',
    },
  };
}

function makeCc(n: number, opts: VirtualBoardsOptions, pty: boolean): { emulator: Cc3200Emulator; info: Omit<PortInfo, 'path'>; id: string } {
  const emulator = new Cc3200Emulator({ label: `ourci virtual cc3200 #${n}`, ...opts.cc3200, ...(pty ? { nulIsBreak: true } : {}) });
  return {
    emulator,
    id: `cc3200-virt${n}`,
    info: {
      manufacturer: 'OurCI (virtual CC3200-LAUNCHXL)',
      serialNumber: `virt${n}`,
      pnpId: `usb-Texas_Instruments_virtual_CC3200_LAUNCHXL_virt${n}-if01-port0`,
      locationId: undefined,
      vendorId: '0451',
      productId: 'c32a',
    },
  };
}

export async function createVirtualBoards(spec: string | Array<{ kind: VirtualKind; count: number }>, opts: VirtualBoardsOptions = {}): Promise<VirtualBoardSet> {
  const kinds = typeof spec === 'string' ? parseVirtualSpec(spec) : spec;
  const pty = opts.transport === 'pty';
  const ownDir = pty && !opts.dir ? mkdtempSync(join(tmpdir(), 'ourci-virtual-')) : undefined;
  const dir = opts.dir ?? ownDir;
  const boards: VirtualBoard[] = [];
  const bridges: PtyBridge[] = [];
  const counters: Record<VirtualKind, number> = { esp8266: 0, cc3200: 0 };
  const close = async (): Promise<void> => {
    for (const b of boards) b.dispose();
    await Promise.all(bridges.map((b) => b.close()));
    if (ownDir) rmSync(ownDir, { recursive: true, force: true });
  };
  try {
    for (const { kind, count } of kinds) {
      for (let i = 0; i < count; i++) {
        const n = ++counters[kind];
        const made = kind === 'esp8266' ? makeEsp(n, opts, pty) : makeCc(n, opts, pty);
        const board = new VirtualBoard(made.id, pty ? '' : `virtual:${kind}-${n}`, { path: '', ...made.info }, made.emulator, { pace: !!opts.pace, pty });
        if (pty) {
          const bridge = await PtyBridge.start(board.link, dir!, `${kind}-${n}`);
          bridges.push(bridge);
          board.path = bridge.path;
          if (kind === 'cc3200') await board.reset('bootloader');
        }
        board.info.path = board.path;
        boards.push(board);
      }
    }
  } catch (err) {
    await close();
    throw err;
  }
  const byPath = (path: string): VirtualBoard | undefined => boards.find((b) => b.path === path);
  const binding: BindingInterface = {
    async list() {
      return boards.filter((b) => b.plugged && !pty).map((b) => ({ ...b.info }));
    },
    async open(options: OpenOptions): Promise<VirtualPort> {
      const board = byPath(options.path);
      if (!board || pty) throw Object.assign(new Error(`Error: No such file or directory, cannot open ${options.path}`), { code: 'ENOENT' });
      return board.open(options);
    },
  };
  return {
    boards,
    binding,
    list: () => boards.filter((b) => b.plugged).map((b) => ({ ...b.info })),
    get: (key) => boards.find((b) => b.id === key || b.path === key),
    close,
  };
}
