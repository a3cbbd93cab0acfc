// Processes the benchmark starts beside the master: a fleet of no-op agents (one child
// process, N connections) and real `ourci agent` processes, all stopped afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { cleanEnv, ourciBin, ROOT, stopChild, track } from './master-process';

export interface NoopFleet {
  /** Tasks finished by the fleet so far. */
  done(): number;
  errors(): number;
  pid: number;
  stop(): Promise<void>;
}

export async function startNoopFleet(o: {
  url: string;
  token: string;
  topic: string;
  agents: number;
  protocol: 'next' | 'classic';
  cpuProfDir?: string;
}): Promise<NoopFleet> {
  const prof = o.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', o.cpuProfDir] : [];
  const child = spawn(
    process.execPath,
    [...prof, '--import', 'tsx', join(ROOT, 'bench/dispatch/noop-agents.ts'), JSON.stringify({ url: o.url, token: o.token, topic: o.topic, agents: o.agents, protocol: o.protocol })],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], cwd: ROOT, env: cleanEnv() },
  );
  track(child);
  let done = 0;
  let errors = 0;
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no-op agents did not connect in time')), 30_000);
    child.on('message', (m: { type: string; done?: number; errors?: number }) => {
      if (m.type === 'ready') {
        clearTimeout(t);
        resolve();
      } else if (m.type === 'progress') {
        done = m.done!;
        errors = m.errors!;
      }
    });
    child.once('exit', (code) => reject(new Error(`no-op agents exited with ${code}`)));
  });
  return {
    done: () => done,
    errors: () => errors,
    pid: child.pid!,
    stop: async () => {
      if (child.connected) child.send({ type: 'stop' });
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => resolve(), 10_000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
      });
      await stopChild(child, 1000);
    },
  };
}

/** A real `ourci agent` process on `topic`; resolves once it has announced itself. */
export async function startCliAgent(o: { url: string; token: string; topic: string; name: string; cpuProfDir?: string }): Promise<ChildProcess> {
  const prof = o.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', o.cpuProfDir] : [];
  const child = spawn(process.execPath, [...prof, ourciBin(), 'agent', '-t', o.topic, '--name', o.name], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...cleanEnv(), OURCI_URL: o.url, OURCI_AGENT_TOKEN: o.token },
  });
  track(child);
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`agent ${o.name} did not start:\n${output}`)), 30_000);
    child.stderr!.on('data', (b: Buffer) => {
      output += b.toString();
      if (output.includes('pulling')) {
        clearTimeout(t);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`agent ${o.name} exited with ${code}:\n${output}`)));
  });
  child.stderr!.resume();
  return child;
}

export type { ChildProcess };
