// The task route (OURCI_BENCH_URL): a task's token reaches its own board only, none of the
// operator's methods, and nothing at all once the task has ended.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectBench } from '../../src/bench';
import { clientOf, startMaster, tempDir, waitFor } from '../helpers/master';
import { benchFor, firmwareFile } from './helpers';

describe('bench task route', () => {
  it('gives a task its own board only, while it runs', async () => {
    const m = await startMaster();
    const bench = await benchFor(m, 'esp8266:2');
    const admin = await clientOf(m);
    const dir = tempDir();
    const script = `echo "$OURCI_BENCH_URL" > ${dir}/url; i=0; while [ ! -f ${dir}/go ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done`;
    const { job } = await admin.call('Job.Create', { topic: 'ourci/test/esp-12e', args: ['sh', '-c', script] });
    const url = await waitFor(() => (existsSync(join(dir, 'url')) ? readFileSync(join(dir, 'url'), 'utf8').trim() : undefined), 15_000, 'the task');
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/task\/obt_/);
    const mine = bench.service.boards().find((b) => b.state === 'busy')!;
    const other = bench.service.boards().find((b) => b.id !== mine.id)!;

    const c = await connectBench(url);
    try {
      expect((await c.rpc.call('Serial.History', { board: mine.id })).baud).toBe(115200);
      await expect(c.rpc.call('Serial.History', { board: other.id })).rejects.toMatchObject({ code: 403 });
      await expect(c.rpc.call('Bench.Status', {})).rejects.toMatchObject({ code: 403 });
      await expect(c.rpc.call('Board.Quarantine', { board: mine.id })).rejects.toMatchObject({ code: 403 });
      await expect(c.rpc.call('Bench.Watch', { boards: [other.id] })).rejects.toMatchObject({ code: 403 });
    } finally {
      c.close();
    }
    writeFileSync(join(dir, 'go'), '');
    expect((await admin.call('Job.Wait', { job, waitSeconds: 30 })).job.status).toBe('success');
    await expect(connectBench(url, { timeoutMs: 3000 })).rejects.toMatchObject({ code: 401 });
    const res = await fetch(`${url}/rpc/Serial.History`, { method: 'POST', body: JSON.stringify({ board: mine.id }) });
    expect(res.status).toBe(401);
  });

  it('an operator\'s input is refused on a board that runs a task', async () => {
    const m = await startMaster();
    const bench = await benchFor(m, 'esp8266:1');
    const admin = await clientOf(m);
    const dir = tempDir();
    const { job } = await admin.call('Job.Create', {
      topic: 'ourci/test/esp-12e',
      args: ['sh', '-c', `touch ${dir}/started; i=0; while [ ! -f ${dir}/go ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done`],
    });
    await waitFor(() => existsSync(join(dir, 'started')), 15_000, 'the task');
    const id = bench.service.boards()[0]!.id;
    const op = await connectBench(bench.ui!.url, { token: bench.ui!.auth.token });
    try {
      await expect(op.rpc.call('Serial.Write', { board: id, data: 'hi' })).rejects.toMatchObject({ code: 409 });
      await expect(op.rpc.call('Board.Lock', { board: id })).rejects.toMatchObject({ code: 409 });
      await expect(op.rpc.call('Flash.Start', { boards: [id], source: { kind: 'file', name: 'a.bin', base64: 'AA==' } })).rejects.toMatchObject({ code: 409 });
    } finally {
      op.close();
    }
    writeFileSync(join(dir, 'go'), '');
    expect((await admin.call('Job.Wait', { job, waitSeconds: 30 })).job.status).toBe('success');
  });
});

describe('bench task route cleanup', () => {
  it('cancels a flash the task left running when it ends', async () => {
    const m = await startMaster();
    // Paced serial: flashing 512 KiB takes seconds, longer than the task lives.
    const bench = await benchFor(m, 'esp8266:1', { virtual: { pace: true } });
    const admin = await clientOf(m);
    const fw = firmwareFile('slow', '1.0.0', 512 << 10);
    const dir = tempDir();
    const { job } = await admin.call('Job.Create', {
      topic: 'ourci/test/esp-12e',
      args: ['sh', '-c', `ourci flash ${fw} >/dev/null 2>&1 & i=0; while [ ! -f ${dir}/go ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; echo leaving`],
    });
    await waitFor(() => bench.service.flashes.list().find((f) => f.state === 'running' && f.written > 0), 20_000, 'the flash writing');
    writeFileSync(join(dir, 'go'), '');
    expect((await admin.call('Job.Wait', { job, waitSeconds: 30 })).job.status).toBe('success');
    const f = bench.service.flashes.list()[0]!;
    expect(f.state).toBe('cancelled');
    expect(bench.service.boards()[0]).toMatchObject({ health: 'ok', consecutiveFailures: 0 });
    await waitFor(() => bench.service.boards()[0]!.state === 'idle', 10_000, 'board idle');
  });
});
