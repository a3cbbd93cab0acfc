// The bench's methods (src/shared/bench/methods.ts) served over any transport: the Electron
// IPC wrapper, the headless WebSocket and the task route all open a session here and pass
// raw params in. Params are validated by the contract's schemas; a task's session reaches only
// its own board, and only while its task runs.
import type { BenchMethodName } from '../../shared/bench/method-names';
import { benchMethodByName } from '../../shared/bench/methods';
import type { BenchEvent } from '../../shared/bench/model';
import { ForbiddenError, InvalidParamsError, MethodNotFoundError, UnauthorizedError } from '../../shared/errors';
import type { BenchService } from '../bench-service';
import { benchHandlers, type HandlerContext } from './handlers';

export type Caller = { kind: 'operator' } | { kind: 'task'; token: string; board: string; task: string };

export class BenchSession {
  readonly watch = { boards: new Set<string>(), tasks: new Set<string>() };
  private readonly off: () => void;
  private closed = false;

  constructor(
    private readonly service: BenchService,
    readonly caller: Caller,
    private readonly send: (event: BenchEvent) => void,
  ) {
    const listener = (e: BenchEvent): void => {
      if (!this.closed && this.wants(e)) this.send(e);
    };
    service.on('event', listener);
    this.off = () => service.off('event', listener);
  }

  /** Runs one method; rejects with an OurciError carrying the code of the error table. */
  async call(method: string, rawParams: unknown): Promise<unknown> {
    const spec = benchMethodByName.get(method);
    if (!spec) throw new MethodNotFoundError(method);
    const c = this.caller;
    if (c.kind === 'task') {
      if (!spec.scopes.includes('task')) throw new ForbiddenError(`a bench task may not call ${method}`);
      if (!this.service.grants.lookup(c.token)) throw new UnauthorizedError('this task has ended: its bench token is no longer valid');
    }
    const parsed = spec.params.safeParse(rawParams ?? {});
    if (!parsed.success) {
      throw new InvalidParamsError(`invalid params for ${method}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`).join('; ')}`, parsed.error.issues);
    }
    const ctx: HandlerContext = { service: this.service, session: this };
    const handler = benchHandlers[method as BenchMethodName] as (p: unknown, ctx: HandlerContext) => unknown;
    return handler(parsed.data, ctx);
  }

  /** A task may touch its own board only; the operator any. */
  checkBoard(board: string): void {
    const c = this.caller;
    if (c.kind === 'task' && board !== c.board) throw new ForbiddenError(`this task owns board ${c.board}, not ${board}`);
  }

  private wants(e: BenchEvent): boolean {
    const c = this.caller;
    if (e.type === 'serial') return this.watch.boards.has(e.board);
    if (e.type === 'task.log') return c.kind === 'operator' && this.watch.tasks.has(e.task);
    if (c.kind === 'operator') return true;
    if (e.type === 'flash') return e.flash.board === c.board;
    if (e.type === 'board') return e.board.id === c.board;
    return false;
  }

  close(): void {
    this.closed = true;
    this.off();
  }
}

export function openSession(service: BenchService, caller: Caller, send: (event: BenchEvent) => void): BenchSession {
  return new BenchSession(service, caller, send);
}
