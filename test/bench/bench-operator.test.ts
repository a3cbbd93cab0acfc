// What the operator does through the bench API (the same WebSocket the UI uses): flash a blob
// of the master onto idle boards with progress, lock a board away from the queue, pause the
// whole bench, and what the health policy does with boards that keep failing.
import { describe, expect, it } from 'vitest';
import type { BenchEvent, FlashJob } from '../../src/shared/bench/model';
import { connectBench } from '../../src/bench';
import { sampleFirmware } from '../../src/devices';
import { OurciError } from '../../src/shared/errors';
import { clientOf, startMaster, waitFor } from '../helpers/master';
import { benchFor, operatorOf } from './helpers';

async function uploadBlob(url: string, token: string, job: string, name: string, bytes: Uint8Array): Promise<void> {
  const res = await fetch(`${url}/blobs/${job}/${name}`, { method: 'PUT', headers: { authorization: `Bearer ${token}` }, body: bytes });
  expect(res.status).toBeLessThan(300);
}

function collect(events: BenchEvent[], type: BenchEvent['type']): BenchEvent[] {
  return events.filter((e) => e.type === type);
}

describe('bench operator', () => {
  it('flashes a blob of the master onto two idle boards, with progress, and gives them back', async () => {
    const m = await startMaster();
    // Paced serial lines: the write takes seconds, so progress shows between start and end.
    const bench = await benchFor(m, 'esp8266:2', { virtual: { pace: true } });
    const admin = await clientOf(m);
    const { job } = await admin.call('Job.Create', { topic: 'ourci/build/none', args: ['true'] });
    await uploadBlob(m.url, m.tokens.admin, job, 'fw/app.bin', sampleFirmware('shiny', '2.0.0', 200 << 10));
    const op = await operatorOf(bench);
    const events: BenchEvent[] = [];
    op.onEvent((e) => events.push(e));

    const jobs = await op.rpc.call('Master.Jobs', {});
    expect(jobs.jobs.map((j) => j.id)).toContain(job);
    expect((await op.rpc.call('Master.Blobs', { job })).blobs.map((b) => b.name)).toEqual(['fw/app.bin']);

    const boards = bench.service.boards().map((b) => b.id);
    const { flashes } = await op.rpc.call('Flash.Start', { boards, source: { kind: 'blob', job, name: 'fw/app.bin' } });
    expect(flashes).toHaveLength(2);
    const done = await waitFor(() => {
      const last = flashes.map((f) => bench.service.flashes.get(f.id)!);
      return last.every((f) => f.state !== 'running') ? last : undefined;
    }, 60_000, 'both flashes');
    expect(done.map((f) => f.state)).toEqual(['done', 'done']);
    expect(done[0]!.result!.app).toBe('shiny 2.0.0');
    const progress = collect(events, 'flash').map((e) => (e as { flash: FlashJob }).flash);
    expect(progress.some((f) => f.state === 'running' && f.phase === 'writing' && f.written > 0 && f.written < f.total)).toBe(true);
    // The boards run the new firmware, their banners are in the serial history, and they pull again.
    for (const id of boards) {
      await waitFor(() => bench.service.slot(id).history.last(50).some((l) => l.text.startsWith('app: name=shiny version=2.0.0')), 10_000, `banner of ${id}`);
    }
    await waitFor(() => bench.service.boards().every((b) => b.state === 'idle' && !b.lock), 10_000, 'boards idle again');
  });

  it('refuses a bad image before touching the board, and unknown boards', async () => {
    const bench = await benchFor(undefined, 'esp8266:1');
    const op = await operatorOf(bench);
    const id = bench.service.boards()[0]!.id;
    const bad = op.rpc.call('Flash.Start', { boards: [id], source: { kind: 'file', name: 'junk.bin', base64: Buffer.from('not firmware at all').toString('base64') } });
    await expect(bad).rejects.toMatchObject({ code: 400 });
    await expect(op.rpc.call('Board.Lock', { board: 'nope' })).rejects.toMatchObject({ code: 404 });
    await expect(op.rpc.call('Flash.Start', { boards: [], source: { kind: 'file', name: 'a', base64: 'AA==' } })).rejects.toMatchObject({ code: -32602 });
    expect(bench.service.boards()[0]).toMatchObject({ state: 'idle', health: 'ok' });
    expect(bench.service.flashes.list()).toEqual([]);
  });

  it('a locked board stops pulling until unlocked; pause stops every board', async () => {
    const m = await startMaster();
    const bench = await benchFor(m, 'esp8266:1');
    const viewer = await clientOf(m, 'viewer');
    const admin = await clientOf(m);
    const op = await operatorOf(bench);
    const id = bench.service.boards()[0]!.id;
    const workers = async (): Promise<number> => (await viewer.call('Agent.List', {})).agents.filter((a) => a.board === id).length;
    await waitFor(async () => (await workers()) === 1, 10_000, 'worker registered');

    const locked = await op.rpc.call('Board.Lock', { board: id, seconds: 60 });
    expect(locked.board.state).toBe('locked');
    await waitFor(async () => (await workers()) === 0, 10_000, 'worker gone while locked');
    const { job, task } = await admin.call('Job.Create', { topic: 'ourci/test/esp-12e', args: ['sh', '-c', 'echo ran on $BOARD_ID'] });
    expect((await admin.call('Task.Get', { task })).task.status).toBe('queued');
    await op.rpc.call('Board.Unlock', { board: id });
    expect((await admin.call('Job.Wait', { job, waitSeconds: 30 })).job.status).toBe('success');

    await op.rpc.call('Bench.SetPaused', { paused: true });
    await waitFor(async () => (await workers()) === 0, 10_000, 'worker gone while paused');
    expect(bench.service.boards()[0]!.state).toBe('paused');
    await op.rpc.call('Bench.SetPaused', { paused: false });
    await waitFor(async () => (await workers()) === 1, 10_000, 'worker back');
  });

  it('a manual lock expires by itself and the board pulls again', async () => {
    const m = await startMaster();
    const bench = await benchFor(m, 'esp8266:1');
    const viewer = await clientOf(m, 'viewer');
    const slot = bench.service.slot(bench.service.boards()[0]!.id);
    const workers = async (): Promise<number> => (await viewer.call('Agent.List', {})).agents.filter((a) => a.board === slot.id).length;
    await waitFor(async () => (await workers()) === 1, 10_000, 'worker registered');
    slot.takeLock('operator', 0.3); // the API's shortest lock is 10 s; the slot takes any length
    expect(bench.service.boards()[0]!.state).toBe('locked');
    await waitFor(() => bench.service.boards()[0]!.state === 'idle', 10_000, 'lock expired');
    await waitFor(async () => (await workers()) === 1, 10_000, 'worker back');
    expect(slot.history.last(5).map((l) => l.text)).toContain('manual lock expired');
  });

  it('quarantines boards that keep failing, at most half of a type, and returns them to service', async () => {
    // Every board answers a wrong MD5: each flash fails verification (the board's fault).
    const bench = await benchFor(undefined, 'esp8266:4', { virtual: { esp8266: { faults: { corruptMd5: true } } } });
    const op = await operatorOf(bench);
    const ids = bench.service.boards().map((b) => b.id);
    const image = Buffer.from(sampleFirmware('x', '1.0.0', 8192)).toString('base64');
    const failThrice = async (id: string): Promise<void> => {
      for (let i = 0; i < 3; i++) {
        const { flashes } = await op.rpc.call('Flash.Start', { boards: [id], source: { kind: 'file', name: 'x.bin', base64: image } });
        const f = await bench.service.flashes.wait(flashes[0]!.id);
        expect(f.state).toBe('failed');
      }
    };
    await failThrice(ids[0]!);
    await failThrice(ids[1]!);
    await failThrice(ids[2]!);
    const health = Object.fromEntries(bench.service.boards().map((b) => [b.id, b.health]));
    expect([health[ids[0]!], health[ids[1]!], health[ids[2]!], health[ids[3]!]]).toEqual(['quarantined', 'quarantined', 'degraded', 'ok']);
    expect(bench.service.boards().find((b) => b.id === ids[0])!.healthDetail).toMatchObject({ automatic: true });

    const back = await op.rpc.call('Board.ReturnToService', { board: ids[0]! });
    expect(back.board).toMatchObject({ health: 'ok', consecutiveFailures: 0 });
    expect(back.board.state).not.toBe('quarantined');
    // Quarantine survives a restart: it is in bench.json.
    expect(bench.service.settings().configFile).toBeDefined();
  });

  it('refuses a wrong operator token', async () => {
    const bench = await benchFor(undefined, 'esp8266:1');
    await expect(connectBench(bench.ui!.url, { token: 'obo_wrong-token-wrong-token' })).rejects.toBeInstanceOf(OurciError);
    const res = await fetch(`${bench.ui!.url}/rpc/Bench.Status`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(401);
    const ok = await fetch(`${bench.ui!.url}/rpc/Bench.Status`, { method: 'POST', body: '{}', headers: { authorization: `Bearer ${bench.ui!.auth.token}` } });
    expect(ok.status).toBe(200);
  });
});
