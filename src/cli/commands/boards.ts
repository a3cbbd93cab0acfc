// `ourci boards`: the boards attached to this machine (and virtual ones), once or watched.
// Also holds the options the three board commands share (--virtual-boards and friends).
import type { Command } from 'commander';
import { openBoardAccess, type BoardAccess, type BoardAccessOptions, type Board } from '../../devices';
import { BadRequestError } from '../../shared/errors';
import type { CliContext } from '../context';
import { print, table } from '../output';

export interface VirtualFlags {
  virtualBoards?: string;
  virtualTransport?: string;
  virtualPace?: boolean;
  real?: boolean;
  probe?: boolean;
}

/** Adds --virtual-boards, --virtual-transport, --virtual-pace, --no-real, --no-probe. */
export function withBoardSources(cmd: Command): Command {
  return cmd
    .option('--virtual-boards <spec>', 'add emulated boards in this process, e.g. esp8266:2,cc3200:1')
    .option('--virtual-transport <kind>', 'virtual boards in-process ("binding") or on ptys ("pty")', 'binding')
    .option('--virtual-pace', 'pace virtual boards\' serial lines at their baud rate (realistic timings)')
    .option('--no-real', 'do not list this machine\'s serial ports, only virtual boards')
    .option('--no-probe', 'do not probe boards (probing resets them to read chip, MAC and flash size)');
}

export function boardAccessOptions(o: VirtualFlags, log?: (line: string) => void): BoardAccessOptions {
  if (o.virtualTransport !== 'binding' && o.virtualTransport !== 'pty') throw new BadRequestError(`--virtual-transport must be "binding" or "pty", got ${o.virtualTransport}`);
  return {
    virtualSpec: o.virtualBoards,
    virtual: { transport: o.virtualTransport, pace: !!o.virtualPace },
    real: o.real !== false,
    probe: o.probe !== false,
    log,
  };
}

function mib(bytes: number | undefined): string | undefined {
  return bytes ? `${bytes >= 1 << 20 ? `${bytes / (1 << 20)}MB` : `${bytes / 1024}KB`}` : undefined;
}

function row(b: Board): Array<string | undefined> {
  return [b.id + (b.stableId ? '' : '*'), b.type, b.port, b.chip ?? (b.probe?.ok === false ? 'probe failed' : undefined), b.mac, mib(b.flashSize), b.virtual ? 'virtual' : b.usb?.bridge];
}

function boardsTable(boards: Board[]): string {
  const t = table(['ID', 'TYPE', 'PORT', 'CHIP', 'MAC', 'FLASH', 'USB'], boards.map(row));
  const unstable = boards.some((b) => !b.stableId) ? '\n* id follows the port name (no MAC or unique USB serial number): it may change when replugged' : '';
  return t + unstable;
}

async function watch(access: BoardAccess, json: boolean): Promise<void> {
  const d = access.discovery;
  // Listen for Ctrl-C before printing anything: a script may stop us as soon as it reads a line.
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  const out = (event: string, board: Board): void => {
    if (json) process.stdout.write(`${JSON.stringify({ event, board })}\n`);
    else process.stdout.write(`${event === 'added' ? '+' : '-'} ${row(board).filter(Boolean).join('  ')}\n`);
  };
  for (const b of d.boards()) out('added', b);
  d.on('added', (b) => out('added', b));
  d.on('removed', (b) => out('removed', b));
  d.on('status', (s) => {
    if (json) process.stdout.write(`${JSON.stringify({ event: 'status', status: s })}\n`);
    else process.stderr.write(s.enumeration === 'ok' ? 'enumeration available again\n' : `enumeration unavailable: ${s.error}\n`);
  });
  if (!json) process.stderr.write('watching for boards (Ctrl-C to stop)\n');
  await stopped;
}

export function registerBoards(program: Command, _ctx: CliContext): void {
  withBoardSources(
    program
      .command('boards')
      .description('list the ESP8266 / CC3200 boards attached to this machine (works without a master)')
      .option('--watch', 'keep watching and print boards as they come and go')
      .option('--all', 'also list serial ports that are not recognised boards')
      .option('--json', 'print JSON (with --watch: one JSON object per line)'),
  ).action(async (o: VirtualFlags & { watch?: boolean; all?: boolean; json?: boolean }) => {
    const access = await openBoardAccess({ ...boardAccessOptions(o), includeUnknown: !!o.all });
    try {
      const status = access.status();
      if (status.enumeration === 'unavailable' && !o.json) process.stderr.write(`ourci: warning: enumeration unavailable: ${status.error}\n`);
      if (o.watch) return await watch(access, !!o.json);
      const boards = access.discovery.boards();
      print(o, { enumeration: status.enumeration, error: status.error, boards }, () => (boards.length ? boardsTable(boards) : 'no boards found (try --all, or --virtual-boards esp8266:1)'));
    } finally {
      await access.close();
    }
  });
}
