// `ourci up --virtual-boards`: the one-machine setup (`make up`) with a bench of emulated
// boards against its own master, reported on the master and serving its UI.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, waitFor } from '../helpers/master';
import { spawnOurci } from '../helpers/processes';

describe('ourci up --virtual-boards', () => {
  it('starts a bench whose boards the master lists and whose UI answers', async () => {
    const data = tempDir();
    const up = spawnOurci('up', ['up', '--port', '0', '--agents', '0', '--data', data, '--virtual-boards', 'esp8266:2,cc3200:1']);
    const url = (await up.waitForOutput(/^listening on (http:\/\/\S+)$/m, 30_000))[1]!;
    const ui = (await up.waitForOutput(/^bench UI: (http:\/\/127\.0\.0\.1:\d+)\/\?login=\S+/m, 30_000))[1]!;
    expect(up.stdout).toMatch(/^bench \S+-virtual: cc3200-virt1 → ourci\/test\/cc3200, esp8266-\w+ → ourci\/test\/esp-12e, esp8266-\w+ → ourci\/test\/esp-12e$/m);
    const viewer = readFileSync(join(data, 'viewer.token'), 'utf8').trim();
    const boards = await waitFor(async () => {
      const res = await fetch(`${url}/rpc/Board.List`, { method: 'POST', headers: { authorization: `Bearer ${viewer}` }, body: '{}' });
      const body = (await res.json()) as { boards: Array<{ id: string; state: string }> };
      return body.boards.length === 3 ? body.boards : undefined;
    }, 15_000, 'three boards on the master');
    expect(boards.every((b) => b.state === 'idle')).toBe(true);
    const page = await fetch(`${ui}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
  });
});
