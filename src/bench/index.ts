// The bench (DESIGN.md §7), plain Node: one agent worker per attached board, board ownership
// and health, flashing and serial capture, the bench API (shared contract in src/shared/bench)
// over WebSocket for the headless UI and the task route (OURCI_BENCH_URL). The Electron app
// (src/main) is a thin shell around the same service.
export { startBench, type RunningBench, type StartBenchOptions } from './start-bench';
export { BenchService, type BenchOptions } from './bench-service';
export { openSession, BenchSession, type Caller } from './api/bench-api';
export { OperatorAuth } from './api/operator-auth';
export { locateBenchUi, contentTypeOf } from './api/static-files';
export type { MasterTarget } from './master-link';
export { topicFor, DEFAULT_TOPICS } from './topics';
export { judgeHealth, type HealthPolicy } from './health';
export { connectBench, type BenchClient } from './client/bench-client';
export { flashThroughBench } from './client/remote-flash';
export { consoleThroughBench } from './client/remote-console';
