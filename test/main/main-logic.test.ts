// The pure parts of the desktop shell: tray state and menu, failure notifications and their
// rate limit, command-line options, and the app scheme's file resolution.
import { describe, expect, it } from 'vitest';
import { parseAppOptions, taskEnvOf } from '../../src/main/app-options';
import { APP_ORIGIN, resolveAppFile } from '../../src/main/app-protocol';
import { NotificationGate, notificationFor } from '../../src/main/notifier';
import { trayBitmap, trayIconFor, trayMenu, trayTooltip } from '../../src/main/tray-model';
import { originOf, TrustedSenders } from '../../src/main/trusted-senders';
import type { BenchBoard, BenchSummary } from '../../src/shared/bench/model';

const summary = (over: Partial<BenchSummary> = {}): BenchSummary => ({
  name: 'b1',
  version: '0.1.0',
  paused: false,
  master: { state: 'connected', url: 'http://m' },
  discovery: { enumeration: 'ok' },
  ...over,
});
const board = (over: Partial<BenchBoard> = {}): BenchBoard => ({ id: 'x', type: 'esp8266', state: 'idle', health: 'ok', serial: { state: 'open', baud: 115200 }, ...over });

describe('tray', () => {
  it('shows error, busy or idle', () => {
    expect(trayIconFor(summary(), [board()])).toBe('idle');
    expect(trayIconFor(summary(), [board(), board({ state: 'busy' })])).toBe('busy');
    expect(trayIconFor(summary(), [board({ state: 'flashing' })])).toBe('busy');
    expect(trayIconFor(summary(), [board({ state: 'busy' }), board({ health: 'quarantined', state: 'quarantined' })])).toBe('error');
    expect(trayIconFor(summary({ master: { state: 'refused' } }), [board()])).toBe('error');
  });
  it('offers pause or resume, and says what is going on', () => {
    expect(trayMenu(false).map((i) => i.id)).toEqual(['show', 'pause', 'quit']);
    expect(trayMenu(true).map((i) => i.id)).toEqual(['show', 'resume', 'quit']);
    expect(trayTooltip(summary({ paused: true }), [board({ state: 'busy' }), board({ health: 'quarantined' })])).toBe('OurCI bench b1: 2 boards, 1 busy, 1 quarantined, paused');
  });
  it('draws a 16x16 dot', () => {
    const px = trayBitmap('error');
    expect(px.length).toBe(16 * 16 * 4);
    expect(px[(8 * 16 + 8) * 4 + 2]).toBe(0xd9); // red channel in the middle
    expect(px[3]).toBe(0); // transparent corner
  });
});

describe('notifications', () => {
  it('notifies failures and warnings, not information', () => {
    expect(notificationFor({ type: 'notice', level: 'error', text: 'flash failed' })).toEqual({ title: 'OurCI bench: failure', body: 'flash failed' });
    expect(notificationFor({ type: 'notice', level: 'info', text: 'back in service' })).toBeUndefined();
    expect(notificationFor({ type: 'board.removed', board: 'x' })).toBeUndefined();
  });
  it('drops repeats and floods', () => {
    let t = 0;
    const gate = new NotificationGate({ sameTextMs: 60_000, perMinute: 3 }, () => t);
    const n = (body: string) => ({ title: 't', body });
    expect(gate.allow(n('a'))).toBe(true);
    expect(gate.allow(n('a'))).toBe(false);
    expect(gate.allow(n('b'))).toBe(true);
    expect(gate.allow(n('c'))).toBe(true);
    expect(gate.allow(n('d'))).toBe(false);
    t = 61_000;
    expect(gate.allow(n('a'))).toBe(true);
  });
});

describe('app options', () => {
  it('parses its switches and ignores Chromium\'s', () => {
    const o = parseAppOptions(['/app', '--tray', '--virtual-boards=esp8266:2', '--no-sandbox', '--url=http://m:8080', '--token=t'], {});
    expect(o).toMatchObject({ tray: true, virtualBoards: 'esp8266:2', real: true, master: { url: 'http://m:8080', token: 't' } });
    expect(parseAppOptions([], { OURCI_URL: 'http://x', OURCI_AGENT_TOKEN: 'a' }).master).toEqual({ url: 'http://x', token: 'a' });
    expect(() => parseAppOptions(['--virtual-boards'], {})).toThrow(/needs a value/);
  });
  it('only trusts a local dev server', () => {
    expect(parseAppOptions([], { ELECTRON_RENDERER_URL: 'http://localhost:5173' }).rendererUrl).toBe('http://localhost:5173');
    expect(parseAppOptions([], { ELECTRON_RENDERER_URL: 'https://example.com' }).rendererUrl).toBeUndefined();
  });
  it('keeps the app\'s credentials away from tasks', () => {
    expect(taskEnvOf({ PATH: '/bin', OURCI_AGENT_TOKEN: 's', OURCI_TOKEN: 's', ELECTRON_RUN_AS_NODE: '1', HOME: '/h' })).toEqual({ PATH: '/bin', HOME: '/h' });
  });
});

describe('app scheme', () => {
  it('serves files under the renderer directory only', () => {
    expect(resolveAppFile('/r', `${APP_ORIGIN}/index.html`)).toEqual({ file: '/r/index.html', type: 'text/html; charset=utf-8' });
    expect(resolveAppFile('/r', `${APP_ORIGIN}/`)).toMatchObject({ file: '/r/index.html' });
    expect(resolveAppFile('/r', `${APP_ORIGIN}/assets/a.js`)).toMatchObject({ file: '/r/assets/a.js', type: 'text/javascript; charset=utf-8' });
    expect(resolveAppFile('/r', `${APP_ORIGIN}/..%2F..%2Fetc%2Fpasswd`)).toBeUndefined();
    expect(resolveAppFile('/r', `${APP_ORIGIN}/assets/..%2F..%2Fsecret.json`)).toBeUndefined();
    expect(resolveAppFile('/r', 'ourci-bench://other/index.html')).toBeUndefined();
    expect(resolveAppFile('/r', 'file:///etc/passwd')).toBeUndefined();
  });
  it('compares origins of custom schemes', () => {
    expect(originOf(`${APP_ORIGIN}/index.html#/boards`)).toBe(APP_ORIGIN);
    const t = new TrustedSenders([APP_ORIGIN]);
    t.add(1);
    expect(t.isTrusted({ sender: { id: 1 }, senderFrame: { url: `${APP_ORIGIN}/index.html` } })).toBe(true);
    expect(t.isTrusted({ sender: { id: 1 }, senderFrame: { url: 'ourci-bench://app.evil/index.html' } })).toBe(false);
  });
});
