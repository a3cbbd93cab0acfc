// The master's methods as the typed RpcClient sees them. Types only: the zod schemas in
// src/shared stay out of the browser bundle.
import type { MethodName, Params, Result } from '../../../shared/rpc/catalog';
import type { RpcClient } from '../../../shared/rpc/rpc-client';

/** Methods served by other features of the master that the catalogue does not list yet. */
export interface ExtraMethods {
  'Blob.List': {
    params: { job: string };
    result: { blobs: Array<{ name: string; size: number; sha256?: string; createdAt?: string; url?: string }> };
  };
}

type Catalog = { [K in MethodName]: { params: Params<K>; result: Result<K> } };
export type MasterApi = {
  [K in MethodName | keyof ExtraMethods]: K extends keyof ExtraMethods ? ExtraMethods[K] : K extends MethodName ? Catalog[K] : never;
};
export type MasterRpc = RpcClient<MasterApi>;
export type ApiResult<K extends keyof MasterApi> = MasterApi[K]['result'];
