// `ourci master`: the address line scripts wait for, tokens, configuration, clean shutdown.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, spawnMaster } from '../helpers/child-master';
import { post } from '../helpers/http';
import { tempDir } from '../helpers/master';

describe('ourci master', () => {
  it('prints "listening on http://HOST:PORT" on its own line with --port 0, says where its tokens are, and stops cleanly', async () => {
    const dataDir = tempDir();
    const m = await spawnMaster({ dataDir });
    expect(m.stdout()).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+$/m);
    expect(m.port).toBeGreaterThan(0);
    await expect.poll(() => m.stdout()).toContain(join(dataDir, 'admin.token'));
    for (const scope of ['admin', 'agent', 'viewer']) expect(statSync(join(dataDir, `${scope}.token`)).mode & 0o777).toBe(0o600);
    const admin = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
    expect((await post(m.url, '/rpc/Sys.GetInfo', {}, admin)).json).toMatchObject({ app: 'ourci', scope: 'admin' });
    expect(JSON.parse(readFileSync(join(dataDir, 'master.json'), 'utf8'))).toMatchObject({ url: m.url });
    expect(await m.stop()).toEqual({ code: 0, signal: null });
    expect(existsSync(join(dataDir, 'master.json'))).toBe(false);

    // Same data directory: same tokens, same data.
    const again = await spawnMaster({ dataDir });
    expect((await post(again.url, '/rpc/Sys.GetInfo', {}, admin)).status).toBe(200);
  });

  it('takes its tokens from --admin-token/--agent-token, then OURCI_ADMIN_TOKEN/OURCI_AGENT_TOKEN, without writing them', async () => {
    const dataDir = tempDir();
    const m = await spawnMaster({ dataDir, env: { OURCI_ADMIN_TOKEN: 'env-admin-token', OURCI_AGENT_TOKEN: 'env-agent-token' } });
    expect((await post(m.url, '/rpc/Sys.GetInfo', {}, 'env-admin-token')).json.scope).toBe('admin');
    expect((await post(m.url, '/rpc/Sys.GetInfo', {}, 'env-agent-token')).json.scope).toBe('agent');
    expect(existsSync(join(dataDir, 'admin.token'))).toBe(false);
    await m.stop();
    const flags = await spawnMaster({
      dataDir,
      args: ['--admin-token', 'flag-admin-token'],
      env: { OURCI_ADMIN_TOKEN: 'env-admin-token' },
    });
    expect((await post(flags.url, '/rpc/Sys.GetInfo', {}, 'flag-admin-token')).json.scope).toBe('admin');
    expect((await post(flags.url, '/rpc/Sys.GetInfo', {}, 'env-admin-token')).status).toBe(401);
  });

  it('reads the port, host and data directory from OURCI_PORT/OURCI_HOST/OURCI_DATA', async () => {
    const dataDir = tempDir();
    const m = await spawnMaster({ port: null, env: { OURCI_PORT: '0', OURCI_HOST: '127.0.0.1', OURCI_DATA: dataDir } });
    expect(m.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(existsSync(join(dataDir, 'ourci.db'))).toBe(true);
    const r = await runCli(['master', '--port', 'nope'], { env: { OURCI_DATA: dataDir } });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe('ourci: error: --port must be a port number (0-65535), got nope\n');
  });

  it('--public-read opens viewing to callers without a token, and nothing more', async () => {
    const m = await spawnMaster({ dataDir: tempDir(), args: ['--public-read'] });
    expect((await post(m.url, '/rpc/PubSub.ListTopics', {})).json).toEqual({ topics: [] });
    expect((await post(m.url, '/rpc/PubSub.Pull', { subscription: 't', waitSeconds: 0 })).status).toBe(401);
  });

  it('refuses bad flags with one line and a non-zero exit', async () => {
    const dataDir = tempDir();
    for (const [args, msg] of [
      [['--fsync', 'sometimes'], /--fsync must be normal or always/],
      [['--store', 'postgres://x'], /unknown store/],
      [['--port', '70000'], /--port must be a port number/],
    ] as const) {
      const r = await runCli(['master', '--data', dataDir, ...args]);
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
