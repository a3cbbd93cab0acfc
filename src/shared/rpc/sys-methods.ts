// Introspection methods every OurCI endpoint answers (DESIGN.md §3).
import { z } from 'zod';
import { defineMethod } from './contract';

export const RpcList = defineMethod({
  name: 'RPC.List',
  summary: 'Names of every method this endpoint serves.',
  params: z.object({}),
  result: z.object({ methods: z.array(z.string()) }),
  scopes: ['viewer', 'agent', 'task'],
});

export const RpcDescribe = defineMethod({
  name: 'RPC.Describe',
  summary: 'JSON Schema of a method\'s params and result, and the scopes that may call it.',
  params: z.object({ name: z.string().min(1).max(128) }),
  result: z.object({
    name: z.string(),
    summary: z.string(),
    scopes: z.array(z.string()),
    params: z.unknown(),
    result: z.unknown(),
  }),
  scopes: ['viewer', 'agent', 'task'],
});

export const RpcPing = defineMethod({
  name: 'RPC.Ping',
  summary: 'Round-trip check; returns the server time.',
  params: z.object({}),
  result: z.object({ pong: z.literal(true), time: z.string() }),
  scopes: ['viewer', 'agent', 'task'],
});

export const SysGetInfo = defineMethod({
  name: 'Sys.GetInfo',
  summary: 'Version and uptime of the master.',
  params: z.object({}),
  result: z.object({
    app: z.literal('ourci'),
    version: z.string(),
    node: z.string(),
    uptimeSeconds: z.number(),
    startedAt: z.string(),
    publicRead: z.boolean(),
    scope: z.string().optional(),
  }),
  scopes: ['viewer', 'agent', 'task'],
});
