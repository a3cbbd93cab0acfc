// A killed agent's task process groups are killed by the next agent on the host.
import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { recordGroup, reapOrphans } from '../../src/agent/orphan-groups';
import { tempDir, waitFor } from '../helpers/master';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('orphaned task process groups', () => {
  it('kills the groups of an agent that is gone and leaves a live agent\'s alone', async () => {
    const root = tempDir();
    const orphan = spawn('sh', ['-c', 'sleep 60 & sleep 60'], { detached: true, stdio: 'ignore' });
    const mine = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
    try {
      recordGroup(root, orphan.pid!); // written by this (live) process…
      // …then claimed by an agent that has exited.
      const dead = spawnSync('true').pid;
      (await import('node:fs')).writeFileSync(`${root}/ourci-agent-groups/${orphan.pid}`, `${dead}\n`);
      recordGroup(root, mine.pid!);
      const lines: string[] = [];
      expect(reapOrphans(root, (l) => lines.push(l))).toBe(1);
      expect(lines[0]).toMatch(/killed process group/);
      await waitFor(() => orphan.exitCode !== null || orphan.signalCode !== null, 10_000, 'the orphan to die');
      expect(alive(mine.pid!)).toBe(true);
    } finally {
      for (const p of [orphan, mine]) {
        try {
          process.kill(-p.pid!, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
  });
});
