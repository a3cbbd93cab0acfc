// What the end-to-end suites share: the seed workflow's entry point, reads that ride out a
// master restart, and job/log helpers over the master's HTTP RPC.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, OurciError } from '../../src/shared/errors';
import type { Job, Task } from '../../src/shared/jobs/model';
import type { MethodName, Params, Result } from '../../src/shared/rpc/catalog';
import { waitFor } from '../helpers/master';
import { REPO_ROOT, type MasterProcess } from '../helpers/processes';

export const BUILD_TOPIC = 'ourci/build/docker';
export const ESP_TOPIC = 'ourci/test/esp-12e';
export const TRAMPOLINE = join(REPO_ROOT, 'examples', 'seed-workflow', 'ci', 'trampoline.sh');
/** The root task's args: the trampoline, an image, the root build script. */
export const SEED_ARGS = [TRAMPOLINE, 'docker.cesanta.com/ourci-base:2016-07', 'ci/main.sh'];

/** Every task of the seed workflow by name, with its parent's name. */
export const SEED_TASKS: Record<string, string | null> = {
  'ci/main.sh': null,
  v7: 'ci/main.sh',
  mongoose: 'ci/main.sh',
  'mongoose-iot': 'ci/main.sh',
  'fw/posix': 'mongoose-iot',
  'fw/esp8266': 'mongoose-iot',
  'fw/esp8266 OTA=1': 'mongoose-iot',
  'test/esp-12e esp8266': 'fw/esp8266',
  'test/esp-12e esp8266-ota': 'fw/esp8266 OTA=1',
};

export const FW_VERSION = readFileSync(join(REPO_ROOT, 'examples/seed-workflow/fw/VERSION'), 'utf8').trim();

/** What each task's own script prints when it succeeds. */
export const SEED_SAYS: Record<string, RegExp> = {
  'ci/main.sh': /^main: 3 builds spawned$/m,
  v7: /^v7: 10\/10 tests passed$/m,
  mongoose: /^mongoose: 6\/6 tests passed$/m,
  'mongoose-iot': /^mongoose-iot: 3 platform builds spawned$/m,
  'fw/posix': new RegExp(`^fw/posix: mongoose-iot v${FW_VERSION} boots$`, 'm'),
  'fw/esp8266': /^fw\/esp8266: uploaded fw-esp8266\.tar\.gz and test-esp8266\.sh$/m,
  'fw/esp8266 OTA=1': /^fw\/esp8266-ota: uploaded fw-esp8266-ota\.tar\.gz and test-esp8266-ota\.sh$/m,
  'test/esp-12e esp8266': new RegExp(`^esp-12e: PASS mongoose-iot v${FW_VERSION} \\(fw-esp8266\\.tar\\.gz\\)$`, 'm'),
  'test/esp-12e esp8266-ota': new RegExp(`^esp-12e: PASS mongoose-iot v${FW_VERSION} \\(fw-esp8266-ota\\.tar\\.gz\\)$`, 'm'),
};

const retryable = (err: unknown): boolean =>
  err instanceof OurciError && (err.code === ErrorCode.Unavailable || err.code === ErrorCode.Timeout || err.code === ErrorCode.TooManyRequests);

/** An admin call retried while the master is unreachable (it may be restarting). */
export async function call<K extends MethodName>(master: MasterProcess, method: K, params: Params<K>, timeoutMs = 60_000): Promise<Result<K>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await master.call(method, params);
    } catch (err) {
      if (!retryable(err) || Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export async function getJob(master: MasterProcess, job: string): Promise<{ job: Job; tasks: Task[] }> {
  return call(master, 'Job.Get', { job });
}

/** Long-polls Job.Wait until the job finishes (bounded). */
export async function waitJobFinished(master: MasterProcess, job: string, timeoutMs = 120_000): Promise<Job> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const left = end - Date.now();
    if (left <= 0) {
      const snap = await getJob(master, job);
      throw new Error(`job ${job} did not finish in ${timeoutMs} ms: ${JSON.stringify(snap)}`);
    }
    const r = await call(master, 'Job.Wait', { job, waitSeconds: Math.max(1, Math.min(20, Math.floor(left / 1000))) });
    if (r.job.finished) return r.job;
  }
}

/** Waits until `check` holds for the job and its tasks; returns them. */
export async function waitJob(
  master: MasterProcess,
  job: string,
  check: (j: Job, tasks: Task[]) => boolean,
  what: string,
  timeoutMs = 60_000,
): Promise<{ job: Job; tasks: Task[] }> {
  return waitFor(
    async () => {
      const r = await getJob(master, job);
      return check(r.job, r.tasks) ? r : null;
    },
    timeoutMs,
    what,
  );
}

/** The task of `tasks` called `name`. */
export function byName(tasks: Task[], name: string): Task {
  const t = tasks.find((x) => x.name === name);
  if (!t) throw new Error(`no task named ${name} among ${tasks.map((x) => x.name).join(', ')}`);
  return t;
}

/** A whole attempt's log (default: the latest attempt). */
export async function readLog(master: MasterProcess, task: string, attempt?: number): Promise<{ text: string; complete: boolean }> {
  let offset = 0;
  let text = '';
  for (;;) {
    const r = await call(master, 'Log.Read', { task, attempt, offset, limit: 1024 * 1024 });
    text += r.data;
    offset = r.nextOffset;
    if (r.nextOffset >= r.length) return { text, complete: r.complete };
  }
}

/** Waits until a line of the task's log (latest attempt, or `attempt`) matches `line` exactly. */
export async function waitLogLine(master: MasterProcess, task: string, line: string, attempt?: number, timeoutMs = 30_000): Promise<void> {
  await waitFor(async () => (await readLog(master, task, attempt)).text.split('\n').includes(line), timeoutMs, `"${line}" in the log of task ${task}`);
}

/** Publishes nothing but makes the topic's default subscription lease for `seconds`. */
export async function setAckDeadline(master: MasterProcess, topic: string, seconds: number): Promise<void> {
  await call(master, 'PubSub.CreateTopic', { name: topic });
  await call(master, 'PubSub.UpdateSubscription', { name: topic, ackDeadlineSeconds: seconds });
}
