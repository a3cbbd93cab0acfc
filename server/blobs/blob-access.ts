// Who may do what with a job's blobs. Admin: everything. Viewer and agent tokens: read. A
// task's attempt token: read, write and delete its own job's blobs, nothing of other jobs.
import { ForbiddenError, UnauthorizedError } from '../../src/shared/errors';
import type { Principal } from '../auth/principal';

export type BlobAction = 'read' | 'write';

export function assertBlobAccess(p: Principal, job: string, action: BlobAction): void {
  if (p.scopes.includes('admin')) return;
  if (p.kind === 'task') {
    if (p.task?.job === job) return;
    throw new ForbiddenError(`a task token of job ${p.task?.job ?? '?'} may not ${action} blobs of job ${job}`);
  }
  if (action === 'read' && p.scopes.includes('viewer')) return;
  if (p.kind === 'anonymous' && p.scopes.length === 0) throw new UnauthorizedError();
  throw new ForbiddenError(`a ${p.kind} token may not ${action === 'read' ? 'read' : 'change'} blobs`);
}
