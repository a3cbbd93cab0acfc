// RPC handlers of the Blob.* namespace (the bytes themselves travel over HTTP).
import * as M from '../../src/shared/blobs/methods';
import type { Registry } from '../rpc/registry';
import { assertBlobAccess } from './blob-access';
import type { BlobService } from './blob-service';

export function registerBlobMethods(registry: Registry, blobs: BlobService): void {
  registry.add(M.BlobList, async ({ job }, ctx) => {
    assertBlobAccess(ctx.principal, job, 'read');
    const list = await blobs.list(job);
    return {
      blobs: list.map((b) => ({
        name: b.name,
        size: b.size,
        sha256: b.sha256,
        createdAt: new Date(b.createdAt).toISOString(),
        url: blobs.urlOf(job, b.name),
      })),
      totalBytes: list.reduce((n, b) => n + b.size, 0),
    };
  });
  registry.add(M.BlobDelete, async ({ job, name }, ctx) => {
    assertBlobAccess(ctx.principal, job, 'write');
    return { deleted: (await blobs.delete(job, name)) !== undefined };
  });
}
