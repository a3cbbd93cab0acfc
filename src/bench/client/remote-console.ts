// `ourci console` inside a bench task: the board's serial lines come from the bench, which
// reads the port for the task's log anyway. It starts with the lines since the board's last
// flash or reset, so `ourci flash … && ourci console --until BANNER` never misses the banner.
import type { SerialLine } from '../../shared/bench/model';
import { connectBench, type BenchClient } from './bench-client';

export interface RemoteConsole {
  write(data: string): Promise<void>;
  reset(): Promise<void>;
  setBaud(baud: number): Promise<void>;
  close(): void;
}

export async function consoleThroughBench(o: {
  url: string;
  board: string;
  onLine: (line: SerialLine) => void;
  onClosed?: (reason: string) => void;
}): Promise<RemoteConsole> {
  const bench: BenchClient = await connectBench(o.url);
  let last = -1;
  let buffered: SerialLine[] | undefined = [];
  const deliver = (l: SerialLine): void => {
    if (l.seq <= last) return;
    last = l.seq;
    o.onLine(l);
  };
  bench.onEvent((e) => {
    if (e.type !== 'serial' || e.board !== o.board) return;
    if (buffered) buffered.push(...e.lines);
    else e.lines.forEach(deliver);
  });
  const watch = async (): Promise<void> => {
    await bench.rpc.call('Bench.Watch', { boards: [o.board] });
  };
  try {
    await watch();
    const h = await bench.rpc.call('Serial.History', { board: o.board });
    h.lines.forEach(deliver);
    const early = buffered;
    buffered = undefined;
    early.forEach(deliver);
  } catch (err) {
    bench.close();
    throw err;
  }
  // A reconnect is a new session: watch again, and fetch what was missed.
  bench.rpc.onReconnect(() => {
    void watch()
      .then(() => bench.rpc.call('Serial.History', { board: o.board, afterSeq: last }))
      .then((h) => h.lines.forEach(deliver))
      .catch((err: Error) => o.onClosed?.(err.message));
  });
  return {
    write: async (data) => void (await bench.rpc.call('Serial.Write', { board: o.board, data })),
    reset: async () => void (await bench.rpc.call('Board.Reset', { board: o.board })),
    setBaud: async (baud) => void (await bench.rpc.call('Serial.SetBaud', { board: o.board, baud })),
    close: () => bench.close(),
  };
}
