// Per-attempt logs as plain files beside the database (outside SQLite's hot path).
// Offsets are logical bytes of what the task wrote. Past the size cap a log keeps its head
// (first half of the cap) and its tail (two rotating segments of a quarter each): the
// failing end of a log matters most.
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { BadRequestError } from '../../src/shared/errors';

export interface LogStoreOptions {
  dir: string;
  /** Bytes kept per attempt at most (default 1 GiB). */
  capBytes?: number;
}

interface Segment {
  start: number;
  length: number;
  path: string;
}

interface AttemptLog {
  key: string;
  head: Segment;
  tails: Segment[];
  length: number;
  fd: number | null;
  fdPath: string | null;
}

export interface LogSlice {
  offset: number;
  nextOffset: number;
  length: number;
  data: Buffer;
  omitted?: { from: number; to: number };
}

const OPEN_LIMIT = 256;

export class LogStore {
  private readonly cap: number;
  private readonly open = new Map<string, AttemptLog>();

  constructor(private readonly opts: LogStoreOptions) {
    this.cap = opts.capBytes ?? 1024 ** 3;
    mkdirSync(opts.dir, { recursive: true });
  }

  /**
   * Appends at a logical offset; bytes already stored are skipped, a gap is refused. Text is
   * written as it is when it fits the current segment: encoding straight into the write costs
   * half of making a Buffer first, and log ingestion is mostly that. `bytes` is its UTF-8
   * length when the caller already knows it.
   */
  append(
    task: string,
    attempt: number,
    offset: number,
    data: Buffer | string,
    bytes = typeof data === 'string' ? Buffer.byteLength(data) : data.length,
  ): { length: number; offset: number; written: Buffer | string } {
    const log = this.get(task, attempt, true)!;
    if (offset > log.length) {
      throw new BadRequestError(`log gap: the log has ${log.length} bytes, append from there`, { length: log.length });
    }
    const skip = log.length - offset;
    if (skip >= bytes) return { length: log.length, offset: log.length, written: Buffer.alloc(0) };
    const fresh = skip > 0 ? asBuffer(data).subarray(skip) : data;
    const at = log.length;
    this.write(log, fresh, bytes - skip);
    return { length: log.length, offset: at, written: fresh };
  }

  length(task: string, attempt: number): number {
    return this.get(task, attempt, false)?.length ?? 0;
  }

  /** Reads up to `limit` bytes from a logical offset (negative: from the end), cut on UTF-8 boundaries. */
  read(task: string, attempt: number, offset: number, limit: number): LogSlice {
    const log = this.get(task, attempt, false);
    if (!log) return { offset: 0, nextOffset: 0, length: 0, data: Buffer.alloc(0) };
    let from = offset < 0 ? Math.max(0, log.length + offset) : Math.min(offset, log.length);
    let omitted: LogSlice['omitted'];
    let seg: Segment | undefined;
    if (from < log.head.length) seg = log.head;
    else if (log.tails.length > 0) {
      const first = log.tails[0]!;
      if (from < first.start) {
        if (first.start > log.head.length) omitted = { from: log.head.length, to: first.start };
        from = first.start;
      }
      seg = log.tails.find((t) => from >= t.start && from < t.start + t.length);
    }
    if (!seg) return { offset: from, nextOffset: from, length: log.length, data: Buffer.alloc(0), ...(omitted ? { omitted } : {}) };
    const within = from - seg.start;
    const n = Math.min(limit, seg.length - within);
    const buf = readAt(seg.path, within, n);
    // Never hand out half a character: skip continuation bytes at the start (a reader paging
    // backwards picks offsets at random), and stop before an incomplete sequence at the end.
    let startCut = 0;
    while (startCut < buf.length && startCut < 3 && (buf[startCut]! & 0xc0) === 0x80) startCut++;
    let end = buf.length;
    if (from + n < log.length) end = completeUtf8End(buf);
    const data = buf.subarray(startCut, Math.max(startCut, end));
    return { offset: from + startCut, nextOffset: from + startCut + data.length, length: log.length, data, ...(omitted ? { omitted } : {}) };
  }

  /** Segments of a log in order, for streaming it raw. */
  segments(task: string, attempt: number): { segments: Segment[]; omitted?: { from: number; to: number } } {
    const log = this.get(task, attempt, false);
    if (!log) return { segments: [] };
    const first = log.tails[0];
    const omitted = first && first.start > log.head.length ? { from: log.head.length, to: first.start } : undefined;
    return { segments: [log.head, ...log.tails].filter((s) => s.length > 0), ...(omitted ? { omitted } : {}) };
  }

  /** Closes the attempt's file handle (the attempt ended). */
  close(task: string, attempt: number): void {
    const key = `${task}/${attempt}`;
    const log = this.open.get(key);
    if (log?.fd !== null && log?.fd !== undefined) closeSync(log.fd);
    this.open.delete(key);
  }

  closeAll(): void {
    for (const log of this.open.values()) if (log.fd !== null) closeSync(log.fd);
    this.open.clear();
  }

