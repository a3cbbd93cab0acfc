// Puts an emulated board behind a real kernel tty: socat creates a pty pair, the emulator
// holds one end through serialport's native binding, and any program (esptool, minicom, a
// second OurCI process) opens the other. A pty carries no DTR/RTS/break, so the board is
// reset out of band (VirtualBoard.reset) or by the emulator's own conveniences.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { UnavailableError } from '../../shared/errors';
import type { SerialLink } from './serial-link';

const START_TIMEOUT_MS = 5000;

export class PtyBridge {
  private constructor(
    /** The end clients open. */
    readonly path: string,
    private readonly socat: ChildProcess,
    private readonly device: SerialPort,
    private readonly link: SerialLink,
  ) {}

  static async start(link: SerialLink, dir: string, name: string): Promise<PtyBridge> {
    const devicePath = join(dir, `${name}.device`);
    const clientPath = join(dir, name);
    // socat runs under a small shell that kills it when our end of its stdin closes: when we
    // close the bridge, and also when this process dies in any way (even SIGKILL), so that no
    // socat outlives the process that made it.
    const script = 'socat -d -d "$1" "$2" & s=$!; read _; kill $s 2>/dev/null; wait $s';
    const socat = spawn('sh', ['-c', script, 'sh', `pty,raw,echo=0,link=${devicePath}`, `pty,raw,echo=0,link=${clientPath}`], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    socat.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    const spawned = new Promise<void>((resolve, reject) => {
      socat.once('error', (err) => reject(new UnavailableError(`cannot start socat for a virtual board on a pty (${(err as Error).message})`)));
      socat.once('spawn', () => resolve());
    });
    await spawned;
    const end = Date.now() + START_TIMEOUT_MS;
    while (!(existsSync(devicePath) && existsSync(clientPath))) {
      if (socat.exitCode !== null || Date.now() > end) {
        socat.stdin!.end();
        const missing = /not found/.test(stderr) ? ' (install it: apt-get install socat)' : '';
        throw new UnavailableError(`socat did not create the pty pair${missing}: ${stderr.trim() || 'no output'}`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    const device = new SerialPort({ path: devicePath, baudRate: 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) => device.open((err) => (err ? reject(err) : resolve())));
    device.on('data', (d: Buffer) => link.hostWrite(Uint8Array.from(d)));
    device.on('error', () => {});
    link.attachHost((bytes) => {
      if (device.isOpen) device.write(Buffer.from(bytes));
    });
    return new PtyBridge(clientPath, socat, device, link);
  }

  async close(): Promise<void> {
    this.link.attachHost(undefined);
    if (this.device.isOpen) await new Promise<void>((resolve) => this.device.close(() => resolve()));
    if (this.socat.exitCode === null && this.socat.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.socat.once('exit', () => resolve()));
      this.socat.stdin!.end();
      await exited;
    }
  }
}
