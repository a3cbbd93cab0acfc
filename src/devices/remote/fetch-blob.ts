// Firmware from the master's blob store: `GET /blobs/<job>/<name>` with the caller's token,
// so `ourci flash JOB/BLOB` flashes what a build task uploaded.
import { BadRequestError, NotFoundError, PayloadTooLargeError, UnauthorizedError, UnavailableError } from '../../shared/errors';

export const MAX_FIRMWARE_BYTES = 64 << 20;

/** "JOB/NAME" (NAME may have segments); undefined when the text is not shaped like one. */
export function parseBlobRef(ref: string): { job: string; name: string } | undefined {
  const m = /^([A-Za-z0-9._-]+)\/((?:[A-Za-z0-9._-]+\/)*[A-Za-z0-9._-]+)$/.exec(ref);
  if (!m || m[2]!.split('/').some((s) => s === '.' || s === '..')) return undefined;
  return { job: m[1]!, name: m[2]! };
}

export async function fetchBlob(baseUrl: string, token: string, ref: { job: string; name: string }, opts: { signal?: AbortSignal; maxBytes?: number } = {}): Promise<Uint8Array> {
  const url = `${baseUrl.replace(/\/+$/, '')}/blobs/${encodeURIComponent(ref.job)}/${ref.name.split('/').map(encodeURIComponent).join('/')}`;
  let res: Response;
  try {
    res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: opts.signal });
  } catch (err) {
    throw new UnavailableError(`cannot reach the master at ${baseUrl} to fetch ${ref.job}/${ref.name} (${(err as Error).message})`);
  }
  if (res.status === 404) throw new NotFoundError(`no blob ${ref.name} in job ${ref.job}`);
  if (res.status === 401 || res.status === 403) throw new UnauthorizedError(`the master refused ${ref.job}/${ref.name} (HTTP ${res.status}): check OURCI_TOKEN`);
  if (!res.ok) throw new UnavailableError(`fetching ${ref.job}/${ref.name} failed: HTTP ${res.status}`);
  const max = opts.maxBytes ?? MAX_FIRMWARE_BYTES;
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > max) throw new PayloadTooLargeError(`${ref.job}/${ref.name} is ${declared} bytes, more than firmware should be (${max >> 20} MiB)`);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of res.body ?? []) {
    total += chunk.length;
    if (total > max) throw new PayloadTooLargeError(`${ref.job}/${ref.name} is more than ${max >> 20} MiB: not firmware`);
    chunks.push(chunk);
  }
  if (total === 0) throw new BadRequestError(`${ref.job}/${ref.name} is empty`);
  return new Uint8Array(Buffer.concat(chunks));
}
