// One direction of a UART: bytes arrive at the far end no sooner than 10 bits per byte at the
// sender's baud rate (8N1), so emulated transfers take as long as real ones. Unpaced, bytes
// are delivered on the next turn of the event loop.
import { performance } from 'node:perf_hooks';

interface Chunk {
  bytes: Uint8Array;
  baud: number;
}

/** Granularity of paced delivery; a real USB-serial bridge delivers in 1–16 ms packets too. */
const SLICE_MS = 2;

export class PacedChannel {
  /** Bytes delivered since creation. */
  delivered = 0;
  /** Bytes delivered per baud rate: a transfer's wire-time floor is Σ bytes × 10 / baud. */
  readonly deliveredAt = new Map<number, number>();
  private queue: Chunk[] = [];
  private headSent = 0;
  private headStart = 0;
  private lineFreeAt = 0;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private idle: Array<() => void> = [];

  constructor(
    private readonly deliver: (bytes: Uint8Array, baud: number) => void,
    private readonly pace: boolean,
  ) {}

  push(bytes: Uint8Array, baud: number): void {
    if (bytes.length === 0) return;
    if (this.queue.length === 0) this.headStart = Math.max(performance.now(), this.lineFreeAt);
    this.queue.push({ bytes, baud });
    this.schedule(0);
  }

  /** Bytes queued but not yet delivered. */
  pending(): number {
    return this.queue.reduce((n, c) => n + c.bytes.length, 0) - this.headSent;
  }

  /** Resolves when everything pushed so far has been delivered. */
  whenIdle(): Promise<void> {
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Drops what is in flight (a flush, an unplug, a reset of the receiver). */
  clear(): void {
    this.queue = [];
    this.headSent = 0;
    this.cancelTimer();
    this.settle();
  }

  private schedule(delayMs: number): void {
    if (this.timer) return;
    if (!this.pace) {
      this.timer = setImmediate(() => this.tick());
      return;
    }
    this.timer = setTimeout(() => this.tick(), Math.max(0, delayMs));
  }

  private cancelTimer(): void {
    if (!this.timer) return;
    if (this.pace) clearTimeout(this.timer as NodeJS.Timeout);
    else clearImmediate(this.timer as NodeJS.Immediate);
    this.timer = undefined;
  }

  private tick(): void {
    this.timer = undefined;
    if (!this.pace) {
      const chunks = this.queue;
      this.queue = [];
      for (const c of chunks) this.emit(c.bytes, c.baud);
      this.settle();
      return;
    }
    const now = performance.now();
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      const msPerByte = 10_000 / head.baud;
      const due = Math.min(head.bytes.length, Math.floor((now - this.headStart) / msPerByte));
      if (due > this.headSent) {
        const slice = head.bytes.subarray(this.headSent, due);
        this.headSent = due;
        this.emit(slice, head.baud);
        // The receiver may have cleared the channel from inside deliver().
        if (this.queue[0] !== head) continue;
      }
      if (this.headSent < head.bytes.length) {
        const end = this.headStart + head.bytes.length * msPerByte;
        this.schedule(Math.min(SLICE_MS, end - now));
        return;
      }
      this.lineFreeAt = this.headStart + head.bytes.length * msPerByte;
      this.queue.shift();
      this.headSent = 0;
      this.headStart = this.lineFreeAt;
    }
    this.settle();
  }

  private emit(bytes: Uint8Array, baud: number): void {
    this.delivered += bytes.length;
    this.deliveredAt.set(baud, (this.deliveredAt.get(baud) ?? 0) + bytes.length);
    this.deliver(bytes, baud);
  }

  private settle(): void {
    if (this.queue.length > 0) return;
    const waiters = this.idle;
    this.idle = [];
    for (const w of waiters) w();
  }
}
