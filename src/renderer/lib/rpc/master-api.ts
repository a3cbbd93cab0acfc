// The master's methods as the typed RpcClient sees them. Types only: the zod schemas in
// src/shared stay out of the browser bundle.
import type { MethodName, Params, Result } from '../../../shared/rpc/catalog';
import type { RpcClient } from '../../../shared/rpc/rpc-client';

export type MasterApi = { [K in MethodName]: { params: Params<K>; result: Result<K> } };
export type MasterRpc = RpcClient<MasterApi>;
export type ApiResult<K extends keyof MasterApi> = MasterApi[K]['result'];
