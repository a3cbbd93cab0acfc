// One entry point for writing a validated plan to a board of any supported type: ESP chips
// through esptool-js, the CC3200 through our bootloader client. Whatever can be refused
// without the board (wrong type, does not fit) is refused before the port is opened.
import { BadRequestError } from '../shared/errors';
import type { BoardControlKind, DtrRtsWiring } from './cc3200/board-control';
import { flashCc3200 } from './cc3200/cc3200-flasher';
import type { Board } from './discovery/discovery';
import { flashEsp } from './esp/esp-flasher';
import type { After, Before } from './esp/esp-session';
import type { FlashProgress } from './flash-progress';
import { checkPlanForBoard, type FlashPlan } from './images/flash-plan';
import type { SerialEndpoint } from './serial/open-port';

export interface FlashBoardOptions {
  endpoint: SerialEndpoint;
  plan: FlashPlan;
  /** What discovery knows about the board; a probed type and flash size are checked up front. */
  board?: Partial<Pick<Board, 'id' | 'type' | 'chip' | 'flashSize' | 'usb' | 'virtual'>>;
  /** ESP: transfer rate once the stub runs (default 460800). CC3200: bootloader rate (921600). */
  baud?: number;
  before?: Before;
  after?: After;
  verify?: boolean;
  compress?: boolean;
  cc3200?: { control?: BoardControlKind; wiring?: Partial<DtrRtsWiring>; switchDelayTicks?: number; prompt?: (message: string) => Promise<void> };
  signal?: AbortSignal;
  onProgress?: (p: FlashProgress) => void;
  log?: (line: string) => void;
}

export interface FlashBoardResult {
  platform: string;
  chip?: string;
  mac?: string;
  flashSize?: number;
  parts: Array<{ name: string; address?: number; file?: string; size: number; md5: string }>;
  /** How the board was left: its application running (hard/soft reset) or in its bootloader. */
  reset: 'hard_reset' | 'soft_reset' | 'none';
  timings: { connectMs: number; writeMs: number; totalMs: number };
}

export async function flashBoard(opts: FlashBoardOptions): Promise<FlashBoardResult> {
  const { plan, board } = opts;
  // A guess from USB ids is not a fact: only a probed (or virtual) board's type is binding.
  const known = board?.chip || board?.virtual ? { platform: board.type, flashSize: board.flashSize } : {};
  checkPlanForBoard(plan, known);

  if (plan.platform === 'cc3200') {
    const r = await flashCc3200({
      endpoint: opts.endpoint,
      files: plan.parts.map((p) => ({ name: p.name, file: p.file!, data: p.data, falloc: p.falloc })),
      baud: opts.baud,
      before: opts.before,
      after: opts.after === 'no_reset' ? 'no_reset' : 'hard_reset',
      verify: opts.verify,
      control: opts.cc3200?.control,
      wiring: opts.cc3200?.wiring,
      switchDelayTicks: opts.cc3200?.switchDelayTicks,
      prompt: opts.cc3200?.prompt,
      signal: opts.signal,
      onProgress: opts.onProgress,
      log: opts.log,
    });
    return { platform: 'cc3200', chip: 'CC3200', parts: r.files, reset: opts.after === 'no_reset' ? 'none' : 'hard_reset', timings: r.timings };
  }

  const r = await flashEsp({
    endpoint: opts.endpoint,
    usb: board?.usb,
    platform: plan.platform,
    parts: (flashSize) =>
      checkPlanForBoard(plan, { flashSize }).map((p) => {
        if (p.address === undefined) throw new BadRequestError(`cannot place part "${p.name}": the flash size is unknown`);
        return { name: p.name, address: p.address, data: p.data };
      }),
    baud: opts.baud,
    before: opts.before,
    after: opts.after,
    verify: opts.verify,
    compress: opts.compress,
    signal: opts.signal,
    onProgress: opts.onProgress,
    log: opts.log,
  });
  return { platform: r.platform, chip: r.chip, mac: r.mac, flashSize: r.flashSize, parts: r.parts, reset: r.reset, timings: r.timings };
}
