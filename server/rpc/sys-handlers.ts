// RPC.List / RPC.Describe / RPC.Ping / Sys.GetInfo.
import { z } from 'zod';
import { NotFoundError } from '../../src/shared/errors';
import { RpcDescribe, RpcList, RpcPing, SysGetInfo } from '../../src/shared/rpc/sys-methods';
import type { Registry } from './registry';

export function registerSysMethods(registry: Registry, info: { version: string; startedAt: number; publicRead: boolean }): void {
  registry.add(RpcList, () => ({ methods: registry.names() }));
  registry.add(RpcDescribe, ({ name }) => {
    const spec = registry.spec(name);
    if (!spec) throw new NotFoundError(`no method named ${name}`);
    return {
      name: spec.name,
      summary: spec.summary,
      scopes: [...spec.scopes],
      params: z.toJSONSchema(spec.params, { unrepresentable: 'any', io: 'input' }),
      result: z.toJSONSchema(spec.result, { unrepresentable: 'any', io: 'output' }),
    };
  });
  registry.add(RpcPing, () => ({ pong: true as const, time: new Date().toISOString() }));
  registry.add(SysGetInfo, (_p, ctx) => ({
    app: 'ourci' as const,
    version: info.version,
    node: process.version,
    uptimeSeconds: Math.round((Date.now() - info.startedAt) / 1000),
    startedAt: new Date(info.startedAt).toISOString(),
    publicRead: info.publicRead,
    scope: ctx.principal.kind,
  }));
}
