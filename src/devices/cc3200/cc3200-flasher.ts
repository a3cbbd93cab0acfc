// Writes SimpleLink files (the application /sys/mcuimg.bin above all) to a CC3200 through its
// ROM bootloader: reset into the bootloader, switch to the NWP loader, replace each file,
// read it back to verify, reset into the application.
import { createHash } from 'node:crypto';
import { PortLostError, VerifyFailedError } from '../device-errors';
import type { FlashProgress } from '../flash-progress';
import { LineControl } from '../serial/line-control';
import { closePort, openPort, type SerialEndpoint } from '../serial/open-port';
import { PortGuard } from '../serial/port-guard';
import { DtrRtsControl, ManualControl, type BoardControl, type BoardControlKind, type DtrRtsWiring } from './board-control';
import { Cc3200Client } from './cc3200-client';
import { SWITCH_DELAY_TICKS } from './protocol';

export interface Cc3200File {
  name: string;
  /** SimpleLink file name. */
  file: string;
  data: Uint8Array;
  falloc?: number;
}

export interface Cc3200FlashOptions {
  endpoint: SerialEndpoint;
  files: Cc3200File[];
  /** Bootloader rate: 921600. */
  baud?: number;
  control?: BoardControlKind;
  wiring?: Partial<DtrRtsWiring>;
  /** What a person is asked to do when control is "manual". */
  prompt?: (message: string) => Promise<void>;
  /** Leave the board in its bootloader (no_reset) or run the app (hard_reset, default). */
  after?: 'hard_reset' | 'no_reset';
  /** Skip the reset into the bootloader: the board already waits for a break. */
  before?: 'default_reset' | 'no_reset';
  /** Read every file back and compare (default true). */
  verify?: boolean;
  /** Break/ACK rounds before giving up (default 5). */
  breakAttempts?: number;
  /** SWITCH_UART_TO_APPS delay; smaller values make tests against the emulator fast. */
  switchDelayTicks?: number;
  signal?: AbortSignal;
  onProgress?: (p: FlashProgress) => void;
  log?: (line: string) => void;
}

export interface Cc3200FlashResult {
  bootloader: string;
  files: Array<{ name: string; file: string; size: number; md5: string }>;
  timings: { connectMs: number; writeMs: number; totalMs: number };
}

const md5hex = (d: Uint8Array): string => createHash('md5').update(d).digest('hex');

export async function flashCc3200(opts: Cc3200FlashOptions): Promise<Cc3200FlashResult> {
  const started = Date.now();
  const total = opts.files.reduce((n, f) => n + f.data.length, 0);
  const progress = (p: FlashProgress): void => opts.onProgress?.(p);
  const guard = new PortGuard(opts.signal, 'flashing');
  progress({ phase: 'connecting', written: 0, total });
  const port = await guard.run(openPort(opts.endpoint, opts.baud ?? 921600));
  port.on('close', (err: (Error & { disconnected?: boolean }) | null) => {
    if (err?.disconnected) guard.fail(new PortLostError(opts.endpoint.path, err.message));
  });
  port.on('error', () => {});
  guard.whenFailed(() => void closePort(port));
  const lines = new LineControl(port, { ignoreUnsupported: true });
  const control: BoardControl = opts.control === 'manual' ? new ManualControl(lines, port, opts.prompt) : new DtrRtsControl(lines, port, opts.wiring);
  const client = new Cc3200Client(port, control, { guard, log: opts.log, breakAttempts: opts.breakAttempts });
  try {
    await guard.run(opts.before === 'no_reset' ? control.release(true) : control.enterBootloader());
    const rom = await client.connect();
    await client.switchToNwp(opts.switchDelayTicks ?? SWITCH_DELAY_TICKS);
    const connectMs = Date.now() - started;
    const writeStart = Date.now();
    let done = 0;
    for (const f of opts.files) {
      const info = await client.fileInfo(f.file);
      if (info.exists) await client.eraseFile(f.file);
      const base = done;
      await client.writeFile(f.file, f.data, {
        falloc: f.falloc,
        onChunk: (n) => progress({ phase: 'writing', part: f.file, written: base + n, total }),
      });
      done += f.data.length;
      if (opts.verify ?? true) {
        progress({ phase: 'verifying', part: f.file, written: done, total });
        const back = await client.readFile(f.file, f.data.length);
        if (md5hex(back) !== md5hex(f.data)) throw new VerifyFailedError(`verification failed: ${f.file} read back from the CC3200 differs from the image`);
      }
    }
    const writeMs = Date.now() - writeStart;
    progress({ phase: 'resetting', written: total, total });
    if ((opts.after ?? 'hard_reset') === 'hard_reset') await guard.run(control.runApplication());
    progress({ phase: 'done', written: total, total });
    return {
      bootloader: rom.bootloader,
      files: opts.files.map((f) => ({ name: f.name, file: f.file, size: f.data.length, md5: md5hex(f.data) })),
      timings: { connectMs, writeMs, totalMs: Date.now() - started },
    };
  } finally {
    client.dispose();
    await closePort(port);
  }
}
