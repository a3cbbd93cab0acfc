// The seed's workflow (examples/seed-workflow) through real processes: a master, three build
// agents and one esp-12e agent, started by `ourci run --wait` as an external CI would.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MasterProcess, REPO_ROOT, runOurci, startAgent } from '../helpers/processes';
import { BUILD_TOPIC, ESP_TOPIC, FW_VERSION, SEED_ARGS, SEED_SAYS, SEED_TASKS, byName, call, getJob, readLog, waitJob, waitJobFinished } from './support';

async function startCluster(withEsp: boolean): Promise<MasterProcess> {
  const master = await MasterProcess.start();
  await Promise.all([1, 2, 3].map((i) => startAgent(master, { topics: [BUILD_TOPIC], name: `build-${i}` })));
  if (withEsp) await startAgent(master, { topics: [ESP_TOPIC], name: 'esp-1' });
  return master;
}

async function blob(master: MasterProcess, job: string, name: string): Promise<{ status: number; body: Buffer; sha256: string | null }> {
  const res = await fetch(`${master.url}/blobs/${job}/${name}`, { headers: { authorization: `Bearer ${master.tokens.admin}` } });
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()), sha256: res.headers.get('x-content-sha256') };
}

/** The files of a .tar.gz (regular files only; ustar headers). */
function untar(gz: Buffer): Map<string, Buffer> {
  const tar = gunzipSync(gz);
  const out = new Map<string, Buffer>();
  for (let at = 0; at + 512 <= tar.length && tar[at] !== 0; ) {
    const field = (o: number, n: number): string => tar.subarray(at + o, at + o + n).toString('latin1').replace(/\0.*$/s, '');
    const name = field(0, 100);
    const size = parseInt(field(124, 12).trim() || '0', 8);
    if (field(156, 1) === '0' || field(156, 1) === '') out.set(name, tar.subarray(at + 512, at + 512 + size));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('the seed workflow', () => {
  it('runs end to end: nine tasks, parent links, logs, blobs, success', async () => {
    const master = await startCluster(true);
    const run = await runOurci(['run', '-t', BUILD_TOPIC, '--name', 'ci/main.sh', '--wait', '--', ...SEED_ARGS], {
      env: { OURCI_URL: master.url, OURCI_TOKEN: master.tokens.admin },
      timeoutMs: 150_000,
    });
    expect(run.stderr).toMatch(/job \d+: success \(9\/9 tasks, 0 not green\)/);
    expect(run.code).toBe(0);
    const jobId = /job (\d+) started/.exec(run.stderr)![1]!;
    // `run --wait` streamed every task's log, prefixed with the task.
    expect(run.stdout).toMatch(/^\[\d+ v7\] v7: 10\/10 tests passed$/m);
    expect(run.stdout).toMatch(/^\[\d+ test\/esp-12e esp8266\] esp-12e: PASS/m);

    const { job, tasks } = await getJob(master, jobId);
    expect(job).toMatchObject({ status: 'success', finished: true, tasksTotal: 9, tasksDone: 9, tasksFailed: 0 });
    expect(tasks.map((t) => t.name).sort()).toEqual(Object.keys(SEED_TASKS).sort());
    for (const t of tasks) {
      const parent = SEED_TASKS[t.name]!;
      expect(t.parent, `parent of ${t.name}`).toBe(parent === null ? undefined : byName(tasks, parent).id);
      expect(t, t.name).toMatchObject({ status: 'success', exitCode: 0, attempts: 1, job: jobId });
      expect(t.topic).toBe(t.name.startsWith('test/') ? ESP_TOPIC : BUILD_TOPIC);
      expect(t.agent).toMatch(t.name.startsWith('test/') ? /^esp-1$/ : /^build-\d$/);
    }
    expect(byName(tasks, 'ci/main.sh').id).toBe(job.rootTask);

    const shas = new Map<string, string>();
    for (const t of tasks) {
      const log = await readLog(master, t.id);
      expect(log.complete).toBe(true);
      expect(log.text, `log of ${t.name}`).toMatch(SEED_SAYS[t.name]!);
      expect(log.text).toMatch(/\[ourci\] exit code 0 after/);
      // The attempt token is in the environment (OURCI_TOKEN, BLOB_URL) and never in a log.
      expect(log.text).not.toMatch(/oct_/);
      if (!t.name.startsWith('test/')) expect(log.text).toMatch(/\[trampoline\] blobs: http:\/\/ourci:\*\*\*@127\.0\.0\.1:\d+\/blobs\/\d+/);
      const m = /(fw-esp8266(?:-ota)?\.tar\.gz) sha256 ([0-9a-f]{64})$/m.exec(log.text);
      if (m && !t.name.startsWith('test/')) shas.set(m[1]!, m[2]!);
    }
    expect([...shas.keys()].sort()).toEqual(['fw-esp8266-ota.tar.gz', 'fw-esp8266.tar.gz']);

    // Exactly the four blobs the builds uploaded, with the checksums they printed.
    const listed = await call(master, 'Blob.List', { job: jobId });
    expect(listed.blobs.map((b) => b.name)).toEqual(['fw-esp8266-ota.tar.gz', 'fw-esp8266.tar.gz', 'test-esp8266-ota.sh', 'test-esp8266.sh']);
    for (const b of listed.blobs.filter((x) => x.name.endsWith('.tar.gz'))) expect(b.sha256).toBe(shas.get(b.name));
    const driver = readFileSync(join(REPO_ROOT, 'examples/seed-workflow/ci/fw/esp8266-test.sh'));
    for (const variant of ['esp8266', 'esp8266-ota']) {
      const fw = await blob(master, jobId, `fw-${variant}.tar.gz`);
      expect(fw.status).toBe(200);
      expect(sha256(fw.body)).toBe(shas.get(`fw-${variant}.tar.gz`));
      expect(fw.sha256).toBe(sha256(fw.body));
      const files = untar(fw.body);
      const image = files.get('firmware/firmware.bin')!;
      const manifest = JSON.parse(files.get('firmware/manifest.json')!.toString('utf8')) as Record<string, unknown>;
      expect(manifest).toMatchObject({ name: 'mongoose-iot', platform: 'esp8266', version: FW_VERSION, ota: variant === 'esp8266-ota' });
      expect(image[0]).toBe(0xe9);
      expect(image.length % 16).toBe(0);
      expect(image.toString('latin1')).toContain(`mongoose-iot v${FW_VERSION} (esp8266${variant === 'esp8266-ota' ? ', OTA' : ''})`);
      const script = await blob(master, jobId, `test-${variant}.sh`);
      expect(script.status).toBe(200);
      expect(script.body.equals(driver)).toBe(true);
    }
  });

  it('turns failure as soon as one build fails, and completes as failure', async () => {
    // No esp-12e agent yet: the hardware tests wait in their queue, so the job cannot be
    // complete when the broken v7 build fails.
    const master = await startCluster(false);
    const { job: jobId } = await call(master, 'Job.Create', { topic: BUILD_TOPIC, args: SEED_ARGS, name: 'ci/main.sh', env: { CI_FAIL: 'v7' } });
    const early = await waitJob(master, jobId, (j) => j.status !== 'running', 'the job to turn failure', 90_000);
    expect(early.job).toMatchObject({ status: 'failure', finished: false, tasksFailed: 1 });
    const v7 = byName(early.tasks, 'v7');
    expect(v7).toMatchObject({ status: 'failure', exitCode: 1 });
    expect(early.job.firstFailedTask).toBe(v7.id);
    expect(early.job.tasksDone).toBeLessThan(early.job.tasksTotal);
    expect((await readLog(master, v7.id)).text).toMatch(/FAIL 10 - 4 - 3 {5}= 17[\s\S]*v7: 9\/10 tests passed/);

    // The tests were spawned with their firmware; they run once an esp-12e agent shows up.
    await waitJob(master, jobId, (_j, ts) => ts.filter((t) => t.topic === ESP_TOPIC).length === 2, 'both hardware tests to be spawned', 90_000);
    await startAgent(master, { topics: [ESP_TOPIC], name: 'esp-1' });
    const done = await waitJobFinished(master, jobId);
    expect(done).toMatchObject({ status: 'failure', finished: true, tasksTotal: 9, tasksDone: 9, tasksFailed: 1, firstFailedTask: v7.id });
    const { tasks } = await getJob(master, jobId);
    expect(tasks.filter((t) => t.status !== 'success').map((t) => t.name)).toEqual(['v7']);
  });
});
