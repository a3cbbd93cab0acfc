// Plain TypeScript that runs anywhere (Node, Electron, browser): the wire contract,
// error table, schemas and names shared by the master, agents, CLI, bench and UIs.
// Must not import node:*, electron, the DOM or React (enforced by .dependency-cruiser.cjs).
export * from './errors';
export * from './rpc/frame';
export * from './rpc/contract';
