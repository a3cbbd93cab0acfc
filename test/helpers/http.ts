// Plain HTTP requests to a master, with the raw status and body (no client library).
export interface HttpReply {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests poke into arbitrary JSON
  json: any;
}

export async function request(
  baseUrl: string,
  path: string,
  o: { method?: string; token?: string; body?: string | Uint8Array; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<HttpReply> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...o.headers };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  const res = await fetch(`${baseUrl}${path}`, {
    method: o.method ?? (o.body === undefined ? 'GET' : 'POST'),
    headers,
    body: o.body,
    signal: AbortSignal.timeout(o.timeoutMs ?? 30_000),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** POST a JSON value (or raw text) to a path. */
export function post(baseUrl: string, path: string, body: unknown, token?: string): Promise<HttpReply> {
  return request(baseUrl, path, { token, body: typeof body === 'string' ? body : JSON.stringify(body) });
}
