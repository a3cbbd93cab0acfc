// Who we are to the master: the token (kept in localStorage), the scope it grants (from
// Sys.GetInfo), and the live connection. `--public-read` masters need no token.
import { create } from 'zustand';
import { OurciError } from '../../../shared/errors';
import { httpCall } from '../../../shared/rpc/http-call';
import { RpcClient, type ConnectionState } from '../../../shared/rpc/rpc-client';
import { browserSocket } from '../rpc/browser-socket';
import { EventHub } from '../rpc/event-hub';
import type { ApiResult, MasterApi, MasterRpc } from '../rpc/master-api';

const TOKEN_KEY = 'ourci.token';

export type SysInfo = ApiResult<'Sys.GetInfo'>;

export interface SessionState {
  status: 'checking' | 'login' | 'ready' | 'unreachable';
  /** Why we ask for a token, or why the master is unreachable. */
  message?: string;
  token?: string;
  info?: SysInfo;
  /** 'admin' | 'viewer' | 'agent' | 'anonymous' (public read). */
  scope?: string;
  connection: ConnectionState;
  connectionDetail?: string;
  rpc?: MasterRpc;
  hub?: EventHub;
  /** Checks the stored token (or none) against the master and connects. */
  start(baseUrl?: string): Promise<void>;
  login(token: string): Promise<boolean>;
  logout(message?: string): void;
}

function readToken(): string | undefined {
  try {
    return localStorage.getItem(TOKEN_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

function writeToken(t: string | undefined): void {
  try {
    if (t) localStorage.setItem(TOKEN_KEY, t);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    // private mode: the token lives for this page only
  }
}

const isAuthError = (e: unknown): e is OurciError => e instanceof OurciError && (e.code === 401 || e.code === 403);

export const useSession = create<SessionState>((set, get) => {
  let base = '';

  const getInfo = (token: string | undefined): Promise<SysInfo> => httpCall<SysInfo>(base, token, 'Sys.GetInfo', {}, { timeoutMs: 15_000 });

  const connect = (token: string | undefined, info: SysInfo): void => {
    get().rpc?.close();
    const probe = async (): Promise<OurciError | undefined> => {
      try {
        await getInfo(token);
        return undefined;
      } catch (e) {
        return isAuthError(e) ? e : undefined;
      }
    };
    // Declared first: the constructor already reports its first state.
    let rpc: MasterRpc | undefined = undefined;
    rpc = new RpcClient<MasterApi>({
      connect: browserSocket(base, token, probe),
      minBackoffMs: 1000,
      maxBackoffMs: 30_000,
      callTimeoutMs: 30_000,
      onState: (state, detail) => {
        if (!rpc || get().rpc !== rpc) return;
        set({ connection: state, connectionDetail: detail });
        // Closed by the client itself only on logout; otherwise the probe found the token refused.
        if (state === 'closed' && detail !== 'client closed') {
          get().logout('The master no longer accepts this token. Sign in again.');
        }
      },
    });
    set({ status: 'ready', token, info, scope: info.scope, rpc, hub: new EventHub(rpc), connection: rpc.state, message: undefined });
  };

  return {
    status: 'checking',
    connection: 'closed',

    async start(baseUrl = location.origin) {
      base = baseUrl;
      const token = readToken();
      set({ status: 'checking' });
      try {
        const info = await getInfo(token);
        if (!token && info.scope === 'anonymous' && !info.publicRead) {
          return set({ status: 'login', message: undefined });
        }
        connect(token, info);
      } catch (e) {
        if (isAuthError(e)) {
          writeToken(undefined);
          return set({
            status: 'login',
            message: token ? 'The master refused the saved token. Paste a valid viewer or admin token.' : undefined,
          });
        }
        set({ status: 'unreachable', message: (e as Error).message });
      }
    },

    async login(token) {
      const t = token.trim();
      if (!t) {
        set({ message: 'Paste a token first.' });
        return false;
      }
      try {
        const info = await getInfo(t);
        if (info.scope === 'anonymous') throw new OurciError(401, 'unknown token');
        writeToken(t);
        connect(t, info);
        return true;
      } catch (e) {
        set({
          status: 'login',
          message: isAuthError(e)
            ? 'That token was refused. Tokens are in the master\'s data directory: viewer.token or admin.token.'
            : `Cannot reach the master: ${(e as Error).message}`,
        });
        return false;
      }
    },

    logout(message) {
      writeToken(undefined);
      get().rpc?.close();
      set({ status: 'login', token: undefined, info: undefined, scope: undefined, rpc: undefined, hub: undefined, message, connection: 'closed' });
    },
  };
});

export const isAdminScope = (scope: string | undefined): boolean => scope === 'admin';
