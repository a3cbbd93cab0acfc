// Streams an attempt's output to the master as Log.Append calls of at most 64 KiB, with byte
// offsets so a resend after a lost reply or a master outage is idempotent. Several appends are
// kept in flight so throughput does not wait on round trips. When output comes faster than the
// master takes it, `onPressure` asks the producer to pause (the task then blocks on its pipe)
// instead of buffering without end; during an outage it does not, and output is buffered up to
// `maxBufferedBytes` (then dropped with a marker) so a short outage never stalls the task.
import { ErrorCode, OurciError, isRetryableCode } from '../shared/errors';
import { MAX_LOG_CHUNK_BYTES } from '../shared/logs/methods';
import type { MasterClient } from '../client/master-client';

export interface LogStreamerOptions {
  maxInFlight?: number;
  /** Bytes kept while the master is unreachable; past it output is dropped with a marker. */
  maxBufferedBytes?: number;
  /** Called once if the master says the attempt is no longer current (409). */
  onLeaseLost?: () => void;
  /** true: stop feeding output (the queue is past its high-water mark); false: go on. */
  onPressure?: (full: boolean) => void;
}

/** Queued bytes past which the producer is asked to pause, and below which to resume. */
const HIGH_WATER = 4 * 1024 * 1024;
const LOW_WATER = 1024 * 1024;

/**
 * Output is kept as text with its UTF-8 length, not as Buffers: it arrives as text (decoded
 * and masked) and leaves as text (a JSON string), so encoding it in between cost a copy of
 * every byte for nothing. Bytes are only made to cut a non-ASCII piece at a character boundary.
 */
interface Piece {
  text: string;
  bytes: number;
}

interface Chunk extends Piece {
  offset: number;
}

export class LogStreamer {
  private queue: Piece[] = [];
  private queuedBytes = 0;
  private inflight: Chunk[] = [];
  private nextOffset = 0;
  private confirmed = 0;
  private dropped = 0;
  private lost = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelay = 250;
  private idleWaiters: Array<() => void> = [];
  private pressed = false;
  private readonly maxInFlight: number;
  private readonly maxBuffered: number;

  constructor(
    private readonly client: MasterClient,
    private readonly task: string,
    private readonly attempt: number,
    private readonly opts: LogStreamerOptions = {},
  ) {
    // 16 × 64 KiB in flight: on a busy machine the master and the agent wait their turn for a
    // CPU, and a deeper pipeline rides that out (bench:dispatch: 4 → 40-60 MB/s, 16 → 65-120
    // MB/s, 32 no better). The master budgets appends per event-loop turn
    // (server/logs/append-scheduler.ts), so a deeper one would only queue there.
    this.maxInFlight = opts.maxInFlight ?? 16;
    this.maxBuffered = opts.maxBufferedBytes ?? 256 * 1024 * 1024;
  }

  /** Bytes the master has confirmed. */
  get length(): number {
    return this.confirmed;
  }

  write(text: string): void {
    if (this.lost || text.length === 0) return;
    const bytes = Buffer.byteLength(text, 'utf8');
    if (this.queuedBytes + bytes > this.maxBuffered) {
      this.dropped += bytes;
      return;
    }
    if (this.dropped > 0) {
      this.push(piece(`\n[ourci agent: ${this.dropped} bytes of output dropped while the master was unreachable]\n`));
      this.dropped = 0;
    }
    this.push({ text, bytes });
    this.pump();
    if (!this.pressed && this.queuedBytes >= HIGH_WATER && !this.retryTimer && !this.lost) {
      this.pressed = true;
      this.opts.onPressure?.(true);
    }
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
    this.release();
    this.wakeIdle();
  }

  private push(p: Piece): void {
    this.queue.push(p);
    this.queuedBytes += p.bytes;
  }

  private idle(): boolean {
    return this.lost || (this.queuedBytes === 0 && this.inflight.length === 0);
  }

  private wakeIdle(): void {
    if (!this.idle()) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private takeChunk(): Piece | undefined {
    if (this.queuedBytes === 0) return undefined;
    const parts: string[] = [];
    let size = 0;
    while (this.queue.length > 0 && size < MAX_LOG_CHUNK_BYTES) {
      const head = this.queue[0]!;
      const room = MAX_LOG_CHUNK_BYTES - size;
      if (head.bytes <= room) {
        parts.push(head.text);
        size += head.bytes;
        this.queue.shift();
        continue;
      }
      const [first, rest] = splitPiece(head, room);
      if (first.bytes === 0) break;
      parts.push(first.text);
      size += first.bytes;
      this.queue[0] = rest;
    }
    this.queuedBytes -= size;
    return { text: parts.length === 1 ? parts[0]! : parts.join(''), bytes: size };
  }

  private pump(): void {
    while (!this.lost && !this.retryTimer && this.inflight.length < this.maxInFlight) {
      const p = this.takeChunk();
      if (!p) break;
      const chunk: Chunk = { offset: this.nextOffset, text: p.text, bytes: p.bytes };
      this.nextOffset += p.bytes;
      this.inflight.push(chunk);
      this.send(chunk);
    }
    this.release();
    this.wakeIdle();
  }

  /** Lets the producer go on once the queue has drained, or when pausing it would not help. */
  private release(): void {
    if (this.pressed && (this.queuedBytes <= LOW_WATER || this.retryTimer || this.lost)) {
      this.pressed = false;
      this.opts.onPressure?.(false);
    }
  }

  private send(chunk: Chunk): void {
    this.client
      .call('Log.Append', { task: this.task, attempt: this.attempt, offset: chunk.offset, data: chunk.text }, { timeoutMs: 30_000 })
      .then((r) => {
        this.confirmed = Math.max(this.confirmed, r.length);
        this.inflight = this.inflight.filter((c) => c.offset + c.bytes > this.confirmed);
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
      this.release();
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
    const resend = this.inflight.filter((c) => c.offset + c.bytes > this.confirmed);
    this.inflight = [];
    // The master's length is always at a chunk boundary we cut on a character boundary.
    const back = resend.map((c): Piece => (c.offset < this.confirmed ? splitPiece(c, this.confirmed - c.offset)[1] : c));
    this.queue = [...back, ...this.queue];
    this.queuedBytes += back.reduce((n, b) => n + b.bytes, 0);
    this.nextOffset = this.confirmed;
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.pump();
    }, this.retryDelay);
    this.release(); // an outage: buffer (up to maxBufferedBytes) rather than stall the task
    this.retryDelay = Math.min(this.retryDelay * 2, 5000);
  }
}

const piece = (text: string): Piece => ({ text, bytes: Buffer.byteLength(text, 'utf8') });

/** Splits after at most `max` bytes, on a character boundary. */
function splitPiece(p: Piece, max: number): [Piece, Piece] {
  if (p.bytes === p.text.length) {
    // ASCII only (one byte per UTF-16 unit): characters are bytes.
    return [{ text: p.text.slice(0, max), bytes: max }, { text: p.text.slice(max), bytes: p.bytes - max }];
  }
  const buf = Buffer.from(p.text, 'utf8');
  const cut = utf8Cut(buf, max);
  return [piece(buf.toString('utf8', 0, cut)), piece(buf.toString('utf8', cut))];
}

/** The largest n ≤ max such that buf[0..n) ends on a UTF-8 character boundary. */
function utf8Cut(buf: Buffer, max: number): number {
  let n = Math.min(max, buf.length);
  while (n > 0 && n < buf.length && (buf[n]! & 0xc0) === 0x80) n--;
  return n;
}
