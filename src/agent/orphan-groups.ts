// Task process groups outlive an agent that is killed with SIGKILL (nothing runs to stop
// them). Each running task's group is recorded in a file beside the working directories; an
// agent starting on the host kills the groups whose agent is gone, so a crashed agent's
// builds do not keep burning CPU (their reports are refused by the master anyway).
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const DIR = 'ourci-agent-groups';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function recordGroup(workRoot: string, pgid: number): void {
  const dir = join(workRoot, DIR);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, String(pgid)), `${process.pid}\n`);
}

export function forgetGroup(workRoot: string, pgid: number): void {
  rmSync(join(workRoot, DIR, String(pgid)), { force: true });
}

/** Kills the recorded groups whose agent process no longer exists; returns how many. */
export function reapOrphans(workRoot: string, log: (line: string) => void): number {
  const dir = join(workRoot, DIR);
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return 0;
  }
  let n = 0;
  for (const name of entries) {
    const pgid = Number(name);
    if (!Number.isInteger(pgid) || pgid <= 1) continue;
    let owner = NaN;
    try {
      owner = Number(readFileSync(join(dir, name), 'utf8').trim());
    } catch {
      continue;
    }
    if (Number.isInteger(owner) && alive(owner)) continue;
    try {
      process.kill(-pgid, 'SIGKILL');
      n++;
      log(`agent: killed process group ${pgid} left running by agent ${owner}, which is gone`);
    } catch {
      // already gone
    }
    rmSync(join(dir, name), { force: true });
  }
  return n;
}
