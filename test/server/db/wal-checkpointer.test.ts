// Background WAL checkpoints: the WAL is copied back and rewound while writes go on, every
// committed row survives, and close leaves no WAL behind.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteDb } from '../../../server/db/sqlite-db';
import { tempDir, waitFor } from '../../helpers/master';

const MiB = 1024 * 1024;

describe('background WAL checkpoints', () => {
  it('keeps the WAL short under steady writes and loses nothing', async () => {
    const file = join(tempDir(), 'x.db');
    const db = new SqliteDb(file, { checkpointTuning: { intervalMs: 5, restartFrames: 64, startAfterIntervals: 2 } });
    db.db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
    const insert = db.db.prepare('INSERT INTO t (id, body) VALUES (?, ?)');
    let id = 0;
    const writeSome = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) {
        const row = ++id;
        db.enqueue(() => insert.run(row, 'x'.repeat(100)));
        await db.commit();
      }
    };
    await waitFor(async () => {
      await writeSome(100);
      const s = db.checkpointStats()!;
      return s.checkpoints > 0 && s.rewinds > 0;
    }, 30_000, 'a background checkpoint and a rewind');
    // Each commit appends at least one 4 KiB page to the WAL: without checkpoints and rewinds
    // these 20,000 commits would leave a WAL of 80 MiB or more. After each round of 1,000 the
    // test waits (writing a little, since checkpoints follow commits) for two more background
    // checkpoints, the second of which started after the round: the WAL is then copied back
    // and the next write starts it over. So the test waits for the worker instead of racing it:
    // on a loaded machine the worker can lag by seconds, and the WAL's size would measure the
    // machine, not the checkpoints.
    for (let round = 0; round < 20; round++) {
      await writeSome(1000);
      const caughtUp = db.checkpointStats()!.checkpoints + 2;
      await waitFor(
        async () => {
          await writeSome(1);
          return db.checkpointStats()!.checkpoints >= caughtUp;
        },
        30_000,
        `the checkpoints to catch up after round ${round}`,
      );
    }
    // The file keeps the largest size it reached: about one round (~8 MiB), not all 20.
    expect(statSync(`${file}-wal`).size).toBeLessThan(16 * MiB);
    db.close();
    expect(existsSync(`${file}-wal`)).toBe(false);
    const check = new Database(file, { readonly: true });
    expect((check.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n).toBe(id);
    check.close();
  });

  it('does not start a worker for a database that only sees a few commits', async () => {
    const db = new SqliteDb(join(tempDir(), 'y.db'));
    db.db.exec('CREATE TABLE t (x)');
    for (let i = 0; i < 5; i++) {
      db.enqueue(() => db.db.prepare('INSERT INTO t VALUES (1)').run());
      await db.commit();
    }
    expect(db.checkpointStats()).toEqual({ checkpoints: 0, rewinds: 0 });
    db.close();
  });
});
