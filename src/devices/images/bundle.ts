// Firmware bundles: a zip or a tar.gz with a manifest.json beside the parts (the Mongoose OS
// layout, reference §3.2). Entries are found by base name, as mos does, so a bundle whose
// files sit in a top-level folder works too.
import { Parser, type ReadEntry } from 'tar';
import { unzipSync } from 'fflate';
import { z } from 'zod';
import { BadRequestError, PayloadTooLargeError } from '../../shared/errors';

/** Bundles are firmware, not archives of the world: refuse anything bigger (zip bombs too). */
export const MAX_BUNDLE_BYTES = 64 << 20;

const Address = z.union([
  z.number().int().nonnegative(),
  z.string().regex(/^(0x[0-9a-fA-F]+|\d+)$/, 'an address like 0x1000 or 4096').transform((s) => Number(s)),
]);

export const ManifestPart = z
  .object({
    src: z.string().min(1).optional(),
    type: z.string().optional(),
    addr: Address.optional(),
    size: z.number().int().nonnegative().optional(),
    fill: z.number().int().min(0).max(255).optional(),
    flash: z.boolean().optional(),
    cs_sha1: z.string().regex(/^[0-9a-fA-F]{40}$/).optional(),
    cs_sha256: z.string().regex(/^[0-9a-fA-F]{64}$/).optional(),
    falloc: z.number().int().positive().optional(),
  })
  .passthrough();
export type ManifestPart = z.infer<typeof ManifestPart>;

export const Manifest = z
  .object({
    name: z.string().optional(),
    platform: z.string().min(1),
    version: z.string().optional(),
    build_id: z.string().optional(),
    build_timestamp: z.string().optional(),
    description: z.string().optional(),
    parts: z.record(z.string(), ManifestPart),
  })
  .passthrough();
export type Manifest = z.infer<typeof Manifest>;

export interface Bundle {
  manifest: Manifest;
  /** Entry base name → contents. */
  files: Map<string, Uint8Array>;
}

const baseName = (p: string): string => p.replace(/\\/g, '/').split('/').filter(Boolean).pop() ?? p;

export function isZip(d: Uint8Array): boolean {
  return d.length >= 4 && d[0] === 0x50 && d[1] === 0x4b && d[2] === 0x03 && d[3] === 0x04;
}

export function isGzip(d: Uint8Array): boolean {
  return d.length >= 2 && d[0] === 0x1f && d[1] === 0x8b;
}

function unzip(data: Uint8Array, what: string): Map<string, Uint8Array> {
  let total = 0;
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(data, {
      filter: (f) => {
        total += f.originalSize;
        if (total > MAX_BUNDLE_BYTES) throw new PayloadTooLargeError(`${what}: unpacks to more than ${MAX_BUNDLE_BYTES >> 20} MiB`);
        return !f.name.endsWith('/');
      },
    });
  } catch (err) {
    if (err instanceof PayloadTooLargeError) throw err;
    throw new BadRequestError(`${what}: not a readable zip (${(err as Error).message})`);
  }
  return new Map(Object.entries(entries).map(([name, bytes]) => [baseName(name), bytes]));
}

async function untar(data: Uint8Array, what: string): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  let total = 0;
  await new Promise<void>((resolve, reject) => {
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry: ReadEntry) => {
        if (entry.type !== 'File') {
          entry.resume();
          return;
        }
        const chunks: Buffer[] = [];
        entry.on('data', (c: Buffer) => {
          total += c.length;
          if (total > MAX_BUNDLE_BYTES) parser.abort(new PayloadTooLargeError(`${what}: unpacks to more than ${MAX_BUNDLE_BYTES >> 20} MiB`));
          else chunks.push(c);
        });
        entry.on('end', () => files.set(baseName(entry.path), new Uint8Array(Buffer.concat(chunks))));
      },
    });
    const fail = (err: Error): void => reject(err instanceof PayloadTooLargeError ? err : new BadRequestError(`${what}: not a readable tar.gz (${err.message})`));
    parser.on('error', fail);
    parser.on('abort', fail);
    parser.on('end', () => resolve());
    parser.end(Buffer.from(data));
  });
  return files;
}

export async function readBundle(data: Uint8Array, what: string): Promise<Bundle> {
  const files = isZip(data) ? unzip(data, what) : await untar(data, what);
  const raw = files.get('manifest.json');
  if (!raw) throw new BadRequestError(`${what}: no manifest.json in the bundle (entries: ${[...files.keys()].slice(0, 8).join(', ') || 'none'})`);
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(raw).toString('utf8'));
  } catch (err) {
    throw new BadRequestError(`${what}: manifest.json is not valid JSON (${(err as Error).message})`);
  }
  const parsed = Manifest.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new BadRequestError(`${what}: manifest.json is invalid: ${issues}`);
  }
  return { manifest: parsed.data, files };
}
