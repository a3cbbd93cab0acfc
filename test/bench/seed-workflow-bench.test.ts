// The seed's workflow with its hardware tests on a bench: a master, three build agents and
// `ourci bench --headless` with two virtual ESP8266 boards, all real processes. Each esp-12e
// test flashes the firmware its build task made onto a board through the bench, and checks
// the boot banner naming that version over serial; the banner is also in the task's log,
// captured by the bench and marked as serial.
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/master';
import { MasterProcess, runOurci, spawnOurci, startAgent } from '../helpers/processes';
import { BUILD_TOPIC, ESP_TOPIC, FW_VERSION, SEED_ARGS, byName, getJob, readLog } from '../e2e/support';

describe('the seed workflow on a bench', () => {
  it('flashes each ESP8266 build onto a virtual ESP-12E and checks its banner', async () => {
    const master = await MasterProcess.start();
    await Promise.all([1, 2, 3].map((i) => startAgent(master, { topics: [BUILD_TOPIC], name: `build-${i}` })));
    const bench = spawnOurci('bench', ['bench', '--headless', '--ui', '127.0.0.1:0', '--virtual-boards', 'esp8266:2', '--no-real', '--name', 'bench-1', '--data', tempDir('ourci-bench-data-')], {
      env: { OURCI_URL: master.url, OURCI_AGENT_TOKEN: master.tokens.agent },
    });
    await bench.waitForOutput(/^listening on http:\/\/127\.0\.0\.1:\d+$/m, 30_000);
    await bench.waitForOutput(/^bench: board esp8266-\w+ .* pulls ourci\/test\/esp-12e$/m, 10_000);

    const run = await runOurci(['run', '-t', BUILD_TOPIC, '--name', 'ci/main.sh', '--wait', '--', ...SEED_ARGS], {
      env: { OURCI_URL: master.url, OURCI_TOKEN: master.tokens.admin },
      timeoutMs: 150_000,
    });
    expect(run.stderr + run.stdout).toMatch(/job \d+: success \(9\/9 tasks, 0 not green\)/);
    const jobId = /job (\d+) started/.exec(run.stderr)![1]!;
    const { tasks } = await getJob(master, jobId);
    const boards = new Set<string>();
    for (const name of ['test/esp-12e esp8266', 'test/esp-12e esp8266-ota']) {
      const t = byName(tasks, name);
      expect(t).toMatchObject({ status: 'success', topic: ESP_TOPIC });
      expect(t.agent).toMatch(/^bench-1\/esp8266-/);
      expect(t.board).toMatch(/^esp8266-/);
      boards.add(t.board!);
      const log = (await readLog(master, t.id)).text;
      expect(log).toMatch(/esp-12e: flashing fw-esp8266(-ota)?\.tar\.gz onto board esp8266-\w+ \(esp8266, MAC 18:fe:34:7e:/);
      expect(log).toMatch(/\[bench\] esp8266-\w+: flashed fw\.tar\.gz in [\d.]+ s, verified/);
      // Captured by the bench into the log, marked as serial…
      expect(log).toMatch(new RegExp(`^\\[serial\\] app: name=mongoose-iot version=${FW_VERSION.replace(/\./g, '\\.')} md5=[0-9a-f]{32}`, 'm'));
      // …and seen by the test script through `ourci console`.
      expect(log).toMatch(new RegExp(`^esp-12e: board esp8266-\\w+ booted: app: name=mongoose-iot version=${FW_VERSION.replace(/\./g, '\\.')} `, 'm'));
      expect(log).toMatch(/esp-12e: PASS mongoose-iot v/);
      // The bench's task token never shows in the log (it is only in OURCI_BENCH_URL).
      expect(log).not.toMatch(/obt_/);
    }
    expect(boards.size).toBeGreaterThanOrEqual(1);
  });
});
