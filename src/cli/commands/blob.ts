// `ourci blob put|get|ls|rm`: the job's blob store from a shell. Inside a task, JOB defaults
// to $BUILD_JOB and the attempt's token (OURCI_TOKEN) may write only its own job's blobs.
import { createReadStream, statSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { deleteBlob, getBlob, putBlob, type BlobTarget, type ProgressFn } from '../../client/blob-client';
import { blobNameProblem, isValidJobId } from '../../shared/blobs/names';
import { formatBytes } from '../../shared/blobs/size';
import { BadRequestError, NotFoundError } from '../../shared/errors';
import { httpCall } from '../../shared/rpc/http-call';
import type { Result } from '../../shared/rpc/catalog';
import type { CliContext } from '../context';
import { print, table } from '../output';

/** Transfers smaller than this finish before a bar would be worth drawing. */
const PROGRESS_MIN_BYTES = 4 * 1024 * 1024;

interface BlobRef {
  job: string;
  name: string;
}

/**
 * `JOB/NAME`, or `NAME` in $BUILD_JOB. With a slash the first segment is the job; `--job`
 * makes the whole argument the name (for names with slashes inside a task).
 */
export function parseBlobRef(ref: string, job: string | undefined, buildJob: string | undefined): BlobRef {
  let j = job;
  let name = ref;
  if (j === undefined) {
    const slash = ref.indexOf('/');
    if (slash > 0) {
      j = ref.slice(0, slash);
      name = ref.slice(slash + 1);
    } else {
      j = buildJob;
    }
  }
  if (j === undefined || j === '') throw new BadRequestError(`no job for blob "${ref}": write JOB/NAME, pass --job, or run inside a task ($BUILD_JOB)`);
  if (!isValidJobId(j)) throw new BadRequestError(`bad job id "${j}": 1-64 characters of A-Z a-z 0-9 _ -`);
  const problem = blobNameProblem(name);
  if (problem) throw new BadRequestError(`bad blob name "${name}": it ${problem}`);
  return { job: j, name };
}

function progressBar(label: string, enabled: boolean): { onProgress?: ProgressFn; stop(): void } {
  if (!enabled || !process.stderr.isTTY) return { stop() {} };
  let bar: cliProgress.SingleBar | undefined;
  return {
    onProgress(done, total) {
      if (total === undefined || total < PROGRESS_MIN_BYTES) return;
      if (!bar) {
        bar = new cliProgress.SingleBar({
          format: `${label} {bar} {percentage}% | {doneh} of {totalh} | ETA {eta_formatted}`,
          stream: process.stderr,
          hideCursor: true,
          clearOnComplete: true,
          fps: 8,
          etaBuffer: 40,
        }, cliProgress.Presets.shades_classic);
        bar.start(total, 0, { doneh: formatBytes(0), totalh: formatBytes(total) });
      }
      bar.update(done, { doneh: formatBytes(done), totalh: formatBytes(total) });
    },
    stop() {
      bar?.stop();
    },
  };
}

async function withProgress<T>(label: string, enabled: boolean, fn: (p: ProgressFn | undefined) => Promise<T>): Promise<T> {
  const bar = progressBar(label, enabled);
  try {
    return await fn(bar.onProgress);
  } finally {
    bar.stop();
  }
}

export function registerBlob(program: Command, ctx: CliContext): void {
  const target = (cmd: Command): BlobTarget => ctx.target(cmd);
  const ref = (text: string, o: { job?: string }): BlobRef => parseBlobRef(text, o.job, ctx.env.BUILD_JOB);
  const blob = program
    .command('blob')
    .description("store and fetch a job's blobs (firmware, test scripts) on the master")
    .addHelpText(
      'after',
      '\nREF is JOB/NAME, or NAME inside a task (JOB is then $BUILD_JOB). With --job, REF is the\n' +
        'whole name, slashes included. Names are "/"-separated segments of A-Z a-z 0-9 . _ -.\n' +
        'Inside a task, plain curl works too: curl -T FILE "$BLOB_URL/NAME"; curl -o FILE "$BLOB_URL/NAME".',
    );

  blob
    .command('put <file> <ref>')
    .description('upload FILE (- for stdin) as a blob, streaming; replaces an existing blob of that name')
    .option('--job <job>', 'job to store it in (default: from REF, or $BUILD_JOB)')
    .option('--no-progress', 'no progress bar')
    .option('--json', 'print JSON')
    .action(async (file: string, text: string, o: { job?: string; progress: boolean; json?: boolean }, cmd: Command) => {
      const { job, name } = ref(text, o);
      let body: Readable;
      let size: number | undefined;
      if (file === '-') {
        body = process.stdin;
      } else {
        const st = statSync(file, { throwIfNoEntry: false });
        if (!st?.isFile()) throw new BadRequestError(`${file}: no such file`);
        size = st.size;
        body = createReadStream(file);
      }
      const r = await withProgress(`put ${name}`, o.progress, (onProgress) => putBlob(target(cmd), job, name, body, { size, onProgress }));
      print(o, r, () => `uploaded ${job}/${name}: ${formatBytes(r.size)}, sha256 ${r.sha256}${r.replaced ? ' (replaced the previous one)' : ''}`);
    });

  blob
    .command('get <ref> [file]')
    .description('download a blob to FILE or into a directory (default: here, under its base name; - for stdout), verifying its SHA-256')
    .option('--job <job>', 'job to read from (default: from REF, or $BUILD_JOB)')
    .option('--no-progress', 'no progress bar')
    .option('--json', 'print JSON')
    .action(async (text: string, file: string | undefined, o: { job?: string; progress: boolean; json?: boolean }, cmd: Command) => {
      const { job, name } = ref(text, o);
      const t = target(cmd);
      if (file === '-') {
        await getBlob(t, job, name, process.stdout as Writable);
        return;
      }
      const dest = file === undefined || statSync(file, { throwIfNoEntry: false })?.isDirectory() ? join(file ?? '.', basename(name)) : file;
      // Into a temporary file beside the destination, renamed only once verified: a failed
      // download never leaves a truncated file under the real name.
      const part = join(dirname(dest), `.${basename(dest)}.${process.pid}.part`);
      const fh = await open(part, 'wx');
      try {
        const r = await withProgress(`get ${name}`, o.progress, (onProgress) => getBlob(t, job, name, fh.createWriteStream(), { onProgress }));
        await rename(part, dest);
        print(o, { job, name, file: dest, ...r }, () => `downloaded ${job}/${name} to ${dest}: ${formatBytes(r.size)}, sha256 verified`);
      } catch (err) {
        await fh.close().catch(() => undefined);
        await rm(part, { force: true });
        throw err;
      }
    });

  blob
    .command('ls [job]')
    .description("list a job's blobs (default job: $BUILD_JOB)")
    .option('--json', 'print JSON')
    .action(async (jobArg: string | undefined, o: { json?: boolean }, cmd: Command) => {
      const job = jobArg ?? ctx.env.BUILD_JOB;
      if (!job) throw new BadRequestError('which job? give JOB, or run inside a task ($BUILD_JOB)');
      if (!isValidJobId(job)) throw new BadRequestError(`bad job id "${job}": 1-64 characters of A-Z a-z 0-9 _ -`);
      const t = target(cmd);
      const r = await httpCall<Result<'Blob.List'>>(t.url, t.token, 'Blob.List', { job });
      print(o, r, () =>
        r.blobs.length === 0
          ? `(no blobs in job ${job})`
          : `${table(
              ['NAME', 'SIZE', 'SHA256', 'CREATED'],
              r.blobs.map((b) => [b.name, formatBytes(b.size), b.sha256.slice(0, 12), b.createdAt.replace(/\.\d+Z$/, 'Z')]),
            )}\n${r.blobs.length} blob${r.blobs.length === 1 ? '' : 's'}, ${formatBytes(r.totalBytes)}`,
      );
    });

  blob
    .command('rm <refs...>')
    .description('delete blobs')
    .option('--job <job>', 'job to delete from (default: from REF, or $BUILD_JOB)')
    .option('-f, --force', 'no error for blobs that do not exist')
    .option('--json', 'print JSON')
    .action(async (texts: string[], o: { job?: string; force?: boolean; json?: boolean }, cmd: Command) => {
      const refs = texts.map((text) => ref(text, o));
      const t = target(cmd);
      const deleted: string[] = [];
      for (const { job, name } of refs) {
        if (await deleteBlob(t, job, name)) deleted.push(`${job}/${name}`);
        else if (!o.force) throw new NotFoundError(`no blob ${name} in job ${job}`);
      }
      print(o, { deleted }, () => deleted.map((d) => `deleted ${d}`).join('\n') || '(nothing deleted)');
    });
}
