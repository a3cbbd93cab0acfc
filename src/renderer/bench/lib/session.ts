// Signing in to a headless bench: its operator token, kept in this browser, or a one-time
// login code from the URL the bench printed (?login=…), exchanged for the token and removed
// from the address bar. The Electron app needs none of this: its window is trusted by IPC.

const TOKEN_KEY = 'ourci.bench.token';

export function storedToken(): string | undefined {
  try {
    return localStorage.getItem(TOKEN_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export function storeToken(token: string | undefined): void {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    // private browsing: the token lives as long as the page
  }
}

/** Exchanges ?login=CODE for the token, once; the code leaves the URL either way. */
export async function redeemLoginCode(baseUrl: string): Promise<{ token?: string; error?: string }> {
  const params = new URLSearchParams(location.search);
  const code = params.get('login');
  if (!code) return {};
  params.delete('login');
  const rest = params.toString();
  history.replaceState(null, '', `${location.pathname}${rest ? `?${rest}` : ''}${location.hash}`);
  try {
    const res = await fetch(`${baseUrl}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
    const body = (await res.json()) as { token?: string; message?: string };
    return res.ok && body.token ? { token: body.token } : { error: body.message ?? `login failed (HTTP ${res.status})` };
  } catch (err) {
    return { error: `cannot reach the bench: ${(err as Error).message}` };
  }
}

/** true: accepted; false: refused (401/403); undefined: the bench did not answer. */
export async function tokenAccepted(baseUrl: string, token: string): Promise<boolean | undefined> {
  try {
    const res = await fetch(`${baseUrl}/rpc/Bench.GetSettings`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
    if (res.status === 401 || res.status === 403) return false;
    return res.ok ? true : undefined;
  } catch {
    return undefined;
  }
}
