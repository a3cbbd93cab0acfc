// A job's blobs (firmware images, reports) with downloads that carry the token.
import { useState } from 'react';
import { ErrorNotice, Notice } from '../../components/notice';
import { downloadWithToken } from '../../lib/download';
import { formatBytes, timeAgo } from '../../lib/format';
import type { ApiResult } from '../../lib/rpc/master-api';
import { useSession } from '../../lib/session/session-store';
import { useLive } from '../use-live';

type Blobs = ApiResult<'Blob.List'>['blobs'];


export function BlobList({ job, finished }: { job: string; finished: boolean }) {
  const [err, setErr] = useState<string>();
  // Blobs have no event topic: re-read when the job finishes (the last uploads are in by then).
  const live = useLive<Blobs>(async () => (await useSession.getState().rpc!.call('Blob.List', { job })).blobs, [job, finished], [`job/${job}`], (ev, d) =>
    ev.type === 'task.updated' && (ev.data as { finishedAt?: string }).finishedAt ? 'reload' : d,
  );
  const download = (name: string, url: string | undefined): void => {
    setErr(undefined);
    // Same origin, whatever host the master put in `url` (the page's CSP allows only 'self').
    const href = url ? new URL(url, location.origin).pathname : `/blobs/${encodeURIComponent(job)}/${name.split('/').map(encodeURIComponent).join('/')}`;
    downloadWithToken(href, useSession.getState().token, name.split('/').pop() ?? name).catch((e: Error) => setErr(e.message));
  };
  return (
    <>
      <h2>Blobs</h2>
      {err && <Notice kind="error" title={err} />}
      {live.error !== undefined && <ErrorNotice error={live.error} what="the blobs" />}
      {live.data && live.data.length === 0 && (
        <Notice title="No blobs.">
          Task scripts upload files with <code>blob_upload FILE NAME</code> (from <code>resources/ourci.sh</code>) or{' '}
          <code>ourci blob put</code>.
        </Notice>
      )}
      {live.data && live.data.length > 0 && (
        <table className="data-table" aria-label="blobs">
          <thead>
            <tr>
              <th>Name</th>
              <th className="num">Size</th>
              <th>SHA-256</th>
              <th>Uploaded</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {live.data.map((b) => (
              <tr key={b.name}>
                <td className="mono">{b.name}</td>
                <td className="num">{formatBytes(b.size)}</td>
                <td className="mono muted" title={b.sha256}>
                  {b.sha256?.slice(0, 12)}
                </td>
                <td>{timeAgo(b.createdAt)}</td>
                <td>
                  <button type="button" onClick={() => download(b.name, b.url)}>
                    ⇩ Download
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
