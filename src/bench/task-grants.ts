// Tokens of the bench's task route: each bench task gets one in OURCI_BENCH_URL, valid for its
// board only and only while it runs (revoked when the task ends), like BLOB_URL's capability.
import { randomBytes } from 'node:crypto';

export interface TaskGrant {
  board: string;
  task: string;
}

export class TaskGrants {
  private readonly grants = new Map<string, TaskGrant>();
  /** Base URL of the loopback task API, e.g. http://127.0.0.1:41234 (set once it listens). */
  baseUrl: string | undefined;

  issue(board: string, task: string): { token: string; url: string; revoke: () => void } {
    const token = `obt_${randomBytes(18).toString('base64url')}`;
    this.grants.set(token, { board, task });
    const url = this.baseUrl ? `${this.baseUrl}/task/${token}` : '';
    return { token, url, revoke: () => this.grants.delete(token) };
  }

  lookup(token: string): TaskGrant | undefined {
    return this.grants.get(token);
  }
}
