// Starts a server as a child process on loopback, waits for its "ready" line, and stops it
// (SIGTERM, then SIGKILL after a grace period) so a benchmark never leaves servers behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
// The dispatch benchmark already has these process helpers; both benchmarks share them.
import { cpuSecondsOf, stopChild, track, waitForLine } from '../dispatch/master-process';

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
  const { match: ready } = await waitForLine(child, readyLine, opts.label, opts.timeoutMs ?? 20_000);
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
