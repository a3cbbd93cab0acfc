// Starts a real master on loopback (port 0) in a fresh data directory, and cleans up after.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { onTestFinished } from 'vitest';
import { connectMaster, type MasterClient } from '../../src/client/master-client';
import { createMaster, type Master } from '../../server/master';
import type { MasterConfig } from '../../server/config';

export function tempDir(prefix = 'ourci-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function startMaster(over: Partial<MasterConfig> = {}): Promise<Master> {
  const master = await createMaster({
    host: '127.0.0.1',
    port: 0,
    dataDir: over.dataDir ?? tempDir(),
    publicRead: false,
    fsync: 'normal',
    tokens: {},
    version: 'test',
    logger: pino({ level: 'silent' }),
    onFatal: (err) => {
      throw err;
    },
    ...over,
  });
  onTestFinished(() => master.close());
  return master;
}

export async function clientOf(master: Master, scope: 'admin' | 'agent' | 'viewer' = 'admin'): Promise<MasterClient> {
  const c = connectMaster(master.url, master.tokens[scope], { minBackoffMs: 50, maxBackoffMs: 500 });
  onTestFinished(() => c.close());
  await c.ready();
  return c;
}

/** Polls `check` until it returns a truthy value (bounded in time), for conditions without events. */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs = 15_000, what = 'condition'): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let delay = 5;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 100);
  }
}
