// Blob.* contracts. The bytes travel over plain HTTP (`/blobs/<job>/<name>`, see
// docs/blobs.md); these methods list and delete them.
import { z } from 'zod';
import { defineMethod } from '../rpc/contract';
import { BlobName, JobId } from './names';

export const BlobInfo = z.object({
  name: z.string(),
  size: z.number().int(),
  /** Lower-case hex SHA-256 of the content (also the ETag and `X-Content-SHA256`). */
  sha256: z.string(),
  createdAt: z.string(),
  /** Where to GET it (needs a token, or Basic auth with the token as password). */
  url: z.string(),
});
export type BlobInfo = z.infer<typeof BlobInfo>;

export const BlobList = defineMethod({
  name: 'Blob.List',
  summary: "A job's blobs sorted by name. A task token may list only its own job's blobs.",
  params: z.object({ job: JobId }),
  result: z.object({ blobs: z.array(BlobInfo), totalBytes: z.number().int() }),
  scopes: ['viewer', 'task'],
});

export const BlobDelete = defineMethod({
  name: 'Blob.Delete',
  summary: "Delete one blob. Admin, or a task token for its own job's blobs.",
  params: z.object({ job: JobId, name: BlobName }),
  result: z.object({ deleted: z.boolean() }),
  scopes: ['admin', 'task'],
});

export const blobMethods = [BlobList, BlobDelete] as const;
