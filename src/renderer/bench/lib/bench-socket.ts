// The RpcClient's socket in a browser: the native WebSocket to the headless bench's /rpc.
// Browsers cannot set headers on a WebSocket, so the token travels as the subprotocol
// `bearer.<token>`; a refused upgrade looks like a plain close, so a close before the first
// open asks the HTTP endpoint whether the token is the reason.
import { UnauthorizedError } from '../../../shared/errors';
import type { SocketFactory } from '../../../shared/rpc/rpc-client';
import { tokenAccepted } from './session';

export function benchSocket(baseUrl: string, token: string, onAuthFailure: () => void): SocketFactory {
  const u = new URL(baseUrl);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.pathname = '/rpc';
  u.search = '';
  u.hash = '';
  const url = u.toString();
  return (events) => {
    let opened = false;
    let done = false;
    const ws = new WebSocket(url, ['ourci', `bearer.${token}`]);
    const closed = (reason: string): void => {
      if (done) return;
      done = true;
      if (opened) return events.close(reason);
      void tokenAccepted(baseUrl, token).then(
        (ok) => {
          if (ok === false) {
            onAuthFailure();
            events.close(reason, new UnauthorizedError('the bench refused the token'));
          } else events.close(reason);
        },
        () => events.close(reason),
      );
    };
    ws.onopen = () => {
      opened = true;
      events.open();
    };
    ws.onmessage = (ev) => {
      if (typeof ev.data === 'string') events.message(ev.data);
    };
    ws.onerror = () => closed('connection error');
    ws.onclose = (ev) => closed(`closed (${ev.code})`);
    return { send: (text) => ws.send(text), close: () => ws.close() };
  };
}
