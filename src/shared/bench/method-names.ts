// The bench's methods by name, without zod: the Electron preload (sandboxed, no node_modules)
// and the IPC wrapper in src/main need only the names, and one function name per method.
// methods.ts holds the schemas and checks at compile time that both lists agree.

export const BENCH_METHOD_NAMES = [
  'Bench.Status',
  'Bench.SetPaused',
  'Bench.Watch',
  'Bench.GetSettings',
  'Bench.SaveSettings',
  'Board.Quarantine',
  'Board.ReturnToService',
  'Board.Lock',
  'Board.Unlock',
  'Board.Reset',
  'Serial.History',
  'Serial.Write',
  'Serial.SetBaud',
  'Flash.Start',
  'Flash.Cancel',
  'Master.Jobs',
  'Master.Blobs',
  'Tasks.Log',
] as const;

export type BenchMethodName = (typeof BENCH_METHOD_NAMES)[number];

/** `Board.ReturnToService` → `boardReturnToService`: the preload's function for a method. */
export type BenchFunctionName<M extends string> = M extends `${infer NS}.${infer Verb}` ? `${Uncapitalize<NS>}${Verb}` : never;

export function benchFunctionName<M extends BenchMethodName>(method: M): BenchFunctionName<M> {
  const [ns, verb] = method.split('.') as [string, string];
  return `${ns.charAt(0).toLowerCase()}${ns.slice(1)}${verb}` as BenchFunctionName<M>;
}

/** Electron IPC channel of one method (ipcMain.handle / ipcRenderer.invoke). */
export const benchChannel = (method: BenchMethodName): string => `bench:${method}`;

/** The one channel the main process pushes bench events on. */
export const BENCH_EVENT_CHANNEL = 'bench:event';

/** JSON-RPC notification carrying a bench event over the WebSocket API. */
export const BENCH_EVENT_METHOD = 'Bench.Event';

export function isBenchMethod(name: string): name is BenchMethodName {
  return (BENCH_METHOD_NAMES as readonly string[]).includes(name);
}
