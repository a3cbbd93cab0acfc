// The build agent as a library: the CLI's `ourci agent` and the bench's per-board workers
// both run `Agent`. Plain Node; talks to the master only through src/client.
export { Agent, type AgentConfig, type TaskContext, type TaskHooks, type TaskStart } from './agent';
export type { RunResult } from './process-runner';
