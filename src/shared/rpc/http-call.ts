// One-shot call through `POST /rpc/<Method>` with fetch (Node 20 and browsers alike).
import { OurciError, UnavailableError } from '../errors';

export async function httpCall<R = unknown>(
  baseUrl: string,
  token: string | undefined,
  method: string,
  params: unknown,
  opts: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<R> {
  const url = `${baseUrl.replace(/\/$/, '')}/rpc/${method}`;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify(params ?? {}),
      signal: opts.signal ?? AbortSignal.timeout(opts.timeoutMs ?? 60_000),
    });
  } catch (err) {
    throw new UnavailableError(`cannot reach the master at ${baseUrl}: ${(err as Error).message}`);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    throw new OurciError(res.status >= 400 ? res.status : 500, `unexpected response from ${url}: ${text.slice(0, 200)}`);
  }
  if (!res.ok) {
    const e = (body as { error?: { code?: number; message?: string; data?: unknown } } | null)?.error;
    throw new OurciError(e?.code ?? res.status, e?.message ?? `HTTP ${res.status}`, e?.data);
  }
  return body as R;
}
