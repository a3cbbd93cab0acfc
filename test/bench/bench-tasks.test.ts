// The bench against a real master: boards reported, one worker per board pulling its type's
// topic, a task owning its board (BOARD_* variables), `ourci flash` and `ourci console` inside
// the task going through the bench's API, and the board's serial output in the task's log.
import { describe, expect, it, onTestFinished } from 'vitest';
import { Agent } from '../../src/agent';
import { clientOf, startMaster, waitFor } from '../helpers/master';
import { benchFor, firmwareFile, operatorOf } from './helpers';

describe('bench tasks', () => {
  it('reports its boards to the master with their topics', async () => {
    const m = await startMaster();
    await benchFor(m, 'esp8266:2,cc3200:1');
    const viewer = await clientOf(m, 'viewer');
    const boards = await waitFor(async () => {
      const r = await viewer.call('Board.List', {});
      return r.boards.length === 3 ? r.boards : undefined;
    }, 15_000, 'three boards on the master');
    expect(boards.map((b) => b.topic).sort()).toEqual(['ourci/test/cc3200', 'ourci/test/esp-12e', 'ourci/test/esp-12e']);
    expect(boards.every((b) => b.bench === 'test-bench' && b.virtual)).toBe(true);
    const agents = await waitFor(async () => {
      const r = await viewer.call('Agent.List', {});
      return r.agents.filter((a) => a.kind === 'bench').length === 3 ? r.agents : undefined;
    }, 15_000, 'three bench workers');
    expect(agents.filter((a) => a.kind === 'bench').map((a) => a.board).sort()).toEqual(boards.map((b) => b.id).sort());
  });

  it('runs a task that flashes its board through the bench and waits for the banner', async () => {
    const m = await startMaster();
    const bench = await benchFor(m, 'esp8266:1');
    const admin = await clientOf(m);
    const fw = firmwareFile('blinky', '1.2.3');
    const script = [
      'echo "board=$BOARD_ID type=$BOARD_TYPE mac=$BOARD_MAC port=$SERIAL_PORT"',
      `ourci flash ${fw}`,
      "ourci console --until 'app: name=blinky version=1.2.3' --timeout 20s --no-timestamps",
    ].join(' && ');
    const { job, task } = await admin.call('Job.Create', { topic: 'ourci/test/esp-12e', args: ['sh', '-c', script] });
    const j = (await admin.call('Job.Wait', { job, waitSeconds: 60 })).job;
    const log = (await admin.call('Log.Read', { task, limit: 1 << 20 })).data;
    expect(j.status, log).toBe('success');
    const board = bench.service.boards()[0]!;
    expect(log).toContain(`board=${board.id} type=esp8266 mac=${board.mac} port=${board.port}`);
    expect(log).toContain('flashed blinky.bin');
    // The banner reached the task twice: through `ourci console` and as serial capture.
    expect(log).toMatch(/^app: name=blinky version=1\.2\.3/m);
    expect(log).toMatch(/^\[serial\] app: name=blinky version=1\.2\.3/m);
    expect((await admin.call('Task.Get', { task })).task.board).toBe(board.id);
    const local = bench.service.tasks.list().find((t) => t.id === task)!;
    expect(local.status).toBe('success');
    expect(bench.service.tasks.log(task)!.text).toContain('[serial] app: name=blinky');

    // The Tasks page reads the log through the bench: its own tail, at the master's offsets…
    const op = await operatorOf(bench);
    const tail = await op.rpc.call('Tasks.Log', { task, offset: -4096, limit: 4096 });
    const whole = await admin.call('Log.Read', { task, limit: 1 << 20 });
    expect(tail.length).toBe(whole.length);
    expect(tail.data).toBe(Buffer.from(whole.data).subarray(tail.offset).toString());
    // …and a task it never ran, from the master.
    const other = new Agent({ url: m.url, token: m.tokens.agent, topics: ['elsewhere'], name: 'plain', baseEnv: { PATH: process.env.PATH ?? '/bin' }, pullWaitSeconds: 5 });
    void other.run();
    onTestFinished(() => other.drain(true));
    const j2 = await admin.call('Job.Create', { topic: 'elsewhere', args: ['echo', 'not on a board'] });
    await admin.call('Job.Wait', { job: j2.job, waitSeconds: 30 });
    expect((await op.rpc.call('Tasks.Log', { task: j2.task })).data).toContain('not on a board');
  });
});
