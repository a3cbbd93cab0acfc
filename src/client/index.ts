// Typed Node client of the master (used by the CLI, agents, bench and tests):
// JSON-RPC over a reconnecting WebSocket, plus one-shot HTTP calls.
export { connectMaster, type MasterClient, type MasterApi } from './master-client';
export { httpCall } from '../shared/rpc/http-call';
