// One job: its flat task list (parent as a column, no tree) with failures up front, its blobs,
// and cancel/retry for admins. Live through the `job/<id>` event topic.
import { useEffect, useMemo, useState } from 'react';
import type { Job, Task } from '../../../shared/jobs/model';
import { DataTable, type Column } from '../../components/data-table';
import { Link } from '../../components/link';
import { ErrorNotice, Notice } from '../../components/notice';
import { StatusBadge } from '../../components/status-badge';
import { elapsed, formatDuration, shortSha, timeAgo } from '../../lib/format';
import { navigate } from '../../lib/router';
import { upsertById } from '../../lib/upsert';
import type { ApiResult } from '../../lib/rpc/master-api';
import { isAdminScope, useSession } from '../../lib/session/session-store';
import { useLive, useNow } from '../use-live';
import { useTitle } from '../use-title';
import { BlobList } from './blob-list';
import { branchOf, JobStatusBadge } from './jobs-page';

type JobResult = ApiResult<'Job.Get'>;

export const FAILED = new Set(['failure', 'error', 'timeout', 'expired']);

export const taskLabel = (t: Task): string => (t.name && t.name !== t.args[0] ? t.name : t.args.join(' '));

export function JobPage({ id }: { id: string }) {
  const now = useNow(1000);
  const scope = useSession((s) => s.scope);
  const [show, setShow] = useState<'all' | 'failed' | 'active'>('all');
  const [actionError, setActionError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const live = useLive<JobResult>(
    () => useSession.getState().rpc!.call('Job.Get', { job: id }),
    [id],
    [`job/${id}`],
    (ev, d) => {
      if (ev.type === 'job.updated' || ev.type === 'job.created') return { ...d, job: ev.data as Job };
      if (ev.type === 'task.created' || ev.type === 'task.updated') return { ...d, tasks: upsertById(d.tasks, ev.data as Task) };
      return d;
    },
  );

  useEffect(() => {
    const k = (e: KeyboardEvent): void => {
      if ((e.target as HTMLElement).closest('input, textarea, select') || e.ctrlKey || e.metaKey) return;
      if (e.key === 'x') setShow((s) => (s === 'failed' ? 'all' : 'failed'));
    };
    window.addEventListener('keydown', k);
    return () => window.removeEventListener('keydown', k);
  }, []);

  const tasks = live.data?.tasks ?? [];
  const byId = useMemo(() => new Map(tasks.map((t) => [t.id, t])), [tasks]);
  const failed = tasks.filter((t) => FAILED.has(t.status));
  const shown = show === 'failed' ? failed : show === 'active' ? tasks.filter((t) => t.status === 'running' || t.status === 'queued') : tasks;

  useTitle(live.data ? `${live.data.job.status} · ${live.data.job.title || `Job ${id}`}` : `Job ${id}`);
  if (live.error !== undefined && !live.data) return <ErrorNotice error={live.error} what={`job ${id}`} />;
  if (!live.data) return <div className="loading">Loading job {id}…</div>;
  const job = live.data.job;
  const admin = isAdminScope(scope);

  const act = async (what: 'cancel' | 'retry'): Promise<void> => {
    setBusy(true);
    setActionError(undefined);
    try {
      const rpc = useSession.getState().rpc!;
      if (what === 'cancel') {
        const r = await rpc.call('Job.Cancel', { job: id, reason: 'cancelled from the dashboard' });
        live.patch((d) => ({ ...d, job: r.job }));
      } else {
        const r = await rpc.call('Job.Retry', { job: id });
        navigate(`/jobs/${r.job}`);
      }
    } catch (e) {
      setActionError(`${what} failed: ${(e as Error).message}`);
    } finally {
      setBusy(false);
    }
  };

  const columns: Column<Task>[] = [
    { key: 'status', header: 'Status', render: (t) => <StatusBadge status={t.status} title={t.reason ? `${t.status}: ${t.reason}` : undefined} /> },
    {
      key: 'name',
      header: 'Task',
      render: (t) => (
        <Link href={`/tasks/${t.id}`} title={t.args.join(' ')} className="task-name">
          {taskLabel(t)}
        </Link>
      ),
    },
    {
      key: 'parent',
      header: 'Parent',
      render: (t) => {
        const p = t.parent ? byId.get(t.parent) : undefined;
        return t.parent ? <Link href={`/tasks/${t.parent}`} className="muted">{p ? taskLabel(p) : t.parent}</Link> : <span className="muted">root</span>;
      },
    },
    { key: 'topic', header: 'Topic', render: (t) => <span className="mono">{t.topic}</span> },
    { key: 'attempts', header: 'Att.', className: 'num', title: 'attempts', render: (t) => (t.attempts > 1 ? <strong title="retried">{t.attempts}</strong> : t.attempts) },
    { key: 'agent', header: 'Agent / board', render: (t) => <span className="ellipsis">{[t.agent, t.board].filter(Boolean).join(' · ')}</span> },
    { key: 'duration', header: 'Duration', className: 'num', render: (t) => formatDuration(elapsed(t.startedAt, t.finishedAt, now)) },
    { key: 'exit', header: 'Exit', className: 'num', render: (t) => (t.exitCode === undefined ? '' : <span className={t.exitCode === 0 ? undefined : 'exit-bad'}>{t.exitCode}</span>) },
  ];

  return (
    <section className="page">
      <div className="breadcrumbs">
        <Link href="/">Jobs</Link> › {job.id}
      </div>
      <div className="page-head">
        <h1>
          <JobStatusBadge job={job} /> <span className="title">{job.title || `Job ${job.id}`}</span>
        </h1>
        <span className="spacer" />
        {admin && !job.finished && (
          <button type="button" className="danger" disabled={busy} onClick={() => confirm(`Cancel job ${job.id} and its unfinished tasks?`) && void act('cancel')}>
            Cancel job
          </button>
        )}
        {admin && job.finished && (
          <button type="button" disabled={busy} onClick={() => void act('retry')}>
            Retry
          </button>
        )}
      </div>
      {actionError && <Notice kind="error" title={actionError} />}
      <dl className="facts">
        {job.repo && (
          <>
            <dt>Repository</dt>
            <dd>{job.repo}</dd>
          </>
        )}
        {job.pr !== undefined && (
          <>
            <dt>PR</dt>
            <dd>#{job.pr}</dd>
          </>
        )}
        {job.ref && (
          <>
            <dt>Branch</dt>
            <dd className="mono">{branchOf(job.ref)}</dd>
          </>
        )}
        {job.sha && (
          <>
            <dt>Commit</dt>
            <dd className="mono" title={job.sha}>
              {shortSha(job.sha)}
            </dd>
          </>
        )}
        <dt>Started</dt>
        <dd title={job.createdAt}>{timeAgo(job.createdAt, now)}</dd>
        <dt>Duration</dt>
        <dd>{formatDuration(elapsed(job.createdAt, job.finishedAt, now))}</dd>
        <dt>Tasks</dt>
        <dd>
          {job.tasksDone}/{job.tasksTotal} done{job.tasksFailed ? `, ${job.tasksFailed} failed` : ''}
        </dd>
        {job.retryOf && (
          <>
            <dt>Retry of</dt>
            <dd>
              <Link href={`/jobs/${job.retryOf}`}>{job.retryOf}</Link>
            </dd>
          </>
        )}
        {job.cancelReason && (
          <>
            <dt>Cancelled</dt>
            <dd>{job.cancelReason}</dd>
          </>
        )}
      </dl>
      {failed.length > 0 && (
        <div className="failures" data-testid="failures">
          <strong>
            {failed.length} failed task{failed.length > 1 ? 's' : ''}:
          </strong>{' '}
          {failed.slice(0, 8).map((t) => (
            <Link key={t.id} href={`/tasks/${t.id}`} className="fail-link">
              {taskLabel(t)} <span className="muted">({t.status}{t.exitCode !== undefined ? `, exit ${t.exitCode}` : ''})</span>
            </Link>
          ))}
          {failed.length > 8 && <span> and {failed.length - 8} more</span>}
        </div>
      )}
      <div className="section-head">
        <h2>Tasks</h2>
        <div className="seg" role="group" aria-label="show tasks">
          {(['all', 'failed', 'active'] as const).map((s) => (
            <button key={s} type="button" className={show === s ? 'on' : undefined} onClick={() => setShow(s)} title={s === 'failed' ? 'x' : undefined}>
              {s} ({s === 'all' ? tasks.length : s === 'failed' ? failed.length : tasks.filter((t) => t.status === 'running' || t.status === 'queued').length})
            </button>
          ))}
        </div>
      </div>
      {shown.length === 0 ? (
        <Notice title={show === 'all' ? 'No tasks yet.' : `No ${show} tasks.`} />
      ) : (
        <DataTable label="tasks" rows={shown} columns={columns} rowKey={(t) => t.id} onOpen={(t) => navigate(`/tasks/${t.id}`)} rowClass={(t) => `row-${t.status}`} keyboard />
      )}
      <BlobList job={job.id} finished={job.finished} />
    </section>
  );
}
