// USB attach/detach as a prompt to re-list ports sooner than the next poll. Only `usb` 2.x:
// 3.x crashes the process on machines without /sys/bus/usb as soon as a listener is added
// (reference §5.3), so the bus is checked first and the major version is verified.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

type Listener = () => void;

interface UsbEmitter {
  on(event: 'attach' | 'detach', fn: Listener): void;
  removeListener(event: 'attach' | 'detach', fn: Listener): void;
  unrefHotplugEvents?: () => void;
}

/** Calls `onChange` on USB hot-plug; returns a stop function (a no-op where there is no USB bus). */
export async function watchUsb(onChange: Listener, log: (line: string) => void = () => {}): Promise<() => void> {
  if (!existsSync('/sys/bus/usb/devices')) {
    log('no USB bus (/sys/bus/usb): hot-plug events off, polling only');
    return () => {};
  }
  try {
    const require = createRequire(import.meta.url);
    const version = (JSON.parse(readFileSync(require.resolve('usb/package.json'), 'utf8')) as { version: string }).version;
    if (!version.startsWith('2.')) {
      log(`usb ${version} is not 2.x: hot-plug events off, polling only`);
      return () => {};
    }
    const mod = (await import('usb')) as unknown as { usb: UsbEmitter };
    const usb = mod.usb;
    usb.on('attach', onChange);
    usb.on('detach', onChange);
    // Hot-plug must not keep a CLI alive on its own.
    usb.unrefHotplugEvents?.();
    return () => {
      usb.removeListener('attach', onChange);
      usb.removeListener('detach', onChange);
    };
  } catch (err) {
    log(`USB hot-plug unavailable (${(err as Error).message}): polling only`);
    return () => {};
  }
}
