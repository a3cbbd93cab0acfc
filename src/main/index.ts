// Electron main process: a thin shell around the bench service (src/bench). Window, tray,
// notifications and IPC only; the decisions live in plain modules beside this file (sender
// checks, IPC registration, tray and notification logic) so they are tested without Electron.
// This is the one file of the app that imports electron.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { app, BrowserWindow, ipcMain, Menu, nativeImage, Notification, protocol, session, Tray } from 'electron';
import { openSession, startBench, type RunningBench } from '../bench';
import { BENCH_CSP } from '../shared/bench/csp';
import type { BenchEvent } from '../shared/bench/model';
import { APP_ENTRY, APP_ORIGIN, APP_SCHEME, resolveAppFile } from './app-protocol';
import { parseAppOptions, taskEnvOf } from './app-options';
import { BenchIpc, type IpcMainLike } from './bench-ipc';
import { NotificationGate, notificationFor } from './notifier';
import { trayBitmap, trayIconFor, trayMenu, trayTooltip, type TrayIcon } from './tray-model';
import { TrustedSenders } from './trusted-senders';

const options = parseAppOptions(process.argv.slice(1), process.env);
const appRoot = app.getAppPath();
const rendererDir = join(__dirname, '../renderer');

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

let bench: RunningBench | undefined;
let win: BrowserWindow | null = null;
let tray: Tray | null = null;
let quitting = false;
const trusted = new TrustedSenders([options.rendererUrl ?? APP_ORIGIN]);
const gate = new NotificationGate();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => showWindow());
  app.whenReady().then(start, (err: unknown) => fatal(err));
}

async function start(): Promise<void> {
  protocol.handle(APP_SCHEME, async (req) => {
    const hit = resolveAppFile(rendererDir, req.url);
    if (!hit) return new Response('not found', { status: 404 });
    try {
      const headers: Record<string, string> = { 'content-type': hit.type, 'x-content-type-options': 'nosniff' };
      if (hit.type.startsWith('text/html')) headers['content-security-policy'] = BENCH_CSP;
      return new Response(await readFile(hit.file), { headers });
    } catch {
      return new Response('not found', { status: 404 });
    }
  });
  // The renderer needs no device, camera or notification permission of its own.
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  if (options.rendererUrl) {
    // electron-vite's dev server: same policy, plus what hot reloading needs.
    session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
      const dev = `${BENCH_CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace("connect-src 'self'", "connect-src 'self' ws://localhost:* ws://127.0.0.1:*")}`;
      callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [dev] } });
    });
  }

  bench = await startBench({
    dataDir: join(app.getPath('userData'), 'bench'),
    name: options.name,
    master: options.master,
    virtualSpec: options.virtualBoards,
    real: options.real,
    agent: {
      baseEnv: taskEnvOf(process.env),
      pathPrepend: [join(appRoot, 'bin')],
      extraEnv: { OURCI_SH: join(appRoot, 'resources', 'ourci.sh') },
      maxTimeoutSeconds: 3600,
    },
    version: app.getVersion(),
    log: (line) => console.error(line),
  });
  const service = bench.service;
  const ipc = new BenchIpc(ipcMain as unknown as IpcMainLike, trusted, (send) => openSession(service, { kind: 'operator' }, send), (l) => console.error(l));
  ipc.register();

  createTray();
  service.on('event', onBenchEvent);
  if (!options.tray) showWindow();
}

function onBenchEvent(e: BenchEvent): void {
  if (e.type === 'board' || e.type === 'bench' || e.type === 'board.removed') scheduleTrayUpdate();
  const n = notificationFor(e);
  if (n && Notification.isSupported() && gate.allow(n)) {
    const note = new Notification({ title: n.title, body: n.body, silent: false });
    note.on('click', () => showWindow());
    note.show();
  }
}

function showWindow(): void {
  if (win) {
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
    return;
  }
  win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 560,
    show: false,
    title: 'OurCI bench',
    webPreferences: {
      preload: join(__dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  const wc = win.webContents;
  trusted.add(wc.id);
  wc.setWindowOpenHandler(() => ({ action: 'deny' }));
  // The window shows the app and nothing else: no navigation away, no webviews.
  wc.on('will-navigate', (e, url) => {
    if (!url.startsWith(options.rendererUrl ?? APP_ORIGIN)) e.preventDefault();
  });
  wc.on('will-attach-webview', (e) => e.preventDefault());
  win.once('ready-to-show', () => win?.show());
  win.on('close', (e) => {
    // Closing the window keeps the bench running in the tray; Quit is in the tray menu.
    if (!quitting && tray) {
      e.preventDefault();
      win?.hide();
    }
  });
  win.on('closed', () => {
    trusted.remove(wc.id);
    win = null;
  });
  void win.loadURL(options.rendererUrl ?? APP_ENTRY);
}

let trayTimer: NodeJS.Timeout | undefined;
let lastIcon: TrayIcon | undefined;

function createTray(): void {
  tray = new Tray(iconImage('idle'));
  tray.on('click', () => showWindow());
  updateTray();
}

function iconImage(icon: TrayIcon): Electron.NativeImage {
  return nativeImage.createFromBitmap(trayBitmap(icon), { width: 16, height: 16 });
}

function scheduleTrayUpdate(): void {
  trayTimer ??= setTimeout(() => {
    trayTimer = undefined;
    updateTray();
  }, 200);
}

function updateTray(): void {
  if (!tray || !bench) return;
  const summary = bench.service.summary();
  const boards = bench.service.boards();
  const icon = trayIconFor(summary, boards);
  if (icon !== lastIcon) tray.setImage(iconImage(icon));
  lastIcon = icon;
  tray.setToolTip(trayTooltip(summary, boards));
  const items = trayMenu(summary.paused).map((item) => ({
    label: item.label,
    click: () => {
      if (item.id === 'show') showWindow();
      else if (item.id === 'pause') bench?.service.setPaused(true);
      else if (item.id === 'resume') bench?.service.setPaused(false);
      else void quit();
    },
  }));
  tray.setContextMenu(Menu.buildFromTemplate([items[0]!, { type: 'separator' }, items[1]!, { type: 'separator' }, items[2]!]));
}

async function quit(): Promise<void> {
  quitting = true;
  // Running tasks go back to the queue for another board; the ports are closed cleanly.
  await bench?.close().catch(() => {});
  bench = undefined;
  app.exit(0);
}

app.on('before-quit', (e) => {
  if (bench) {
    e.preventDefault();
    void quit();
  }
});

// With a tray the bench keeps working when its window is closed.
app.on('window-all-closed', () => {
  if (!tray) void quit();
});

function fatal(err: unknown): void {
  console.error(`ourci bench: ${(err as Error)?.message ?? String(err)}`);
  app.exit(1);
}
