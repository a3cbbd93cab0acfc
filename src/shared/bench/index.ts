// The bench API contract (DESIGN.md §7): model, methods, names. Shared by src/bench (the
// service and its headless server), src/main (IPC), src/preload (names only) and the renderer.
export * from './model';
export * from './methods';
export * from './method-names';
export * from './csp';
export type * from './api';
