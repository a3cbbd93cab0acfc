// The RpcClient's socket in a browser: the native WebSocket. Browsers cannot set headers on
// a WebSocket, so the token travels as the subprotocol `bearer.<token>` beside `ourci`. A
// refused upgrade is invisible to scripts (just "closed"), so a close before open asks the
// HTTP endpoint whether the token is the reason, and stops reconnecting if it is.
import { OurciError } from '../../../shared/errors';
import type { SocketFactory } from '../../../shared/rpc/rpc-client';

export function wsUrlOf(baseUrl: string): string {
  const u = new URL(baseUrl);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.pathname = `${u.pathname.replace(/\/$/, '')}/rpc`;
  u.search = '';
  return u.toString();
}

/** `probe` returns the auth error that explains a failed connect, if any (401/403). */
export function browserSocket(baseUrl: string, token: string | undefined, probe: () => Promise<OurciError | undefined>): SocketFactory {
  const url = wsUrlOf(baseUrl);
  const protocols = token ? ['ourci', `bearer.${token}`] : ['ourci'];
  return (events) => {
    let opened = false;
    let done = false;
    const ws = new WebSocket(url, protocols);
    const closed = (reason: string): void => {
      if (done) return;
      done = true;
      if (opened) return events.close(reason);
      void probe().then(
        (fatal) => events.close(reason, fatal),
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
    return {
      send: (text) => ws.send(text),
      close: () => ws.close(),
    };
  };
}
