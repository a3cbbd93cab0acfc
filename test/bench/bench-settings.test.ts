// Settings and persistence: a bench started without a master joins one when the operator
// sets it, a topic change moves a board's worker, a refused token is reported (and not
// retried by every worker), and a quarantine survives a restart.
import { describe, expect, it } from 'vitest';
import { clientOf, startMaster, tempDir, waitFor } from '../helpers/master';
import { benchFor, operatorOf } from './helpers';

describe('bench settings', () => {
  it('joins the master the operator sets, and moves a board to the topic chosen for it', async () => {
    const m = await startMaster();
    const bench = await benchFor(undefined, 'esp8266:1');
    expect(bench.service.summary().master.state).toBe('unconfigured');
    const op = await operatorOf(bench);
    const id = bench.service.boards()[0]!.id;
    const saved = await op.rpc.call('Bench.SaveSettings', { masterUrl: m.url, token: m.tokens.agent });
    expect(saved.settings).toMatchObject({ masterUrl: m.url, hasToken: true });
    expect(JSON.stringify(saved)).not.toContain(m.tokens.agent);
    const viewer = await clientOf(m, 'viewer');
    const agentTopics = async (): Promise<string[] | undefined> => (await viewer.call('Agent.List', {})).agents.find((a) => a.board === id)?.topics;
    await waitFor(async () => (await agentTopics())?.[0] === 'ourci/test/esp-12e', 10_000, 'worker on the default topic');
    await waitFor(() => bench.service.summary().master.state === 'connected', 10_000, 'connected');

    await op.rpc.call('Bench.SaveSettings', { topics: { [id]: 'ourci/test/rf-lab' } });
    await waitFor(async () => (await agentTopics())?.[0] === 'ourci/test/rf-lab', 10_000, 'worker on the new topic');
    expect(bench.service.boards()[0]!.topic).toBe('ourci/test/rf-lab');
    await expect(op.rpc.call('Bench.SaveSettings', { masterUrl: 'not a url' })).rejects.toMatchObject({ code: 400, message: expect.stringContaining('http://ci-host:8080') });
  });

  it('says when the master refuses its token', async () => {
    const m = await startMaster();
    const bench = await benchFor(undefined, 'esp8266:1', { master: { url: m.url, token: 'oca_wrong' } });
    await waitFor(() => bench.service.summary().master.state === 'refused', 10_000, 'refused');
    const viewer = await clientOf(m, 'viewer');
    expect((await viewer.call('Agent.List', {})).agents).toEqual([]);
  });

  it('keeps a quarantine across a restart', async () => {
    const dataDir = tempDir();
    const first = await benchFor(undefined, 'esp8266:2', { dataDir });
    const id = first.service.boards()[0]!.id;
    first.service.quarantine(id, 'flaky USB cable');
    await first.close();
    const second = await benchFor(undefined, 'esp8266:2', { dataDir });
    expect(second.service.boards().find((b) => b.id === id)).toMatchObject({ health: 'quarantined', state: 'quarantined', healthDetail: { reason: 'flaky USB cable' } });
    // The operator token is the same too: a bookmarked UI keeps working.
    expect(second.ui!.auth.token).toBe(first.ui!.auth.token);
  });

  it('refuses pages of other sites', async () => {
    const bench = await benchFor(undefined, 'esp8266:1');
    const res = await fetch(`${bench.ui!.url}/rpc/Bench.Status`, {
      method: 'POST',
      body: '{}',
      headers: { authorization: `Bearer ${bench.ui!.auth.token}`, origin: 'https://evil.example' },
    });
    expect(res.status).toBe(403);
  });

  it('says clearly when its UI address is taken, and leaves nothing running', async () => {
    const first = await benchFor(undefined, 'esp8266:1');
    const port = Number(new URL(first.ui!.url).port);
    await expect(benchFor(undefined, 'esp8266:1', { ui: { host: '127.0.0.1', port } })).rejects.toMatchObject({
      code: 409,
      message: expect.stringContaining('already in use'),
    });
  });
});
