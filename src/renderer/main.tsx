// Renderer entry (browser only): React + Zustand, talks to the master or the bench API.
import { createRoot } from 'react-dom/client';
import { App } from './app';

createRoot(document.getElementById('root')!).render(<App />);
