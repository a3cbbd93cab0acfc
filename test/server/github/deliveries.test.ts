// A delivery written down but not yet worked on when the master died is worked on at the
// next start, once; its id stays known across restarts.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteDb } from '../../../server/db/sqlite-db';
import { SqliteGitHubStore } from '../../../server/github/sqlite-github-store';
import { startFakeGitHub } from '../../helpers/fake-github';
import { tempDir } from '../../helpers/master';
import { deliver, githubMaster, prPayload, REPO, sha } from './github-fixtures';

describe('webhook deliveries across restarts', () => {
  it('processes at start what the last run accepted but did not get to', async () => {
    const dataDir = tempDir();
    // What the route writes before answering GitHub, left unprocessed by a crash.
    const db = new SqliteDb(join(dataDir, 'ourci.db'));
    const store = new SqliteGitHubStore(db);
    store.addDelivery({
      id: 'd-crash-1',
      event: 'pull_request',
      receivedAt: Date.now(),
      processedAt: null,
      payload: { kind: 'pull_request', action: 'opened', repo: REPO, pr: 7, sha: sha(7), ref: 'fix', title: 'Fix it', cloneUrl: 'https://github.com/x.git' },
    });
    db.close();

    const fake = await startFakeGitHub();
    const m = await githubMaster(fake, {}, { dataDir });
    const job = m.jobs.jobRow(1);
    expect(job).toMatchObject({ repo: REPO, sha: sha(7), pr: 7, ref: 'fix', title: 'Fix it', trigger: 'github' });
    expect(m.github!.store.unprocessedDeliveries()).toEqual([]);
    const again = await deliver(m.url, { event: 'pull_request', body: prPayload({ action: 'opened', sha: sha(7), number: 7 }), delivery: 'd-crash-1' });
    expect(again.json.duplicate).toBe(true);
    await m.close();

    // And once only: the next start finds nothing left to do.
    const m2 = await githubMaster(fake, {}, { dataDir });
    expect(m2.jobs.jobRow(2)).toBeUndefined();
  });
});
