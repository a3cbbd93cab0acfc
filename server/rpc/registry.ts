// Transport-agnostic dispatcher: method lookup, scope check, params validation, handler,
// then the group commit, so a reply never confirms something that is not on disk yet.
import { z } from 'zod';
import {
  ForbiddenError,
  InvalidParamsError,
  MethodNotFoundError,
  OurciError,
  UnauthorizedError,
  toOurciError,
} from '../../src/shared/errors';
import type { MethodSpec } from '../../src/shared/rpc/contract';
import { errorFrame, resultFrame, type RpcRequest, type RpcResponse } from '../../src/shared/rpc/frame';
import { allows, type Principal } from '../auth/principal';

/** A connection a call arrived on; `notify` exists on channels that can push (WebSocket). */
export interface Channel {
  readonly id: number;
  readonly kind: 'ws' | 'http';
  readonly remote: string;
  notify?(method: string, params: unknown): void;
  /** Runs when the channel closes (WebSocket) or the request ends (HTTP). */
  onClose(fn: () => void): void;
}

export interface CallContext {
  principal: Principal;
  /** Aborted when the caller goes away. */
  signal: AbortSignal;
  channel: Channel;
  /** The caller sent no id and will never see the result (a JSON-RPC notification). */
  notification?: boolean;
}

export type Handler<M extends MethodSpec> = (
  params: z.output<M['params']>,
  ctx: CallContext,
) => Promise<z.input<M['result']>> | z.input<M['result']>;

interface Entry {
  spec: MethodSpec;
  handler: Handler<MethodSpec>;
}

export interface RegistryOptions {
  /** Awaited after every handler before the reply is sent (the group commit). */
  commit?: () => Promise<void>;
  onInternalError?: (method: string, err: unknown) => void;
}

export class Registry {
  private readonly methods = new Map<string, Entry>();

  constructor(private readonly opts: RegistryOptions = {}) {}

  add<M extends MethodSpec>(spec: M, handler: Handler<M>): void {
    if (this.methods.has(spec.name)) throw new Error(`method ${spec.name} registered twice`);
    this.methods.set(spec.name, { spec, handler: handler as unknown as Handler<MethodSpec> });
  }

  names(): string[] {
    return [...this.methods.keys()].sort();
  }

  spec(name: string): MethodSpec | undefined {
    return this.methods.get(name)?.spec;
  }

  /** Runs a call and returns its result, throwing an OurciError on failure. */
  async call(method: string, rawParams: unknown, ctx: CallContext): Promise<unknown> {
    const entry = this.methods.get(method);
    if (!entry) throw new MethodNotFoundError(method);
    if (!allows(ctx.principal, entry.spec.scopes)) {
      throw ctx.principal.kind === 'anonymous'
        ? new UnauthorizedError()
        : new ForbiddenError(`a ${ctx.principal.kind} token may not call ${method}`);
    }
    const parsed = entry.spec.params.safeParse(rawParams ?? {});
    if (!parsed.success) {
      throw new InvalidParamsError(`invalid params for ${method}: ${summarize(parsed.error)}`, {
        issues: parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message, code: i.code })),
      });
    }
    let result: unknown;
    try {
      result = await entry.handler(parsed.data, ctx);
    } catch (err) {
      if (!(err instanceof OurciError)) this.opts.onInternalError?.(method, err);
      throw err;
    } finally {
      if (this.opts.commit) await this.opts.commit();
    }
    return result;
  }

  /** Handles one decoded request; returns the response frame, or undefined for notifications. */
  async handle(req: RpcRequest, ctx: CallContext): Promise<RpcResponse | undefined> {
    try {
      const result = await this.call(req.method, req.params, req.id === undefined ? { ...ctx, notification: true } : ctx);
      return req.id === undefined ? undefined : resultFrame(req.id, result, req.tag);
    } catch (err) {
      return req.id === undefined ? undefined : errorFrame(req.id, toOurciError(err), req.tag);
    }
  }
}

function summarize(err: z.ZodError): string {
  return err.issues
    .slice(0, 3)
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}
