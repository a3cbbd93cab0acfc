// Streams an attempt's output to the master as Log.Append calls of at most 64 KiB, with byte
// offsets so a resend after a lost reply or a master outage is idempotent. A few appends are
// kept in flight so throughput does not wait on round trips.
import { ErrorCode, OurciError, isRetryableCode } from '../shared/errors';
import { MAX_LOG_CHUNK_BYTES } from '../shared/logs/methods';
import type { MasterClient } from '../client/master-client';

export interface LogStreamerOptions {
  maxInFlight?: number;
  /** Bytes kept while the master is unreachable; past it output is dropped with a marker. */
  maxBufferedBytes?: number;
  /** Called once if the master says the attempt is no longer current (409). */
  onLeaseLost?: () => void;
}

interface Chunk {
  offset: number;
  buf: Buffer;
}

export class LogStreamer {
  private queue: Buffer[] = [];
  private queuedBytes = 0;
  private inflight: Chunk[] = [];
  private nextOffset = 0;
  private confirmed = 0;
  private dropped = 0;
  private lost = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelay = 250;
  private idleWaiters: Array<() => void> = [];
  private readonly maxInFlight: number;
  private readonly maxBuffered: number;

  constructor(
    private readonly client: MasterClient,
    private readonly task: string,
    private readonly attempt: number,
    private readonly opts: LogStreamerOptions = {},
  ) {
    this.maxInFlight = opts.maxInFlight ?? 4;
    this.maxBuffered = opts.maxBufferedBytes ?? 256 * 1024 * 1024;
  }

  /** Bytes the master has confirmed. */
  get length(): number {
    return this.confirmed;
  }

  write(text: string): void {
    if (this.lost || text.length === 0) return;
    const buf = Buffer.from(text, 'utf8');
    if (this.queuedBytes + buf.length > this.maxBuffered) {
      this.dropped += buf.length;
      return;
    }
    if (this.dropped > 0) {
      const marker = Buffer.from(`\n[ourci agent: ${this.dropped} bytes of output dropped while the master was unreachable]\n`);
      this.dropped = 0;
      this.push(marker);
    }
    this.push(buf);
    this.pump();
  }

  /** Resolves when everything written so far is confirmed (or the attempt was lost), or after `timeoutMs`. */
  flush(timeoutMs = 60_000): Promise<boolean> {
    if (this.idle()) return Promise.resolve(!this.lost);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(t);
        resolve(!this.lost);
      });
    });
  }

  stop(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.lost = true;
    this.wakeIdle();
  }

  private push(buf: Buffer): void {
    this.queue.push(buf);
    this.queuedBytes += buf.length;
  }

  private idle(): boolean {
    return this.lost || (this.queuedBytes === 0 && this.inflight.length === 0);
  }

  private wakeIdle(): void {
    if (!this.idle()) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private takeChunk(): Buffer | undefined {
    if (this.queuedBytes === 0) return undefined;
    const parts: Buffer[] = [];
    let size = 0;
    while (this.queue.length > 0 && size < MAX_LOG_CHUNK_BYTES) {
      const head = this.queue[0]!;
      const room = MAX_LOG_CHUNK_BYTES - size;
      if (head.length <= room) {
        parts.push(head);
        size += head.length;
        this.queue.shift();
        continue;
      }
      const cut = utf8Cut(head, room);
      if (cut === 0) break;
      parts.push(head.subarray(0, cut));
      size += cut;
      this.queue[0] = head.subarray(cut);
    }
    this.queuedBytes -= size;
    return parts.length === 1 ? parts[0] : Buffer.concat(parts, size);
  }

  private pump(): void {
    while (!this.lost && !this.retryTimer && this.inflight.length < this.maxInFlight) {
      const buf = this.takeChunk();
      if (!buf) break;
      const chunk: Chunk = { offset: this.nextOffset, buf };
      this.nextOffset += buf.length;
      this.inflight.push(chunk);
      this.send(chunk);
    }
    this.wakeIdle();
  }

  private send(chunk: Chunk): void {
    this.client
      .call('Log.Append', { task: this.task, attempt: this.attempt, offset: chunk.offset, data: chunk.buf.toString('utf8') }, { timeoutMs: 30_000 })
      .then((r) => {
        this.confirmed = Math.max(this.confirmed, r.length);
        this.inflight = this.inflight.filter((c) => c.offset + c.buf.length > this.confirmed);
        this.retryDelay = 250;
        this.pump();
      })
      .catch((err: unknown) => this.failed(err));
  }

  private failed(err: unknown): void {
    if (this.lost) return;
    if (err instanceof OurciError && err.code === ErrorCode.Conflict) {
      this.lost = true;
      this.queue = [];
      this.queuedBytes = 0;
      this.inflight = [];
      this.opts.onLeaseLost?.();
      this.wakeIdle();
      return;
    }
    const gap = err instanceof OurciError && err.code === ErrorCode.BadRequest ? (err.data as { length?: number } | undefined)?.length : undefined;
    if (!(err instanceof OurciError) || (!isRetryableCode(err.code) && gap === undefined)) {
      // Not worth retrying (a bug or a refused chunk): drop it rather than block the task.
      this.inflight = [];
      this.pump();
      return;
    }
    // Put everything unconfirmed back in order and resend from what the master has.
    if (gap !== undefined) this.confirmed = gap;
    const resend = this.inflight.filter((c) => c.offset + c.buf.length > this.confirmed);
    this.inflight = [];
    const back = resend.map((c) => (c.offset < this.confirmed ? c.buf.subarray(this.confirmed - c.offset) : c.buf));
    this.queue = [...back, ...this.queue];
    this.queuedBytes += back.reduce((n, b) => n + b.length, 0);
    this.nextOffset = this.confirmed;
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.pump();
    }, this.retryDelay);
    this.retryDelay = Math.min(this.retryDelay * 2, 5000);
  }
}

/** The largest n ≤ max such that buf[0..n) ends on a UTF-8 character boundary. */
function utf8Cut(buf: Buffer, max: number): number {
  let n = Math.min(max, buf.length);
  while (n > 0 && n < buf.length && (buf[n]! & 0xc0) === 0x80) n--;
  return n;
}
