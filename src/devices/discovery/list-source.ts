// Where port lists come from: serialport's list() (udevadm on Linux), canned udevadm text in
// tests, and the virtual boards of this process. Each source also says which binding opens
// its ports.
import { spawn, type ChildProcess } from 'node:child_process';
import { Readable } from 'node:stream';
import { EventEmitter } from 'node:events';
import { linuxList } from '@serialport/bindings-cpp/dist/linux-list.js';
import { SerialPort } from 'serialport';
import type { BindingInterface, PortInfo } from '../serial/binding';
import type { VirtualBoardSet } from '../emulator/virtual-boards';

/** What a source already knows about the board behind a port (virtual boards know everything). */
export interface KnownBoard {
  type: string;
  chip?: string;
  mac?: string;
  flashSize?: number;
  bootloader?: string;
}

export type ListedPort = PortInfo & { known?: KnownBoard };

export interface ListSource {
  name: string;
  list(): Promise<ListedPort[]>;
  binding: BindingInterface;
  virtual?: boolean;
}

/** The machine's serial ports, as serialport lists them. */
export function serialportSource(): ListSource {
  return { name: 'serialport', list: () => SerialPort.list(), binding: SerialPort.binding };
}

type SpawnFn = (command: string, args: string[]) => ChildProcess;

/** serialport's Linux lister with an injectable spawn: feed it `udevadm info -e` text. */
export function udevadmSource(spawnFn: SpawnFn = spawn): ListSource {
  return { name: 'udevadm', list: () => linuxList(spawnFn as typeof spawn), binding: SerialPort.binding };
}

/**
 * A spawn stand-in that "runs" udevadm by printing `text`, or fails to start like a machine
 * without the udev package (`error`, e.g. "spawn udevadm ENOENT").
 */
export function cannedUdevadm(text: string, error?: Error): SpawnFn {
  return () => {
    const child = new EventEmitter() as ChildProcess;
    // A process that never started has a stdout that never ends; only "error" fires.
    const stdout = error ? new Readable({ read() {} }) : Readable.from([Buffer.from(text)]);
    Object.assign(child, { stdout });
    if (error) process.nextTick(() => child.emit('error', error));
    else stdout.on('end', () => setImmediate(() => child.emit('close', 0)));
    return child;
  };
}

/** The virtual boards of this process: in-process ones open through their binding, pty ones natively. */
export function virtualSource(set: VirtualBoardSet): ListSource {
  const pty = set.boards.some((b) => !b.path.startsWith('virtual:'));
  const list = async (): Promise<ListedPort[]> =>
    set.boards
      .filter((b) => b.plugged)
      .map((b) => {
        const e = b.emulator;
        const known: KnownBoard = e.kind === 'esp8266' ? { type: 'esp8266', chip: 'ESP8266EX', mac: e.mac, flashSize: e.flash.size } : { type: 'cc3200', chip: 'CC3200', bootloader: '0.4.1.2' };
        return { ...b.info, path: b.path, known };
      });
  return { name: 'virtual', list, binding: pty ? SerialPort.binding : set.binding, virtual: true };
}
