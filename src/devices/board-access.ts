// Finding the board a command is about: the machine's boards plus this process's virtual
// ones, picked by id, by port path, or (when there is exactly one) implicitly. Shared by the
// board commands of the CLI; the bench holds a long-lived Discovery instead.
import { BadRequestError, NotFoundError } from '../shared/errors';
import { Discovery, type Board, type DiscoveryStatus } from './discovery/discovery';
import { serialportSource, virtualSource, type ListSource } from './discovery/list-source';
import { createVirtualBoards, type VirtualBoardSet, type VirtualBoardsOptions } from './emulator/virtual-boards';
import { nativeEndpoint, type SerialEndpoint } from './serial/open-port';

export interface BoardAccessOptions {
  /** `esp8266:2,cc3200:1`: emulated boards living in this process. */
  virtualSpec?: string;
  virtual?: VirtualBoardsOptions;
  /** List the machine's own ports too (default true). */
  real?: boolean;
  /** Probe boards on arrival (resets them; default true). */
  probe?: boolean;
  includeUnknown?: boolean;
  /** Extra sources (tests: canned udevadm output). */
  sources?: ListSource[];
  log?: (line: string) => void;
}

export interface BoardAccess {
  discovery: Discovery;
  virtual: VirtualBoardSet | undefined;
  status(): DiscoveryStatus;
  close(): Promise<void>;
}

export async function openBoardAccess(opts: BoardAccessOptions): Promise<BoardAccess> {
  const virtual = opts.virtualSpec ? await createVirtualBoards(opts.virtualSpec, opts.virtual) : undefined;
  const sources: ListSource[] = [...(opts.sources ?? [])];
  if (opts.real ?? true) sources.push(serialportSource());
  if (virtual) sources.push(virtualSource(virtual));
  const discovery = new Discovery({ sources, probe: opts.probe, includeUnknown: opts.includeUnknown, log: opts.log });
  try {
    await discovery.start();
  } catch (err) {
    discovery.stop();
    await virtual?.close();
    throw err;
  }
  return {
    discovery,
    virtual,
    status: () => discovery.status(),
    close: async () => {
      discovery.stop();
      await virtual?.close();
    },
  };
}

export interface BoardTarget {
  endpoint: SerialEndpoint;
  /** Undefined when a bare --port names something discovery does not list (a pty). */
  board?: Board;
}

/** Picks the board by --board or --port, or the only one there is. */
export function pickBoard(access: BoardAccess, sel: { board?: string; port?: string }): BoardTarget {
  const d = access.discovery;
  if (sel.board && sel.port) throw new BadRequestError('give --board or --port, not both');
  if (sel.board) {
    const board = d.find(sel.board);
    if (!board) throw new NotFoundError(`no board ${sel.board}${describeChoices(d.boards(), access.status())}`);
    return { board, endpoint: d.endpoint(board.id)! };
  }
  if (sel.port) {
    const board = d.find(sel.port);
    return board ? { board, endpoint: d.endpoint(board.id)! } : { endpoint: nativeEndpoint(sel.port) };
  }
  const boards = d.boards();
  if (boards.length === 1) return { board: boards[0]!, endpoint: d.endpoint(boards[0]!.id)! };
  if (boards.length === 0) throw new NotFoundError(`no board found${describeChoices(boards, access.status())}`);
  throw new BadRequestError(`${boards.length} boards attached: choose one with --board${describeChoices(boards, access.status())}`);
}

function describeChoices(boards: Board[], status: DiscoveryStatus): string {
  const unavailable = status.enumeration === 'unavailable' ? ` (enumeration unavailable: ${status.error})` : '';
  if (boards.length === 0) return `${unavailable}; connect one, give --port PATH, or try --virtual-boards esp8266:1`;
  return `${unavailable}; boards: ${boards.map((b) => `${b.id} (${b.port})`).join(', ')}`;
}
