// Blob names and job ids (DESIGN.md §4), checked the same way by the master, the CLI and UIs.
// A name is one or more `/`-separated segments of [A-Za-z0-9._-], never `.` or `..`: nothing
// a client can send may climb out of its job or alias another name.
import { z } from 'zod';

export const JOB_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const MAX_BLOB_NAME_LENGTH = 1024;
export const MAX_BLOB_SEGMENT_LENGTH = 255;
const SEGMENT = /^[A-Za-z0-9._-]+$/;

/** Why `name` is not a valid blob name, or undefined when it is. */
export function blobNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > MAX_BLOB_NAME_LENGTH) return `is longer than ${MAX_BLOB_NAME_LENGTH} characters`;
  for (const seg of name.split('/')) {
    if (seg === '') return 'has an empty segment (leading, trailing or double "/")';
    if (seg === '.' || seg === '..') return `has a "${seg}" segment`;
    if (seg.length > MAX_BLOB_SEGMENT_LENGTH) return `has a segment longer than ${MAX_BLOB_SEGMENT_LENGTH} characters`;
    if (!SEGMENT.test(seg)) return 'may only contain A-Z a-z 0-9 . _ - and "/" between segments';
  }
  return undefined;
}

export function isValidBlobName(name: string): boolean {
  return blobNameProblem(name) === undefined;
}

export function isValidJobId(job: string): boolean {
  return JOB_ID_PATTERN.test(job);
}

/**
 * Decodes the name part of a request path as sent (`a/b%2Ec`), segment by segment, and
 * validates the result. An encoded `/`, a segment that decodes to `.` or `..`, a malformed
 * escape, a backslash or NUL are all refused: the raw and the decoded forms must both be a
 * plain name.
 */
export function decodeBlobPath(raw: string): { name: string } | { problem: string } {
  if (raw.length > MAX_BLOB_NAME_LENGTH * 3) return { problem: 'is too long' };
  const segments: string[] = [];
  for (const rawSeg of raw.split('/')) {
    if (rawSeg === '.' || rawSeg === '..') return { problem: `has a "${rawSeg}" segment` };
    let seg: string;
    try {
      seg = decodeURIComponent(rawSeg);
    } catch {
      return { problem: 'has a malformed %-escape' };
    }
    if (seg.includes('/')) return { problem: 'has an encoded "/" in a segment' };
    segments.push(seg);
  }
  const name = segments.join('/');
  const problem = blobNameProblem(name);
  return problem ? { problem } : { name };
}

export const JobId = z.string().regex(JOB_ID_PATTERN, 'must be 1-64 characters of A-Z a-z 0-9 _ -');

const MESSAGE = 'must be "/"-separated segments of A-Z a-z 0-9 . _ - (no empty, "." or ".." segments, at most 1024 characters)';

// The pattern shows in RPC.Describe's JSON Schema; the refinement adds what a pattern cannot
// say simply (no "." or ".." segment, segment length).
export const BlobName = z
  .string()
  .max(MAX_BLOB_NAME_LENGTH)
  .regex(/^[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/, MESSAGE)
  .refine(isValidBlobName, { message: MESSAGE });

/** The HTTP path of a blob; valid job ids and names need no escaping. */
export function blobPath(job: string, name: string): string {
  return `/blobs/${job}/${name}`;
}
