// Hash routes (they work from the app's own scheme and from the headless server alike):
// #/boards, #/boards/<id>, #/tasks, #/tasks/<id>, #/flash, #/settings.
import { useEffect, useState } from 'react';

export type Route =
  | { page: 'boards' }
  | { page: 'board'; id: string }
  | { page: 'tasks'; id?: string }
  | { page: 'flash'; boards?: string[] }
  | { page: 'settings' };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('?')[0]!.split('/').filter(Boolean).map(decodeURIComponent);
  const query = new URLSearchParams(hash.includes('?') ? hash.slice(hash.indexOf('?') + 1) : '');
  switch (parts[0]) {
    case 'boards':
      return parts[1] ? { page: 'board', id: parts[1] } : { page: 'boards' };
    case 'tasks':
      return { page: 'tasks', id: parts[1] };
    case 'flash':
      return { page: 'flash', boards: query.get('boards')?.split(',').filter(Boolean) };
    case 'settings':
      return { page: 'settings' };
    default:
      return { page: 'boards' };
  }
}

export function href(route: Route): string {
  switch (route.page) {
    case 'board':
      return `#/boards/${encodeURIComponent(route.id)}`;
    case 'tasks':
      return route.id ? `#/tasks/${encodeURIComponent(route.id)}` : '#/tasks';
    case 'flash':
      return route.boards?.length ? `#/flash?boards=${route.boards.map(encodeURIComponent).join(',')}` : '#/flash';
    default:
      return `#/${route.page}`;
  }
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = (): void => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
