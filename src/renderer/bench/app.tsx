// The bench UI: one layout (header with the bench, its master and pause; navigation; notices)
// around five pages. It runs in the Electron app (IPC through the preload) and in a browser
// against `ourci bench --headless` (WebSocket with the operator token).
import { useCallback, useEffect, useState } from 'react';
import { ConnectionBadge } from '../components/connection-badge';
import { StatusBadge } from '../components/status-badge';
import { TokenLogin } from '../components/token-login';
import { useBench } from './lib/bench-store';
import { errorText } from './lib/format';
import { href, useRoute, type Route } from './lib/router';
import { redeemLoginCode, storedToken, storeToken, tokenAccepted } from './lib/session';
import { ipcTransport, wsTransport } from './lib/transport';
import { BoardPage } from './pages/board-page';
import { BoardsPage } from './pages/boards-page';
import { FlashPage } from './pages/flash-page';
import { SettingsPage } from './pages/settings-page';
import { TasksPage } from './pages/tasks-page';

type Boot = { state: 'starting' } | { state: 'login'; message?: string } | { state: 'ready' } | { state: 'unreachable'; message: string };

export function App() {
  const [boot, setBoot] = useState<Boot>({ state: 'starting' });
  const attach = useBench((s) => s.attach);
  const base = location.origin;

  const connect = useCallback(
    async (token: string): Promise<boolean> => {
      const ok = await tokenAccepted(base, token);
      if (ok === false) {
        storeToken(undefined);
        setBoot({ state: 'login', message: 'The bench refused this token.' });
        return false;
      }
      if (ok === undefined) {
        setBoot({ state: 'unreachable', message: 'The bench does not answer. Is it still running?' });
        return false;
      }
      storeToken(token);
      await attach(wsTransport(base, token, () => setBoot({ state: 'login', message: 'The bench no longer accepts this token. Sign in again.' })));
      setBoot({ state: 'ready' });
      return true;
    },
    [attach, base],
  );

  useEffect(() => {
    void (async () => {
      if (window.ourciBench) {
        await attach(ipcTransport(window.ourciBench));
        return setBoot({ state: 'ready' });
      }
      const code = await redeemLoginCode(base);
      const token = code.token ?? storedToken();
      if (!token) return setBoot({ state: 'login', message: code.error });
      await connect(token);
    })().catch((err) => setBoot({ state: 'unreachable', message: errorText(err) }));
  }, [attach, base, connect]);

  if (boot.state === 'starting') return <div className="center muted">Connecting to the bench…</div>;
  if (boot.state === 'login') {
    return (
      <TokenLogin
        title="OurCI bench"
        message={boot.message}
        onSubmit={(t) => connect(t.trim())}
        hint={
          <>
            The bench printed a one-time login link when it started; its token is also in <code>bench.token</code> in the bench's data directory
            (<code>.ourci/bench</code> by default).
          </>
        }
      />
    );
  }
  if (boot.state === 'unreachable') return <div className="center notice notice-error">{boot.message}</div>;
  return <Shell />;
}

function Shell() {
  const route = useRoute();
  const bench = useBench((s) => s.bench);
  const connection = useBench((s) => s.connection);
  const connectionDetail = useBench((s) => s.connectionDetail);
  const error = useBench((s) => s.error);
  const call = useBench((s) => s.call);
  const running = Object.values(useBench((s) => s.tasks)).filter((t) => t.status === 'running').length;
  useEffect(() => {
    document.title = bench ? `${bench.name} · OurCI bench` : 'OurCI bench';
  }, [bench]);

  return (
    <div className="shell">
      <header className="top">
        <span className="brand">OurCI bench</span>
        <strong data-testid="bench-name">{bench?.name}</strong>
        <span className="muted">
          master <StatusBadge status={bench?.master.state ?? 'unknown'} title={bench?.master.detail ?? bench?.master.url} />
        </span>
        <ConnectionBadge state={connection} detail={connectionDetail} />
        <span className="spacer" />
        {bench && (
          <button type="button" onClick={() => void call('Bench.SetPaused', { paused: !bench.paused })} title={bench.paused ? 'boards pull tasks again' : 'boards stop taking new tasks; running ones finish'}>
            {bench.paused ? 'Resume pulling' : 'Pause pulling'}
          </button>
        )}
      </header>
      <nav className="nav">
        <NavLink route={{ page: 'boards' }} active={route.page === 'boards' || route.page === 'board'} label="Boards" />
        <NavLink route={{ page: 'tasks' }} active={route.page === 'tasks'} label={running ? `Tasks (${running})` : 'Tasks'} />
        <NavLink route={{ page: 'flash' }} active={route.page === 'flash'} label="Flash" />
        <NavLink route={{ page: 'settings' }} active={route.page === 'settings'} label="Settings" />
      </nav>
      <main className="main">
        {bench?.paused && <p className="notice notice-warn">Pulling is paused: boards take no new tasks.</p>}
        {error && <p className="notice notice-error">{error}</p>}
        <Page route={route} />
      </main>
      <Notices />
    </div>
  );
}

function NavLink({ route, active, label }: { route: Route; active: boolean; label: string }) {
  return (
    <a href={href(route)} className={active ? 'active' : undefined} aria-current={active ? 'page' : undefined}>
      {label}
    </a>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'boards':
      return <BoardsPage />;
    case 'board':
      return <BoardPage id={route.id} />;
    case 'tasks':
      return <TasksPage id={route.id} />;
    case 'flash':
      return <FlashPage preselect={route.boards} />;
    case 'settings':
      return <SettingsPage />;
  }
}

const INFO_SHOWN_MS = 6000;

function Notices() {
  const notices = useBench((s) => s.notices).slice(0, 4);
  const dismiss = useBench((s) => s.dismiss);
  // Information fades by itself; failures and warnings stay until dismissed.
  useEffect(() => {
    const timers = notices.filter((n) => n.level === 'info').map((n) => setTimeout(() => dismiss(n.id), Math.max(0, INFO_SHOWN_MS - (Date.now() - Date.parse(n.at)))));
    return () => timers.forEach(clearTimeout);
  }, [notices, dismiss]);
  return (
    <div className="toasts" aria-live="polite">
      {notices.map((n) => (
        <div key={n.id} className={`toast toast-${n.level}`}>
          <span>{n.text}</span>
          <button type="button" className="link" onClick={() => dismiss(n.id)} aria-label="dismiss">
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
