// Attempt-scoped tokens (DESIGN.md §5, OURCI_TOKEN): spawn into its own job, read/write its
// job's blobs, write its own log; valid only while the attempt runs. Only digests are stored.
import { createHash, randomBytes } from 'node:crypto';
import type { Principal } from '../auth/principal';

export interface TokenOwner {
  job: string;
  task: string;
  attempt: number;
}

export const digestToken = (t: string): string => createHash('sha256').update(t).digest('hex');

const TOKEN_BYTES = 24;
/** Random bytes fetched 256 tokens at a time: one call into the CSPRNG costs as much as a
 * token's worth of bytes, and an attempt starts with every task dispatched. */
const POOL_BYTES = TOKEN_BYTES * 256;

export class TaskTokens {
  private readonly byDigest = new Map<string, TokenOwner>();
  private pool = Buffer.alloc(0);
  private poolAt = 0;

  issue(owner: TokenOwner): { token: string; digest: string } {
    if (this.poolAt + TOKEN_BYTES > this.pool.length) {
      this.pool = randomBytes(POOL_BYTES);
      this.poolAt = 0;
    }
    const token = `oct_${this.pool.toString('base64url', this.poolAt, (this.poolAt += TOKEN_BYTES))}`;
    const digest = digestToken(token);
    this.byDigest.set(digest, owner);
    return { token, digest };
  }

  /** Re-registers a digest loaded from the store after a restart. */
  restore(digest: string, owner: TokenOwner): void {
    this.byDigest.set(digest, owner);
  }

  revoke(digest: string): void {
    this.byDigest.delete(digest);
  }

  resolve(token: string): Principal | undefined {
    if (!token.startsWith('oct_')) return undefined;
    const owner = this.byDigest.get(digestToken(token));
    if (!owner) return undefined;
    return { kind: 'task', scopes: ['task'], name: `task ${owner.task}#${owner.attempt}`, task: { ...owner } };
  }
}
