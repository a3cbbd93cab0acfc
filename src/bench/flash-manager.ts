// Flash operations on the bench's boards, from the operator (the Flash page: any blob of the
// master or a local file, several idle boards at once) or from a task (`ourci flash` inside a
// bench task, through the bench API). The image is validated before any port is touched; the
// board's port is borrowed from its serial monitor; after writing, the monitor takes the port
// back *before* the board is reset into its application, so the boot banner lands in the
// serial view and the task's log instead of being lost between two owners.
import { randomBytes } from 'node:crypto';
import { flashBoard, loadFlashPlan, type FlashPlan, type FlashProgress } from '../devices';
import type { BenchEvent, FlashJob } from '../shared/bench/model';
import { BadRequestError, CancelledError, ConflictError, NotFoundError, OurciError } from '../shared/errors';
import type { BoardSlot } from './board-slot';
import { isInfrastructureFailure } from './health';

export interface FlashRequest {
  slot: BoardSlot;
  bytes: Uint8Array;
  source: string;
  by: FlashJob['by'];
  task?: string;
  address?: number;
  baud?: number;
}

export interface FlashManagerEnv {
  emit(event: BenchEvent): void;
  /** The outcome, for the board's health: ok, an infrastructure failure, or neither (bad image, cancel). */
  outcome(slot: BoardSlot, outcome: 'ok' | 'neutral' | Error): void;
}

interface Running {
  job: FlashJob;
  abort: AbortController;
  done: Promise<FlashJob>;
}

const PROGRESS_EVERY_MS = 150;

export class FlashManager {
  private readonly jobs = new Map<string, Running>();

  constructor(private readonly env: FlashManagerEnv) {}

  list(): FlashJob[] {
    return [...this.jobs.values()].map((r) => ({ ...r.job })).sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  }

  get(id: string): FlashJob | undefined {
    const r = this.jobs.get(id);
    return r ? { ...r.job } : undefined;
  }

  wait(id: string): Promise<FlashJob> {
    const r = this.jobs.get(id);
    if (!r) return Promise.reject(new NotFoundError(`no flash operation ${id}`));
    return r.done;
  }

  cancel(id: string): FlashJob {
    const r = this.jobs.get(id);
    if (!r) throw new NotFoundError(`no flash operation ${id}`);
    r.abort.abort();
    return { ...r.job };
  }

  /** Reads and validates the image for the board: 400 before any port is touched. */
  async plan(req: FlashRequest): Promise<FlashPlan> {
    const board = req.slot.board;
    const knownType = board.chip || board.virtual ? board.type : undefined;
    return loadFlashPlan(req.bytes, req.source, { address: req.address, platform: knownType });
  }

  /** Starts a validated plan in the background; progress and the result come as events. */
  launch(req: FlashRequest, plan: FlashPlan): FlashJob {
    const { slot } = req;
    if (slot.flash) throw new ConflictError(`board ${slot.id} is already being flashed (${slot.flash})`);
    const job: FlashJob = {
      id: `f${randomBytes(4).toString('hex')}`,
      board: slot.id,
      source: req.source,
      by: req.by,
      task: req.task,
      state: 'running',
      phase: 'queued',
      written: 0,
      total: plan.parts.reduce((n, p) => n + p.data.length, 0),
      startedAt: new Date().toISOString(),
    };
    const abort = new AbortController();
    slot.setFlash(job.id);
    const running: Running = { job, abort, done: Promise.resolve(job) };
    this.jobs.set(job.id, running);
    this.trim();
    running.done = this.run(running, req, plan);
    return { ...job };
  }

  private async run(r: Running, req: FlashRequest, plan: FlashPlan): Promise<FlashJob> {
    const { slot } = req;
    const job = r.job;
    this.env.emit({ type: 'flash', flash: { ...job } });
    let last = 0;
    const onProgress = (p: FlashProgress): void => {
      const phaseChanged = p.phase !== job.phase;
      job.phase = p.phase;
      job.written = p.written;
      job.total = p.total || job.total;
      const now = Date.now();
      // Every phase change shows; progress within a phase at most every 150 ms.
      if (phaseChanged || now - last >= PROGRESS_EVERY_MS) {
        last = now;
        this.env.emit({ type: 'flash', flash: { ...job } });
      }
    };
    for (const w of plan.warnings) slot.note(`warning: ${w}`);
    slot.note(`flashing ${req.source}${plan.version ? ` (${plan.name ?? 'app'} ${plan.version})` : ''}`);
    let error: Error | undefined;
    try {
      const result = await slot.exclusive((endpoint) =>
        flashBoard({
          endpoint,
          board: slot.board,
          plan,
          baud: req.baud ?? (plan.platform === 'cc3200' ? 921600 : 460800),
          before: 'default_reset',
          after: 'no_reset',
          signal: r.abort.signal,
          onProgress,
        }),
      );
      // The monitor has the port again: now reset, and the banner is captured.
      job.phase = 'resetting';
      await slot.resetIntoApp().catch((err: Error) => slot.note(`could not reset into the application: ${err.message}`));
      job.state = 'done';
      job.phase = 'done';
      job.written = job.total;
      job.result = {
        chip: result.chip,
        parts: result.parts.map((p) => ({ name: p.file ?? p.name, size: p.size, md5: p.md5 })),
        totalMs: result.timings.totalMs,
        app: plan.name && plan.version ? `${plan.name} ${plan.version}` : undefined,
      };
      slot.note(`flashed ${req.source} in ${(result.timings.totalMs / 1000).toFixed(1)} s, verified`);
    } catch (err) {
      error = err as Error;
      job.state = err instanceof CancelledError || r.abort.signal.aborted ? 'cancelled' : 'failed';
      job.error = describe(err);
      slot.note(`flash ${job.state === 'cancelled' ? 'cancelled' : `failed: ${job.error}`}`);
    } finally {
      job.finishedAt = new Date().toISOString();
      if (slot.flash === job.id) slot.setFlash(undefined);
    }
    this.env.emit({ type: 'flash', flash: { ...job } });
    if (job.state === 'failed') {
      this.env.emit({ type: 'notice', level: 'error', board: slot.id, text: `flashing ${req.source} onto ${slot.id} failed: ${job.error}` });
    }
    // Only the board's own failures count against it; a bad image or a cancel does not.
    this.env.outcome(slot, job.state === 'done' ? 'ok' : error && isInfrastructureFailure(error) ? error : 'neutral');
    return { ...job };
  }

  private trim(): void {
    const done = [...this.jobs.values()].filter((r) => r.job.state !== 'running');
    for (const r of done.slice(0, Math.max(0, done.length - 50))) this.jobs.delete(r.job.id);
  }
}

function describe(err: unknown): string {
  if (err instanceof OurciError || err instanceof Error) return err.message;
  return String(err);
}

export function decodeBase64(text: string, name: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new BadRequestError(`${name}: the file is not valid base64`);
  return new Uint8Array(Buffer.from(text, 'base64'));
}
