// Watches a board's serial output as timestamped lines, and keeps watching across replugs:
// when the port vanishes it waits, asks where the board is now (the path may change from
// ttyUSB0 to ttyUSB1), and reopens. Baud rate and lines can change while it runs.
import { EventEmitter } from 'node:events';
import type { SerialPortStream } from '@serialport/stream';
import { LineControl } from './line-control';
import type { LineState } from './line-state';
import { closePort, openPort, setBaud, type SerialEndpoint } from './open-port';

export interface MonitorLine {
  /** When the first byte of the line arrived. */
  time: Date;
  text: string;
  /** The line had no end yet and the board went quiet (a prompt, a crash). */
  partial?: boolean;
}

export type MonitorState = 'opening' | 'open' | 'waiting' | 'closed';

export interface SerialMonitorOptions {
  /** Where the board's port is now; undefined while it is gone. */
  resolve: () => SerialEndpoint | undefined | Promise<SerialEndpoint | undefined>;
  baud: number;
  /** Line levels right after opening (default all released: an ESP or CC3200 runs its app). */
  lines?: Partial<LineState>;
  /** Emit an unfinished line after this much silence (default 250 ms). */
  partialAfterMs?: number;
  /** How often to look for the port again after it vanished (default 500 ms). */
  retryMs?: number;
}

export interface SerialMonitorEvents {
  line: [MonitorLine];
  data: [Buffer];
  state: [MonitorState, string | undefined];
}

const MAX_LINE = 16 << 10;

export class SerialMonitor extends EventEmitter<SerialMonitorEvents> {
  state: MonitorState = 'closed';
  private port: SerialPortStream | undefined;
  private lines: LineControl | undefined;
  private baud: number;
  private pending = '';
  private pendingSince: Date | undefined;
  private partialTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = true;

  constructor(private readonly opts: SerialMonitorOptions) {
    super();
    this.baud = opts.baud;
  }

  /** Opens the port; if it is not there yet, keeps looking (resolves once open). */
  async start(): Promise<void> {
    this.stopped = false;
    const opened = new Promise<void>((resolve) => {
      const onState = (s: MonitorState): void => {
        if (s === 'open' || s === 'closed') {
          this.off('state', onState);
          resolve();
        }
      };
      this.on('state', onState);
    });
    void this.tryOpen();
    await opened;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.flushPartial();
    const port = this.port;
    this.port = undefined;
    if (port) await closePort(port);
    this.setState('closed');
  }

  async setBaud(baud: number): Promise<void> {
    this.baud = baud;
    if (this.port?.isOpen) await setBaud(this.port, baud);
  }

  async setLines(change: Partial<LineState>): Promise<void> {
    if (!this.lines) throw new Error('the port is not open');
    await this.lines.set(change);
  }

  write(data: string | Uint8Array): Promise<void> {
    const port = this.port;
    if (!port?.isOpen) return Promise.reject(new Error('the port is not open'));
    return new Promise((resolve, reject) => port.write(typeof data === 'string' ? data : Buffer.from(data), (err) => (err ? reject(err) : resolve())));
  }

  private setState(s: MonitorState, detail?: string): void {
    if (this.state === s && s !== 'waiting') return;
    this.state = s;
    this.emit('state', s, detail);
  }

  private async tryOpen(): Promise<void> {
    if (this.stopped) return;
    this.setState('opening');
    let detail: string | undefined;
    try {
      const endpoint = await this.opts.resolve();
      if (endpoint) {
        const port = await openPort(endpoint, this.baud);
        if (this.stopped) return void (await closePort(port));
        this.attach(port);
        this.lines = new LineControl(port, { ignoreUnsupported: true });
        await this.lines.set({ dtr: false, rts: false, brk: false, ...this.opts.lines });
        this.setState('open', endpoint.path);
        return;
      }
      detail = 'port not present';
    } catch (err) {
      detail = (err as Error).message;
    }
    this.setState('waiting', detail);
    this.retryTimer = setTimeout(() => void this.tryOpen(), this.opts.retryMs ?? 500);
  }

  private attach(port: SerialPortStream): void {
    this.port = port;
    port.on('data', (chunk: Buffer) => this.onData(chunk));
    port.on('error', () => {});
    port.on('close', (err: (Error & { disconnected?: boolean }) | null) => {
      if (this.port !== port) return;
      this.port = undefined;
      this.lines = undefined;
      this.flushPartial();
      if (this.stopped) return;
      this.setState('waiting', err?.disconnected ? 'port vanished' : 'port closed');
      this.retryTimer = setTimeout(() => void this.tryOpen(), this.opts.retryMs ?? 500);
    });
  }

  private onData(chunk: Buffer): void {
    this.emit('data', chunk);
    const now = new Date();
    let text = chunk.toString('latin1');
    for (;;) {
      const nl = text.indexOf('\n');
      if (nl < 0) break;
      const piece = text.slice(0, nl);
      text = text.slice(nl + 1);
      this.emitLine(this.pending + piece, this.pendingSince ?? now, false);
      this.pending = '';
      this.pendingSince = undefined;
    }
    if (text) {
      this.pendingSince ??= now;
      this.pending += text;
      if (this.pending.length > MAX_LINE) this.flushPartial();
    }
    clearTimeout(this.partialTimer);
    if (this.pending) this.partialTimer = setTimeout(() => this.flushPartial(), this.opts.partialAfterMs ?? 250);
  }

  private flushPartial(): void {
    clearTimeout(this.partialTimer);
    if (!this.pending) return;
    this.emitLine(this.pending, this.pendingSince ?? new Date(), true);
    this.pending = '';
    this.pendingSince = undefined;
  }

  private emitLine(raw: string, time: Date, partial: boolean): void {
    const text = raw.replace(/\r+$/, '').replace(/\r/g, '');
    if (!text && partial) return;
    this.emit('line', partial ? { time, text, partial } : { time, text });
  }
}
