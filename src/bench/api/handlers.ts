// One handler per bench method. The map's type requires exactly the contract's methods, so a
// method added to src/shared/bench/methods.ts without a handler does not compile.
import type { z } from 'zod';
import type { BenchResult } from '../../shared/bench/api';
import type { BenchMethodName } from '../../shared/bench/method-names';
import type { BenchMethodSpecs, FlashSource } from '../../shared/bench/methods';
import type { FlashJob } from '../../shared/bench/model';
import { ConflictError, ForbiddenError, NotFoundError, UnavailableError } from '../../shared/errors';
import type { BenchService } from '../bench-service';
import type { BoardSlot } from '../board-slot';
import { decodeBase64, type FlashRequest } from '../flash-manager';

/** The calling session, as handlers see it (bench-api.ts implements it). */
export interface SessionView {
  readonly caller: { kind: 'operator' } | { kind: 'task'; board: string; task: string };
  watch: { boards: Set<string>; tasks: Set<string> };
  checkBoard(board: string): void;
}

export interface HandlerContext {
  service: BenchService;
  session: SessionView;
}

type In<K extends BenchMethodName> = z.output<BenchMethodSpecs[K]['params']>;
type Handlers = { [K in BenchMethodName]: (p: In<K>, ctx: HandlerContext) => Promise<BenchResult<K>> | BenchResult<K> };

/** The board, checked against the caller: a task reaches its own board while its task runs. */
function boardFor(ctx: HandlerContext, id: string): BoardSlot {
  ctx.session.checkBoard(id);
  const slot = ctx.service.slot(id);
  const c = ctx.session.caller;
  if (c.kind === 'task' && slot.task?.id !== c.task) throw new ForbiddenError(`board ${id} no longer runs task ${c.task}`);
  return slot;
}

/** Hands-on work on a board (typing, baud, reset): the operator's takes the board's manual lock. */
function handsOn(ctx: HandlerContext, id: string): BoardSlot {
  const slot = boardFor(ctx, id);
  if (ctx.session.caller.kind === 'operator') {
    if (slot.task) throw new ConflictError(`board ${id} is running task ${slot.task.id}; its console is read-only until the task ends`);
    if (slot.flash) throw new ConflictError(`board ${id} is being flashed`);
    slot.takeLock(slot.lock?.by ?? 'operator', ctx.service.lockSeconds);
  }
  return slot;
}

async function readSource(ctx: HandlerContext, source: FlashSource): Promise<{ bytes: Uint8Array; label: string }> {
  if (source.kind === 'file') return { bytes: decodeBase64(source.base64, source.name), label: source.name };
  const c = ctx.session.caller;
  if (c.kind === 'task') {
    const job = ctx.service.slot(c.board).task?.job;
    if (source.job !== job) throw new ForbiddenError(`a task may flash blobs of its own job (${job}) only`);
  }
  return { bytes: await ctx.service.link.fetch(source.job, source.name), label: `${source.job}/${source.name}` };
}

async function startFlash(p: In<'Flash.Start'>, ctx: HandlerContext): Promise<{ flashes: FlashJob[] }> {
  const c = ctx.session.caller;
  const boards = [...new Set(p.boards)];
  const slots = boards.map((id) => boardFor(ctx, id));
  for (const s of slots) {
    if (!s.present) throw new UnavailableError(`board ${s.id} is not connected`);
    if (s.flash) throw new ConflictError(`board ${s.id} is already being flashed`);
    if (c.kind === 'operator' && s.task) throw new ConflictError(`board ${s.id} is running task ${s.task.id}; choose an idle board`);
  }
  const { bytes, label } = await readSource(ctx, p.source);
  const reqs: FlashRequest[] = slots.map((slot) => ({
    slot,
    bytes,
    source: label,
    by: c.kind,
    task: c.kind === 'task' ? c.task : undefined,
    address: p.address,
    baud: p.baud,
  }));
  // Every board's plan is validated before the first one is touched.
  const plans = await Promise.all(reqs.map((r) => ctx.service.flashes.plan(r)));
  const flashes: FlashJob[] = [];
  reqs.forEach((req, i) => {
    const slot = req.slot;
    // The operator's flash keeps the board from pulling work until it is done.
    const ownLock = c.kind === 'operator' && !slot.lock;
    if (c.kind === 'operator') slot.takeLock(slot.lock?.by ?? 'flash', ctx.service.lockSeconds);
    const job = ctx.service.flashes.launch(req, plans[i]!);
    flashes.push(job);
    void ctx.service.flashes.wait(job.id).finally(() => {
      if (ownLock && slot.lock?.by === 'flash') slot.releaseLock();
    });
  });
  return { flashes };
}

