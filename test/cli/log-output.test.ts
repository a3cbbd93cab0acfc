import { describe, expect, it } from 'vitest';
import { humanLine } from '../../src/cli/log-output';

describe('human log lines', () => {
  it('shows time, level (not for info), message and fields', () => {
    const t = new Date(2026, 0, 2, 3, 4, 5).getTime();
    expect(humanLine({ level: 30, time: t, pid: 1, hostname: 'h', msg: 'master listening', url: 'http://x' })).toBe(
      '03:04:05 master listening  url=http://x',
    );
    expect(humanLine({ level: 50, time: t, msg: 'boom', err: { message: 'disk full', stack: '…' } })).toBe('03:04:05 ERROR boom  err="disk full"');
  });
});

describe('error lines', () => {
  it('says what to do when the port is taken', async () => {
    const { errorLine } = await import('../../src/cli/output');
    const err = Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:8080'), { code: 'EADDRINUSE' });
    expect(errorLine(err)).toMatch(/^ourci: error: listen EADDRINUSE.*pick another --port/);
  });
});
