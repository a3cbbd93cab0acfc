// Every method of the master, by name: gives the typed client its signatures.
// New namespaces add their list here.
import type { z } from 'zod';
import type { MethodSpec } from './contract';
import { RpcDescribe, RpcList, RpcPing, SysGetInfo } from './sys-methods';
import { pubsubMethods } from '../pubsub/methods';
import { jobMethods } from '../jobs/methods';
import { logMethods } from '../logs/methods';
import { eventMethods } from '../events/methods';
import { agentMethods } from '../agents/methods';
import { blobMethods } from '../blobs/methods';

const all = [
  RpcList,
  RpcDescribe,
  RpcPing,
  SysGetInfo,
  ...pubsubMethods,
  ...jobMethods,
  ...logMethods,
  ...eventMethods,
  ...agentMethods,
  ...blobMethods,
] as const;

type ByName<T extends readonly MethodSpec[]> = { [M in T[number] as M['name']]: M };
export type MasterMethods = ByName<typeof all>;
export type MethodName = keyof MasterMethods;
export type Params<K extends MethodName> = z.input<MasterMethods[K]['params']>;
export type Result<K extends MethodName> = z.output<MasterMethods[K]['result']>;

export const masterMethods: readonly MethodSpec[] = all;
