// The bench API as types only (no zod at run time): what the renderer calls through either
// transport, and the shape of the preload's bridge object. Import these with `import type`.
import type { z } from 'zod';
import type { BenchEvent } from './model';
import type { BenchMethodSpecs } from './methods';
import type { BenchFunctionName, BenchMethodName } from './method-names';

export type BenchParams<K extends BenchMethodName> = z.input<BenchMethodSpecs[K]['params']>;
export type BenchResult<K extends BenchMethodName> = z.output<BenchMethodSpecs[K]['result']>;

/** The method map the typed RpcClient takes (src/shared/rpc/rpc-client.ts). */
export type BenchMethods = { [K in BenchMethodName]: { params: BenchParams<K>; result: BenchResult<K> } };

/**
 * A call's outcome over Electron IPC. invoke() would flatten a thrown error into a message
 * string, losing its code, so the main process answers with this envelope instead.
 */
export type BenchReply<R> = { ok: true; result: R } | { ok: false; error: { code: number; message: string; data?: unknown } };

/** What the preload exposes as `window.ourciBench`: one function per method, and the event feed. */
export type BenchBridge = {
  [K in BenchMethodName as BenchFunctionName<K>]: (params: BenchParams<K>) => Promise<BenchReply<BenchResult<K>>>;
} & {
  /** Bench events for this window; returns the function that stops them. */
  onEvent(listener: (event: BenchEvent) => void): () => void;
};

export type { BenchEvent, BenchMethodName };
