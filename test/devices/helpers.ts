// Shared by the device tests: virtual boards that close themselves, endpoints, and waiting
// for what an emulated app prints.
import { onTestFinished } from 'vitest';
import { createVirtualBoards, type VirtualBoardSet, type VirtualBoardsOptions } from '../../src/devices';
import type { VirtualBoard } from '../../src/devices/emulator/virtual-board';
import type { Esp8266Emulator } from '../../src/devices/emulator/esp8266-emulator';
import type { Cc3200Emulator } from '../../src/devices/emulator/cc3200-emulator';
import type { SerialEndpoint } from '../../src/devices/serial/open-port';
import { waitFor } from '../helpers/master';

export async function boards(spec: string, opts: VirtualBoardsOptions = {}): Promise<VirtualBoardSet> {
  const set = await createVirtualBoards(spec, opts);
  onTestFinished(() => set.close());
  return set;
}

export function endpointOf(set: VirtualBoardSet, i = 0): SerialEndpoint {
  return { path: set.boards[i]!.path, binding: set.binding };
}

export function esp(board: VirtualBoard): Esp8266Emulator {
  return board.emulator as Esp8266Emulator;
}

export function cc(board: VirtualBoard): Cc3200Emulator {
  return board.emulator as Cc3200Emulator;
}

/** The "app: name=… md5=…" line an emulated board prints after booting its firmware. */
export async function appLine(board: VirtualBoard, timeoutMs = 5000): Promise<string> {
  return waitFor(() => board.emulator.appLines.find((l) => l.startsWith('app: ')), timeoutMs, `app line from ${board.id}`);
}
