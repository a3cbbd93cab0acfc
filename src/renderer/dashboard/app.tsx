// Layout and routes: /, /jobs, /jobs/<id>, /tasks/<id>, /agents, /queues (the master answers
// each of them with index.html, so deep links from GitHub's target_url land here).
import { useEffect, useState } from 'react';
import { ConnectionBadge } from '../components/connection-badge';
import { Link } from '../components/link';
import { Notice } from '../components/notice';
import { TokenLogin } from '../components/token-login';
import { matchPath, navigate, useLocation } from '../lib/router';
import { useSession } from '../lib/session/session-store';
import { AgentsPage } from './pages/agents-page';
import { HelpOverlay } from './help-overlay';
import { JobPage } from './pages/job-page';
import { JobsPage } from './pages/jobs-page';
import { QueuesPage } from './pages/queues-page';
import { TaskPage } from './pages/task-page';

function Routes() {
  const { path } = useLocation();
  let m: Record<string, string> | null;
  if (path === '/' || path === '/jobs' || path === '/jobs/') return <JobsPage />;
  if ((m = matchPath('/jobs/:id', path))) return <JobPage key={m.id} id={m.id!} />;
  if ((m = matchPath('/tasks/:id', path))) return <TaskPage key={m.id} id={m.id!} />;
  if (matchPath('/agents', path)) return <AgentsPage />;
  if (matchPath('/queues', path)) return <QueuesPage />;
  return (
    <Notice kind="error" title={`Nothing at ${path}`}>
      <Link href="/">Go to the jobs list</Link>
    </Notice>
  );
}

const NAV = [
  { href: '/', label: 'Jobs', key: 'j', active: (p: string) => p === '/' || p.startsWith('/jobs') || p.startsWith('/tasks') },
  { href: '/agents', label: 'Agents', key: 'a', active: (p: string) => p.startsWith('/agents') },
  { href: '/queues', label: 'Queues', key: 'q', active: (p: string) => p.startsWith('/queues') },
];

/** `g j`, `g a`, `g q` move between pages; `?` shows the keys. */
function useGlobalKeys(onHelp: () => void): void {
  useEffect(() => {
    let g = 0;
    const onKey = (e: KeyboardEvent): void => {
      const t = e.target as HTMLElement;
      if (t.closest('input, textarea, select, [contenteditable]') || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === '?') return onHelp();
      if (e.key === 'g' && !t.closest('.log-viewer')) {
        g = Date.now();
        return;
      }
      if (Date.now() - g < 1500) {
        const item = NAV.find((n) => n.key === e.key);
        g = 0;
        if (item) navigate(item.href);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onHelp]);
}

export function App() {
  const s = useSession();
  const { path } = useLocation();
  const [help, setHelp] = useState(false);
  useGlobalKeys(() => setHelp((h) => !h));

  if (s.status === 'checking') return <div className="boot">Connecting to the master…</div>;
  if (s.status === 'unreachable')
    return (
      <div className="boot">
        <Notice kind="error" title="Cannot reach the master">
          <p>{s.message}</p>
          <p>
            Is it running? Start it with <code>ourci up</code> or <code>ourci master</code>, then{' '}
            <button type="button" onClick={() => void s.start()}>
              try again
            </button>
          </p>
        </Notice>
      </div>
    );
  if (s.status === 'login')
    return (
      <div className="boot">
        <TokenLogin
          title="Sign in to OurCI"
          message={s.message}
          onSubmit={s.login}
          hint={
            <>
              Use the viewer token to look, the admin token to cancel and retry. The master writes them into its data
              directory: <code>.ourci/viewer.token</code> and <code>.ourci/admin.token</code>. The token stays in this
              browser until you sign out.
            </>
          }
        />
      </div>
    );

  const scopeLabel = s.scope === 'anonymous' ? 'public' : s.scope;
  return (
    <div className="app">
      <header className="topbar">
        <Link href="/" className="brand">
          OurCI
        </Link>
        <nav>
          {NAV.map((n) => (
            <Link key={n.href} href={n.href} className={n.active(path) ? 'active' : undefined} title={`g ${n.key}`}>
              {n.label}
            </Link>
          ))}
        </nav>
        <span className="spacer" />
        <ConnectionBadge state={s.connection} detail={s.connectionDetail} />
        <span className={`scope scope-${scopeLabel}`} title="what this session may do" data-testid="scope">
          {scopeLabel}
        </span>
        {s.token ? (
          <button type="button" className="link-button" onClick={() => s.logout()}>
            Sign out
          </button>
        ) : (
          <button type="button" className="link-button" onClick={() => s.logout()}>
            Sign in
          </button>
        )}
        <button type="button" className="link-button" onClick={() => setHelp(true)} title="keyboard shortcuts (?)">
          ?
        </button>
      </header>
      <main>
        <Routes />
      </main>
      {help && <HelpOverlay onClose={() => setHelp(false)} />}
    </div>
  );
}
