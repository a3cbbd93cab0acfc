// Entry of the bench UI (browser only: React + Zustand; talks to the bench through lib/transport).
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import '../components/theme.css';
import './bench.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
