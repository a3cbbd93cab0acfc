// `ourci console`: a board's serial output as timestamped lines; keystrokes (or piped stdin)
// go to the board. Survives replugs. With --until it is a test step: exit 0 when a line
// matches, 504 after --timeout.
import type { Command } from 'commander';
import { chooseBoardRoute, openBoardAccess, pickBoard, SerialMonitor, type MonitorLine } from '../../devices';
import { BadRequestError, TimeoutError } from '../../shared/errors';
import type { CliContext } from '../context';
import { parseDuration } from '../context';
import { boardAccessOptions, withBoardSources, type VirtualFlags } from './boards';
import { parseBaud } from './flash';
import { consoleViaBench } from './bench-route';

interface ConsoleFlags extends VirtualFlags {
  board?: string;
  port?: string;
  baud?: string;
  timestamps: boolean;
  reset?: boolean;
  until?: string;
  timeout?: string;
  json?: boolean;
}

const CTRL_RIGHT_BRACKET = 0x1d;

function stamp(d: Date): string {
  return d.toTimeString().slice(0, 8) + '.' + String(d.getMilliseconds()).padStart(3, '0');
}

export function registerConsole(program: Command, ctx: CliContext): void {
  withBoardSources(
    program
      .command('console')
      .description('show a board\'s serial output with timestamps and send it your keystrokes (Ctrl-] quits); works without a master')
      .option('--board <id>', 'board id (see `ourci boards`)')
      .option('--port <path>', 'serial port, e.g. /dev/ttyUSB0')
      .option('--baud <n>', 'baud rate (default 115200)')
      .option('--no-timestamps', 'print lines as they come')
      .option('--reset', 'reset the board into its application first (RTS pulse)')
      .option('--until <regex>', 'exit 0 as soon as a line matches (for test scripts)')
      .option('--timeout <duration>', 'with --until: fail after this long (default 30s); without: stop after it')
      .option('--json', 'one JSON object per line: {time, text}'),
  ).action(async (o: ConsoleFlags) => {
    const route = chooseBoardRoute({ OURCI_BENCH_URL: ctx.env.OURCI_BENCH_URL });
    const baud = parseBaud(o.baud, 115200);
    let until: RegExp | undefined;
    try {
      until = o.until === undefined ? undefined : new RegExp(o.until);
    } catch (err) {
      throw new BadRequestError(`--until is not a valid regular expression: ${(err as Error).message}`);
    }
    const timeoutMs = o.timeout ? parseDuration(o.timeout) * 1000 : until ? 30_000 : undefined;
    if (route.kind === 'bench') {
      const explicitBaud = o.baud === undefined ? undefined : baud;
      return consoleViaBench(ctx, route.url, { ...o, baud: explicitBaud, until, untilText: o.until, timeoutMs });
    }
    const access = await openBoardAccess({ ...boardAccessOptions(o), probe: o.probe !== false && !!o.board });
    const target = pickBoard(access, o);
    const boardId = target.board?.id;
    // After a replug the board may come back on another path: ask discovery again.
    const monitor = new SerialMonitor({
      resolve: () => (boardId ? access.discovery.endpoint(boardId) : target.endpoint),
      baud,
    });
    const out = (line: MonitorLine): void => {
      if (o.json) process.stdout.write(`${JSON.stringify({ time: line.time.toISOString(), text: line.text, ...(line.partial ? { partial: true } : {}) })}\n`);
      else process.stdout.write(o.timestamps ? `${stamp(line.time)} ${line.text}\n` : `${line.text}\n`);
    };
    const stdinRaw = !!process.stdin.isTTY && !until;
    let finish: (err?: Error) => void = () => {};
    const done = new Promise<void>((resolve, reject) => {
      finish = (err) => (err ? reject(err) : resolve());
    });
    monitor.on('line', (line) => {
      out(line);
      if (until?.test(line.text)) finish();
    });
    monitor.on('state', (state, detail) => {
      if (o.json) return;
      if (state === 'waiting') process.stderr.write(`-- ${detail ?? 'port gone'}; waiting for the board --\n`);
      if (state === 'open') process.stderr.write(`-- connected to ${detail} at ${baud} baud${stdinRaw ? ' (Ctrl-] quits)' : ''} --\n`);
    });
    const timer = timeoutMs ? setTimeout(() => finish(until ? new TimeoutError(`no line matched /${o.until}/ within ${o.timeout ?? '30s'}`) : undefined), timeoutMs) : undefined;
    const onSignal = (): void => finish();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const onStdin = (d: Buffer): void => {
      if (stdinRaw && d.includes(CTRL_RIGHT_BRACKET)) return finish();
      // Terminals send CR for Enter; boards expect CR LF.
      void monitor.write(stdinRaw ? Buffer.from(d.toString('latin1').replace(/\r/g, '\r\n'), 'latin1') : d).catch(() => {});
    };
    try {
      await monitor.start();
      if (o.reset) {
        await monitor.setLines({ dtr: false, rts: true });
        await new Promise((r) => setTimeout(r, 100));
        await monitor.setLines({ dtr: false, rts: false });
      }
      if (stdinRaw) process.stdin.setRawMode(true);
      process.stdin.on('data', onStdin);
      await done;
    } finally {
      clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.stdin.off('data', onStdin);
      if (stdinRaw) process.stdin.setRawMode(false);
      process.stdin.pause();
      await monitor.stop();
      await access.close();
    }
  });
}
