// The subset of the Web Serial `SerialPort` that esptool-js and tasmota-webserial-esptool use,
// on top of Node's serialport (reference §2.3): fresh web streams on every open, setSignals
// through LineControl (all three lines each time), and an in-place setBaudRate so esptool-js
// changes speed without closing the port.
import type { SerialPortStream } from '@serialport/stream';
import { LineControl } from './line-control';
import { closePort, openPort, setBaud, type SerialEndpoint } from './open-port';

export interface WebSerialInfo {
  usbVendorId?: number;
  usbProductId?: number;
}

export interface WebSerialHooks {
  /** The port vanished (unplugged) while open. */
  onLost?: (err: Error) => void;
  /** Treat a pty's refusal of DTR/RTS as "no lines" instead of an error. */
  ignoreLineErrors?: boolean;
}

export class NodeWebSerialPort {
  readable: ReadableStream<Uint8Array> | null = null;
  writable: WritableStream<Uint8Array> | null = null;
  /** The open Node port (for our own resets), undefined while closed. */
  port: SerialPortStream | undefined;
  lines: LineControl | undefined;

  constructor(
    private readonly endpoint: SerialEndpoint,
    private readonly info: WebSerialInfo = {},
    private readonly hooks: WebSerialHooks = {},
  ) {}

  getInfo(): WebSerialInfo {
    return { ...this.info };
  }

  async open(options: { baudRate: number }): Promise<void> {
    const port = await openPort(this.endpoint, options.baudRate);
    this.port = port;
    this.lines = new LineControl(port, { ignoreUnsupported: this.hooks.ignoreLineErrors });
    let onData: ((d: Buffer) => void) | undefined;
    this.readable = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          onData = (d: Buffer): void => {
            try {
              controller.enqueue(new Uint8Array(d));
            } catch {
              // cancelled by the consumer; the close below stops the flow
            }
          };
          port.on('data', onData);
          port.once('close', (err: (Error & { disconnected?: boolean }) | null) => {
            if (onData) port.off('data', onData);
            try {
              if (err) controller.error(err);
              else controller.close();
            } catch {
              // the consumer cancelled the stream already
            }
            if (err?.disconnected) this.hooks.onLost?.(err);
            if (this.port === port) this.detach();
          });
        },
        // Web Serial's cancel() releases the stream; the port stays open until close().
        cancel: () => {
          if (onData) port.off('data', onData);
        },
      },
      { highWaterMark: 1 << 20, size: (chunk) => chunk?.byteLength ?? 1 },
    );
    this.writable = new WritableStream<Uint8Array>({
      write: (chunk) =>
        new Promise<void>((resolve, reject) => {
          if (!port.isOpen) return reject(new Error('port is closed'));
          port.write(Buffer.from(chunk), (err) => {
            if (err) return reject(err);
            port.drain((e) => (e ? reject(e) : resolve()));
          });
        }),
    });
  }

  async close(): Promise<void> {
    const port = this.port;
    this.detach();
    if (port) await closePort(port);
  }

  async setSignals(signals: { dataTerminalReady?: boolean; requestToSend?: boolean; break?: boolean }): Promise<void> {
    if (!this.lines) throw new Error('port is not open');
    await this.lines.set({ dtr: signals.dataTerminalReady, rts: signals.requestToSend, brk: signals.break });
  }

  async setBaudRate(baudRate: number): Promise<void> {
    if (!this.port) throw new Error('port is not open');
    await setBaud(this.port, baudRate);
  }

  private detach(): void {
    this.port = undefined;
    this.readable = null;
    this.writable = null;
  }
}
