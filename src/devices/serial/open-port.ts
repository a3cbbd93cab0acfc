// Opening a serial port, real or emulated, with errors that say what to do about them.
import { SerialPortStream } from '@serialport/stream';
import type { BindingInterface } from './binding';
import { SerialPort } from 'serialport';
import { ConflictError, ForbiddenError, NotFoundError, UnavailableError } from '../../shared/errors';

/** Where a board's serial port is: its path and the binding that opens it. */
export interface SerialEndpoint {
  path: string;
  binding: BindingInterface;
}

/** The native binding (Linux ttys, ptys included). */
export function nativeEndpoint(path: string): SerialEndpoint {
  return { path, binding: SerialPort.binding };
}

export function portError(path: string, err: unknown): Error {
  const e = err as { code?: string; message?: string };
  const msg = e.message ?? String(err);
  if (e.code === 'ENOENT' || /No such file|ENOENT/i.test(msg)) return new NotFoundError(`no serial port at ${path} (unplugged, or a different path?)`);
  if (e.code === 'EBUSY' || /lock|busy/i.test(msg)) return new ConflictError(`serial port ${path} is busy: another program has it open`);
  if (e.code === 'EACCES' || /permission denied|EACCES/i.test(msg)) return new ForbiddenError(`permission denied on ${path}: add your user to the "dialout" group and log in again`);
  return new UnavailableError(`cannot open ${path}: ${msg}`);
}

export async function openPort(endpoint: SerialEndpoint, baudRate: number): Promise<SerialPortStream> {
  const port = new SerialPortStream({ binding: endpoint.binding, path: endpoint.path, baudRate, autoOpen: false, hupcl: true });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(portError(endpoint.path, err)) : resolve())));
  // Failures reach callers through write/drain callbacks and the "close" event (disconnected);
  // an "error" event nobody listens to would take the whole process down.
  port.on('error', () => {});
  return port;
}

export function closePort(port: SerialPortStream): Promise<void> {
  if (!port.isOpen) return Promise.resolve();
  return new Promise((resolve) => port.close(() => resolve()));
}

export function setBaud(port: SerialPortStream, baudRate: number): Promise<void> {
  return new Promise((resolve, reject) => port.update({ baudRate }, (err) => (err ? reject(err) : resolve())));
}