export const benchHandlers: Handlers = {
  'Bench.Status': (_p, { service }) => ({ bench: service.summary(), boards: service.boards(), tasks: service.tasks.list(), flashes: service.flashes.list() }),
  'Bench.SetPaused': (p, { service }) => ({ bench: service.setPaused(p.paused) }),
  'Bench.Watch': (p, { session }) => {
    for (const b of p.boards ?? []) session.checkBoard(b);
    session.watch.boards = new Set(p.boards ?? []);
    session.watch.tasks = new Set(p.tasks ?? []);
    return {};
  },
  'Bench.GetSettings': (_p, { service }) => ({ settings: service.settings() }),
  'Bench.SaveSettings': (p, { service }) => ({ settings: service.saveSettings(p) }),

  'Board.Quarantine': (p, { service }) => ({ board: service.quarantine(p.board, p.reason?.trim() || 'taken out of service by the operator') }),
  'Board.ReturnToService': (p, { service }) => ({ board: service.returnToService(p.board) }),
  'Board.Lock': (p, ctx) => {
    const slot = boardFor(ctx, p.board);
    slot.takeLock('operator', p.seconds ?? ctx.service.lockSeconds);
    return { board: slot.toInfo() };
  },
  'Board.Unlock': (p, ctx) => {
    const slot = boardFor(ctx, p.board);
    slot.releaseLock();
    return { board: slot.toInfo() };
  },
  'Board.Reset': async (p, ctx) => {
    await handsOn(ctx, p.board).resetIntoApp();
    return {};
  },

  'Serial.History': (p, ctx) => {
    const slot = boardFor(ctx, p.board);
    const limit = p.limit ?? 1000;
    // A task's console starts at its board's last flash or reset, so a banner is never missed.
    const after = p.afterSeq ?? (ctx.session.caller.kind === 'task' ? slot.history.mark : undefined);
    return { lines: after === undefined ? slot.history.last(limit) : slot.history.after(after, limit), baud: slot.baud };
  },
  'Serial.Write': async (p, ctx) => {
    await handsOn(ctx, p.board).write(p.newline ? `${p.data}\r\n` : p.data);
    return {};
  },
  'Serial.SetBaud': async (p, ctx) => {
    const slot = handsOn(ctx, p.board);
    await slot.setBaud(p.baud);
    return { baud: slot.baud };
  },

  'Flash.Start': startFlash,
  'Flash.Cancel': (p, ctx) => {
    const job = ctx.service.flashes.get(p.flash);
    if (!job) throw new NotFoundError(`no flash operation ${p.flash}`);
    boardFor(ctx, job.board);
    return { flash: ctx.service.flashes.cancel(p.flash) };
  },

  'Master.Jobs': async (p, { service }) => ({ jobs: await service.link.jobs(p) }),
  'Master.Blobs': async (p, { service }) => ({ blobs: await service.link.blobs(p.job) }),
  'Tasks.Log': async (p, { service }) => {
    const offset = p.offset ?? 0;
    const limit = p.limit ?? 256 << 10;
    const local = service.tasks.read(p.task, offset, limit);
    if (local) return local;
    // Older bytes, or a task this bench no longer remembers: the master keeps the whole log.
    const r = await service.link.readLog(p.task, service.tasks.get(p.task)?.attempt, offset, limit);
    return { offset: r.offset, nextOffset: r.nextOffset, length: r.length, data: r.data, complete: r.complete, omitted: r.omitted };
  },
};
