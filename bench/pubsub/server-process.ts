// Starts a server as a child process on loopback, waits for its "ready" line, and stops it
// (SIGTERM, then SIGKILL after a grace period) so a benchmark never leaves servers behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
// The dispatch benchmark already has these process helpers; both benchmarks share them.
import { cpuSecondsOf, stopChild, track } from '../dispatch/master-process';

export interface ServerProcess {
  readonly child: ChildProcess;
  /** CPU seconds (user + system) the server has used so far. */
  cpuSeconds(): number;
  /** The regex match of the ready line. */
  readonly ready: RegExpMatchArray;
  stop(): Promise<void>;
}

export async function startServerProcess(
  cmd: string,
  args: string[],
  readyLine: RegExp,
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; label: string },
): Promise<ServerProcess> {
  const child = track(spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] }));
  let output = '';
  const ready = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${opts.label} did not start in time:\n${output.slice(-2000)}`)), opts.timeoutMs ?? 20_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const m = output.match(readyLine);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    const fail = (err: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', (err) => fail(new Error(`cannot start ${opts.label} (${cmd}): ${err.message}`)));
    child.once('exit', (code) => fail(new Error(`${opts.label} exited with ${code}:\n${output.slice(-2000)}`)));
  });
  // Keep draining its output so a chatty server never blocks on a full pipe.
  child.stdout!.resume();
  child.stderr!.resume();
  return {
    child,
    ready,
    cpuSeconds: () => cpuSecondsOf(child.pid!),
    stop: () => stopChild(child),
  };
}

/** A TCP port that was free a moment ago (servers that cannot take port 0 need one). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
