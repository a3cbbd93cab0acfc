// RPC.List, RPC.Describe (JSON Schema from the same zod schemas that validate), RPC.Ping, Sys.GetInfo.
import { describe, expect, it } from 'vitest';
import { masterMethods } from '../../../src/shared/rpc/catalog';
import { clientOf, startMaster } from '../../helpers/master';

interface Schema {
  type?: string;
  properties?: Record<string, Schema & { minimum?: number; maximum?: number; pattern?: string }>;
  required?: string[];
  items?: Schema;
}

describe('introspection', () => {
  it('RPC.List names every method of the catalogue, sorted', async () => {
    const m = await startMaster();
    const c = await clientOf(m, 'agent');
    const { methods } = await c.call('RPC.List', {});
    expect(methods).toEqual(masterMethods.map((x) => x.name).sort());
    expect(methods).toEqual(expect.arrayContaining(['RPC.List', 'RPC.Describe', 'RPC.Ping', 'Sys.GetInfo', 'PubSub.Pull', 'PubSub.Requeue']));
  });

  it('RPC.Describe gives each method\'s scopes and JSON Schemas of params and result', async () => {
    const m = await startMaster();
    const c = await clientOf(m, 'viewer');
    const { methods } = await c.call('RPC.List', {});
    for (const name of methods) {
      const d = await c.call('RPC.Describe', { name });
      expect(d).toMatchObject({ name, summary: expect.any(String), scopes: expect.any(Array) });
      expect((d.params as Schema).type, name).toBe('object');
      expect((d.result as Schema).type, name).toBe('object');
    }
    const sub = (await c.call('RPC.Describe', { name: 'PubSub.CreateSubscription' })) as unknown as { params: Schema; scopes: string[] };
    expect(sub.scopes).toEqual(['admin']);
    expect(sub.params.required?.sort()).toEqual(['name', 'topic']);
    expect(sub.params.properties!.ackDeadlineSeconds).toMatchObject({ minimum: 1, maximum: 600 });
    expect(sub.params.properties!.name!.pattern).toBeDefined();
    const pull = (await c.call('RPC.Describe', { name: 'PubSub.Pull' })) as unknown as { params: Schema; result: Schema };
    expect(Object.keys(pull.params.properties!)).toEqual(expect.arrayContaining(['subscription', 'subscriptions', 'maxMessages', 'waitSeconds', 'ackIds']));
    expect(pull.result.properties!.receivedMessages!.items!.required).toEqual(expect.arrayContaining(['ackId', 'deliveryAttempt', 'message']));
    await expect(c.call('RPC.Describe', { name: 'Nope.Nope' })).rejects.toMatchObject({ code: 404 });
    await expect(c.call('RPC.Describe', { name: '' })).rejects.toMatchObject({ code: -32602 });
  });

  it('RPC.Ping answers with the server time; Sys.GetInfo with version, uptime and the caller\'s scope', async () => {
    const m = await startMaster({ version: '9.9.9' });
    const c = await clientOf(m, 'agent');
    const ping = await c.call('RPC.Ping', {});
    expect(ping.pong).toBe(true);
    expect(Math.abs(Date.parse(ping.time) - Date.now())).toBeLessThan(60_000);
    expect(await c.call('Sys.GetInfo', {})).toEqual({
      app: 'ourci',
      version: '9.9.9',
      node: process.version,
      uptimeSeconds: expect.any(Number),
      startedAt: expect.any(String),
      publicRead: false,
      scope: 'agent',
    });
  });
});
