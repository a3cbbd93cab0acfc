// BLOB_URL for a task (DESIGN.md §5): the capability travels in the URL's userinfo, so plain
// `curl "$BLOB_URL/NAME"` and `curl -T FILE "$BLOB_URL/NAME"` work; curl sends it as HTTP
// Basic, which the master accepts with the token as the password.
import { isValidJobId } from '../../src/shared/blobs/names';

export function blobUrlFor(baseUrl: string, job: string, token: string): string {
  if (!isValidJobId(job)) throw new Error(`not a job id: ${job}`);
  const u = new URL(baseUrl);
  u.username = 'ourci';
  u.password = token;
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/blobs/${job}`;
  u.search = '';
  u.hash = '';
  return u.toString();
}
