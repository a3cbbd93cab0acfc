// `ourci flash` and `ourci console` inside a bench task (OURCI_BENCH_URL set): the bench owns
// the board's port, so both go through the bench's local API instead of opening it. The task's
// board is BOARD_ID; --port makes no sense there and is refused.
import { consoleThroughBench, flashThroughBench } from '../../bench';
import type { SerialLine } from '../../shared/bench/model';
import { BadRequestError, TimeoutError } from '../../shared/errors';
import type { CliContext } from '../context';
import { parseDuration } from '../context';
import { print } from '../output';

function taskBoard(ctx: CliContext, o: { board?: string; port?: string }): string {
  if (o.port) throw new BadRequestError('inside a bench task the bench owns the serial port: leave out --port (the task\'s board is $BOARD_ID)');
  const board = o.board ?? ctx.env.BOARD_ID;
  if (!board) throw new BadRequestError('OURCI_BENCH_URL is set but BOARD_ID is not: give --board');
  return board;
}

export async function flashViaBench(
  ctx: CliContext,
  url: string,
  o: { board?: string; port?: string; baud?: number; address?: number; json?: boolean; timeout?: string },
  firmware: { bytes: Uint8Array; source: string },
  progress: { update(p: { phase: string; written: number; total: number }): void; stop(): void },
): Promise<void> {
  const board = taskBoard(ctx, o);
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const timer = o.timeout ? setTimeout(() => abort.abort(), parseDuration(o.timeout) * 1000) : undefined;
  try {
    const job = await flashThroughBench({
      url,
      board,
      bytes: firmware.bytes,
      source: firmware.source,
      address: o.address,
      baud: o.baud,
      signal: abort.signal,
      onProgress: (j) => progress.update({ phase: j.phase === 'queued' ? 'connecting' : j.phase, written: j.written, total: j.total }),
    });
    progress.stop();
    print(o, job, () => {
      const parts = (job.result?.parts ?? []).map((p) => `  ${p.name}  ${p.size} bytes  md5 ${p.md5}`).join('\n');
      const secs = ((job.result?.totalMs ?? 0) / 1000).toFixed(1);
      return `flashed ${firmware.source} to ${board} through the bench in ${secs} s, verified; reset into its application\n${parts}`;
    });
  } finally {
    progress.stop();
    clearTimeout(timer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function stamp(iso: string): string {
  const d = new Date(iso);
  return d.toTimeString().slice(0, 8) + '.' + String(d.getMilliseconds()).padStart(3, '0');
}

export async function consoleViaBench(
  ctx: CliContext,
  url: string,
  o: { board?: string; port?: string; baud?: number; timestamps: boolean; reset?: boolean; until?: RegExp; untilText?: string; timeoutMs?: number; timeout?: string; json?: boolean },
): Promise<void> {
  const board = taskBoard(ctx, o);
  let finish: (err?: Error) => void = () => {};
  const done = new Promise<void>((resolve, reject) => {
    finish = (err) => (err ? reject(err) : resolve());
  });
  const out = (l: SerialLine): void => {
    if (l.kind !== 'rx') return;
    if (o.json) process.stdout.write(`${JSON.stringify({ time: l.time, text: l.text, ...(l.partial ? { partial: true } : {}) })}\n`);
    else process.stdout.write(o.timestamps ? `${stamp(l.time)} ${l.text}\n` : `${l.text}\n`);
    if (o.until?.test(l.text)) finish();
  };
  const remote = await consoleThroughBench({ url, board, onLine: out, onClosed: (reason) => finish(new Error(`lost the bench: ${reason}`)) });
  const timer = o.timeoutMs
    ? setTimeout(() => finish(o.until ? new TimeoutError(`no line matched /${o.untilText}/ within ${o.timeout ?? '30s'}`) : undefined), o.timeoutMs)
    : undefined;
  const onSignal = (): void => finish();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const onStdin = (d: Buffer): void => void remote.write(d.toString('latin1')).catch(() => {});
  try {
    if (o.baud) await remote.setBaud(o.baud);
    if (o.reset) await remote.reset();
    if (!o.until && !process.stdin.isTTY) process.stdin.on('data', onStdin);
    await done;
  } finally {
    clearTimeout(timer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.stdin.off('data', onStdin);
    process.stdin.pause();
    remote.close();
  }
}
