// The dashboard SPA served by the master at `/` (DESIGN.md §4): jobs, tasks, live logs,
// agents and queues over the master's JSON-RPC WebSocket. Browser only.
import { createRoot } from 'react-dom/client';
import '../components/theme.css';
import './dashboard.css';
import { App } from './app';
import { useSession } from '../lib/session/session-store';

void useSession.getState().start();
createRoot(document.getElementById('root')!).render(<App />);