  removeTask(task: string): void {
    for (const key of [...this.open.keys()]) if (key.startsWith(`${task}/`)) this.close(task, Number(key.split('/')[1]));
    rmSync(join(this.opts.dir, task), { recursive: true, force: true });
  }

  private get(task: string, attempt: number, create: boolean): AttemptLog | undefined {
    const key = `${task}/${attempt}`;
    const cached = this.open.get(key);
    if (cached) {
      // Refresh LRU position.
      this.open.delete(key);
      this.open.set(key, cached);
      return cached;
    }
    const dir = join(this.opts.dir, task);
    const headPath = join(dir, `${attempt}.log`);
    if (!existsSync(headPath)) {
      if (!create) return undefined;
      mkdirSync(dir, { recursive: true });
    }
    const head: Segment = { start: 0, length: sizeOf(headPath), path: headPath };
    const prefix = `${attempt}.tail-`;
    const tails = existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => f.startsWith(prefix) && f.endsWith('.log'))
          .map((f) => {
            const path = join(dir, f);
            return { start: Number(f.slice(prefix.length, -4)), length: sizeOf(path), path };
          })
          .sort((a, b) => a.start - b.start)
      : [];
    const last = tails[tails.length - 1];
    const log: AttemptLog = { key, head, tails, length: last ? last.start + last.length : head.length, fd: null, fdPath: null };
    this.open.set(key, log);
    if (this.open.size > OPEN_LIMIT) {
      const [oldKey, old] = this.open.entries().next().value as [string, AttemptLog];
      if (old.fd !== null) closeSync(old.fd);
      this.open.delete(oldKey);
    }
    return log;
  }

  private write(log: AttemptLog, data: Buffer | string, bytes: number): void {
    const headCap = Math.floor(this.cap / 2);
    const segCap = Math.max(1, Math.floor(this.cap / 4));
    const tail = log.tails[log.tails.length - 1];
    // The common case: all of it goes to the open segment.
    if (tail ? tail.length + bytes <= segCap : log.head.length + bytes <= headCap) {
      this.writeTo(log, tail ?? log.head, data, bytes);
      return;
    }
    let rest = asBuffer(data);
    if (log.tails.length === 0 && log.head.length < headCap) {
      const n = Math.min(rest.length, headCap - log.head.length);
      this.writeTo(log, log.head, rest.subarray(0, n), n);
      rest = rest.subarray(n);
    }
    while (rest.length > 0) {
      let seg = log.tails[log.tails.length - 1];
      if (!seg || seg.length >= segCap) {
        seg = { start: log.length, length: 0, path: join(log.head.path, '..', `${log.key.split('/')[1]}.tail-${log.length}.log`) };
        log.tails.push(seg);
        while (log.tails.length > 2) {
          const old = log.tails.shift()!;
          if (log.fdPath === old.path && log.fd !== null) {
            closeSync(log.fd);
            log.fd = null;
            log.fdPath = null;
          }
          rmSync(old.path, { force: true });
        }
      }
      const n = Math.min(rest.length, segCap - seg.length);
      this.writeTo(log, seg, rest.subarray(0, n), n);
      rest = rest.subarray(n);
    }
  }

  private writeTo(log: AttemptLog, seg: Segment, chunk: Buffer | string, bytes: number): void {
    if (bytes === 0) return;
    if (log.fdPath !== seg.path) {
      if (log.fd !== null) closeSync(log.fd);
      log.fd = openSync(seg.path, 'a');
      log.fdPath = seg.path;
    }
    let done = typeof chunk === 'string' ? writeSync(log.fd!, chunk) : writeSync(log.fd!, chunk, 0, bytes);
    if (done < bytes) {
      // A short write (rare on a regular file): finish from the bytes.
      const buf = asBuffer(chunk);
      while (done < bytes) done += writeSync(log.fd!, buf, done, bytes - done);
    }
    seg.length += bytes;
    log.length += bytes;
  }
}

const asBuffer = (data: Buffer | string): Buffer => (typeof data === 'string' ? Buffer.from(data, 'utf8') : data);

function sizeOf(path: string): number {
  if (!existsSync(path)) return 0;
  const fd = openSync(path, 'r');
  try {
    return fstatSync(fd).size;
  } finally {
    closeSync(fd);
  }
}

function readAt(path: string, pos: number, n: number): Buffer {
  const buf = Buffer.alloc(n);
  const fd = openSync(path, 'r');
  try {
    let got = 0;
    while (got < n) {
      const r = readSync(fd, buf, got, n - got, pos + got);
      if (r === 0) break;
      got += r;
    }
    return got === n ? buf : buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** Length of `buf` without a trailing incomplete UTF-8 sequence. */
function completeUtf8End(buf: Buffer): number {
  let i = buf.length - 1;
  let back = 0;
  while (i >= 0 && back < 3 && (buf[i]! & 0xc0) === 0x80) {
    i--;
    back++;
  }
  if (i < 0) return buf.length;
  const lead = buf[i]!;
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return buf.length - i >= need ? buf.length : i;
}
