// `ourci flash` inside a bench task: the bench owns the board's port, so the firmware goes to
// the bench (Flash.Start on the task's own board) and the bench flashes it, pausing its serial
// capture, and resets the board into the new application with the capture running.
import type { FlashJob } from '../../shared/bench/model';
import { CancelledError, OurciError, UnavailableError } from '../../shared/errors';
import { connectBench } from './bench-client';

export interface RemoteFlashOptions {
  url: string;
  board: string;
  bytes: Uint8Array;
  source: string;
  address?: number;
  baud?: number;
  signal?: AbortSignal;
  onProgress?: (job: FlashJob) => void;
}

export async function flashThroughBench(o: RemoteFlashOptions): Promise<FlashJob> {
  const bench = await connectBench(o.url);
  try {
    // Events can overtake the reply that names the job: keep the latest per id.
    const seen = new Map<string, FlashJob>();
    const mine: { id?: string } = {};
    let settle: ((job: FlashJob) => void) | undefined;
    const finished = new Promise<FlashJob>((resolve) => (settle = resolve));
    const consider = (job: FlashJob): void => {
      if (job.id !== mine.id) return;
      o.onProgress?.(job);
      if (job.state !== 'running') settle!(job);
    };
    bench.onEvent((e) => {
      if (e.type !== 'flash') return;
      seen.set(e.flash.id, e.flash);
      consider(e.flash);
    });
    const name = o.source.split('/').pop() || 'firmware.bin';
    const r = await bench.rpc.call(
      'Flash.Start',
      { boards: [o.board], source: { kind: 'file', name, base64: Buffer.from(o.bytes).toString('base64') }, address: o.address, baud: o.baud },
      { timeoutMs: 120_000 },
    );
    const id = r.flashes[0]!.id;
    mine.id = id;
    consider(seen.get(id) ?? r.flashes[0]!);
    const onAbort = (): void => void bench.rpc.call('Flash.Cancel', { flash: id }).catch(() => {});
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const lost = new Promise<never>((_, reject) => {
      const t = setInterval(() => {
        if (bench.rpc.state === 'closed') reject(new UnavailableError('the bench went away during the flash'));
      }, 500);
      void finished.finally(() => clearInterval(t));
    });
    const job = await Promise.race([finished, lost]);
    o.signal?.removeEventListener('abort', onAbort);
    if (job.state === 'cancelled') throw new CancelledError('flash cancelled');
    if (job.state === 'failed') throw new OurciError(503, job.error ?? 'flash failed');
    return job;
  } finally {
    bench.close();
  }
}
