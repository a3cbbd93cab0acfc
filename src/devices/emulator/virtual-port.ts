// An open port on an emulated board, shaped like a serialport binding's port so that the real
// SerialPortStream (and everything above it: esptool-js through our adapter, the CC3200
// client, the monitor) runs unchanged. Semantics follow the Linux binding: DTR and RTS rise
// on open and drop on close (HUPCL), reads fail with `canceled` on close and without it when
// the device vanishes.
import type { BindingPortInterface, OpenOptions, PortStatus, SetOptions, UpdateOptions } from '../serial/binding';
import { LINES_AFTER_OPEN } from '../serial/line-state';
import type { SerialLink } from './serial-link';

interface PendingRead {
  buffer: Buffer;
  offset: number;
  length: number;
  resolve: (r: { buffer: Buffer; bytesRead: number }) => void;
  reject: (err: Error) => void;
}

function canceled(message: string): Error {
  return Object.assign(new Error(message), { canceled: true });
}

export class VirtualPort implements BindingPortInterface {
  readonly openOptions: Required<OpenOptions>;
  isOpen = true;
  private rx: Buffer[] = [];
  private pending: PendingRead | undefined;
  private lost: Error | undefined;

  constructor(
    private readonly link: SerialLink,
    options: OpenOptions,
    private readonly onClose: () => void,
  ) {
    this.openOptions = {
      dataBits: 8,
      lock: true,
      stopBits: 1,
      parity: 'none',
      rtscts: false,
      xon: false,
      xoff: false,
      xany: false,
      hupcl: true,
      ...options,
    };
    link.setHostBaud(options.baudRate);
    link.attachHost((bytes) => this.onData(bytes));
    link.setLines({ ...LINES_AFTER_OPEN });
  }

  /**
   * The board went away under us: every operation fails from now on, not as a cancellation.
   * The port stays "open" until its owner closes it, as with the native binding, so that
   * SerialPortStream reports the disconnect.
   */
  disconnect(): void {
    if (!this.isOpen || this.lost) return;
    this.lost = new Error('device disconnected (unplugged)');
    this.link.attachHost(undefined);
    this.pending?.reject(this.lost);
    this.pending = undefined;
    this.onClose();
  }

  async close(): Promise<void> {
    if (!this.isOpen) throw new Error('Port is not open');
    this.isOpen = false;
    if (this.lost) return;
    this.link.attachHost(undefined);
    if (this.openOptions.hupcl) this.link.setLines({ dtr: false, rts: false, brk: false });
    this.pending?.reject(canceled('Port is closed'));
    this.pending = undefined;
    this.onClose();
  }

  read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    if (this.lost) return Promise.reject(this.lost);
    if (!this.isOpen) return Promise.reject(canceled('Port is not open'));
    return new Promise((resolve, reject) => {
      this.pending = { buffer, offset, length, resolve, reject };
      this.serve();
    });
  }

  async write(buffer: Buffer): Promise<void> {
    this.check();
    this.link.hostWrite(Uint8Array.from(buffer));
  }

  async update(options: UpdateOptions): Promise<void> {
    this.check();
    this.link.setHostBaud(options.baudRate);
  }

  async set(options: SetOptions): Promise<void> {
    this.check();
    // SerialPortStream fills omitted flags with its defaults before calling us, as with the
    // native binding; the emulator sees exactly what a real board would.
    this.link.setLines({ dtr: !!options.dtr, rts: !!options.rts, brk: !!options.brk });
  }

  async get(): Promise<PortStatus> {
    this.check();
    return { cts: false, dsr: false, dcd: false };
  }

  async getBaudRate(): Promise<{ baudRate: number }> {
    this.check();
    return { baudRate: this.link.hostBaud };
  }

  async flush(): Promise<void> {
    this.check();
    this.rx = [];
  }

  async drain(): Promise<void> {
    this.check();
    await this.link.hostDrain();
    this.check();
  }

  private check(): void {
    if (this.lost) throw this.lost;
    if (!this.isOpen) throw canceled('Port is not open');
  }

  private onData(bytes: Uint8Array): void {
    this.rx.push(Buffer.from(bytes));
    this.serve();
  }

  private serve(): void {
    const p = this.pending;
    if (!p || this.rx.length === 0) return;
    this.pending = undefined;
    let n = 0;
    while (n < p.length && this.rx.length > 0) {
      const head = this.rx[0]!;
      const take = Math.min(head.length, p.length - n);
      head.copy(p.buffer, p.offset + n, 0, take);
      n += take;
      if (take === head.length) this.rx.shift();
      else this.rx[0] = head.subarray(take);
    }
    p.resolve({ buffer: p.buffer, bytesRead: n });
  }
}
