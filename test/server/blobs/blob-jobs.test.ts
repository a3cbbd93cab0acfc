// Blobs with the real jobs layer: BLOB_URL from Task.Start works with curl while the attempt
// runs, only for its own job, and dies with the attempt; finished jobs' blobs expire.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Master } from '../../../server/master';
import { clientOf, startMaster, tempDir } from '../../helpers/master';

const run = promisify(execFile);
const status = async (args: string[]): Promise<string> => (await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', ...args])).stdout;

/** What master.ts should pass as the blob service's JobLookup. */
const lookupOf = (m: Master) => ({
  finishedAt: (job: string): number | undefined => (/^\d+$/.test(job) ? (m.jobs.jobRow(Number(job))?.finishedAt ?? undefined) : undefined),
});

describe('blobs and jobs', () => {
  it('a build task hands a blob to a test task through BLOB_URL, then the URL expires with the attempt', async () => {
    const m = await startMaster();
    m.blobs.setJobLookup(lookupOf(m));
    const admin = await clientOf(m);
    const agent = await clientOf(m, 'agent');
    const dir = tempDir();
    const fw = randomBytes(2 * 1024 * 1024);
    writeFileSync(join(dir, 'fw.bin'), fw);

    const { job } = await admin.call('Job.Create', { topic: 'build', args: ['build.sh'] });
    const other = await admin.call('Job.Create', { topic: 'other', args: ['x'] });
    const pull = async (topic: string) => (await agent.call('PubSub.Pull', { subscription: topic, waitSeconds: 10 })).receivedMessages[0]!;

    const build = await pull('build');
    const b = await agent.call('Task.Start', { ackId: build.ackId });
    expect(b.env.BLOB_URL).toBe(b.blobUrl);
    await run('curl', ['-fsS', '-T', join(dir, 'fw.bin'), `${b.blobUrl}/fw.bin`]);
    // The build task spawns the test task with its own token, as spawn_task does.
    const res = await fetch(`${m.url}/rpc/Task.Spawn`, {
      method: 'POST',
      headers: { authorization: `Bearer ${b.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ topic: 'test', args: ['test.sh'] }),
    });
    const spawned = ((await res.json()) as { task: string }).task;
    expect(spawned).toBeTruthy();
    await agent.call('Task.Finish', { ackId: build.ackId, exitCode: 0 });
    expect(await status([`${b.blobUrl}/fw.bin`])).toBe('401'); // the build attempt is over

    const test = await pull('test');
    const t = await agent.call('Task.Start', { ackId: test.ackId });
    await run('curl', ['-fsS', '-o', join(dir, 'got.bin'), `${t.blobUrl}/fw.bin`]);
    expect(readFileSync(join(dir, 'got.bin')).equals(fw)).toBe(true);
    // Its token reaches only its own job.
    const otherUrl = t.blobUrl.replace(`/blobs/${job}`, `/blobs/${other.job}`);
    expect(await status(['-T', join(dir, 'fw.bin'), `${otherUrl}/x`])).toBe('403');
    expect(await status([`${otherUrl}/x`])).toBe('403');
    await agent.call('Task.Finish', { ackId: test.ackId, exitCode: 0 });

    const done = (await admin.call('Job.Wait', { job, waitSeconds: 10 })).job;
    expect(done.finished).toBe(true);
    expect((await admin.call('Blob.List', { job })).blobs.map((x) => x.name)).toEqual(['fw.bin']);
    // Retention counts from when the job finished.
    expect(await m.blobs.sweep(Date.parse(done.finishedAt!) + 13 * 86_400_000)).toEqual({ deletedBlobs: 0, freedBytes: 0 });
    expect(await m.blobs.sweep(Date.parse(done.finishedAt!) + 15 * 86_400_000)).toEqual({ deletedBlobs: 1, freedBytes: fw.length });
    expect((await admin.call('Blob.List', { job })).blobs).toEqual([]);
  });
});
