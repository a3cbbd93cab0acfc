// A method's contract: name, who may call it, and the zod schemas that both validate its
// params on the master and generate `RPC.Describe`'s JSON Schema. Handlers live in server/.
import { z } from 'zod';

/** Token scopes. `task` tokens are scoped to one attempt of one task (DESIGN.md §5). */
export type Scope = 'admin' | 'agent' | 'viewer' | 'task';

export interface MethodSpec<P extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly summary: string;
  readonly params: P;
  readonly result: R;
  /** Any one of these scopes suffices; `admin` always does. */
  readonly scopes: readonly Scope[];
  /** Its replies hand out work (a lease): transports write them before other replies. */
  readonly delivers?: boolean;
}

export function defineMethod<const N extends string, P extends z.ZodType, R extends z.ZodType>(
  spec: MethodSpec<P, R> & { readonly name: N },
): MethodSpec<P, R> & { readonly name: N } {
  return spec;
}

export type ParamsOf<M extends MethodSpec> = z.input<M['params']>;
export type ResultOf<M extends MethodSpec> = z.output<M['result']>;

/** Scopes a principal holding `scope` effectively has. */
export function expandScope(scope: Scope): readonly Scope[] {
  switch (scope) {
    case 'admin':
      return ['admin', 'agent', 'viewer', 'task'];
    case 'agent':
      return ['agent', 'viewer'];
    case 'viewer':
      return ['viewer'];
    case 'task':
      return ['task'];
  }
}

export const EmptyParams = z.object({});
