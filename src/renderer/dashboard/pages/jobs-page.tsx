// Jobs, newest first: live (new jobs appear, running ones update), filtered by status,
// repository and PR (kept in the URL), paged with Job.List's cursor through any number.
import { useEffect, useRef, useState } from 'react';
import type { Job } from '../../../shared/jobs/model';
import { DataTable, type Column } from '../../components/data-table';
import { Link } from '../../components/link';
import { ErrorNotice, Notice } from '../../components/notice';
import { StatusBadge } from '../../components/status-badge';
import { elapsed, formatCount, formatDuration, shortSha, timeAgo } from '../../lib/format';
import { navigate, useLocation, withQuery } from '../../lib/router';
import type { ApiResult } from '../../lib/rpc/master-api';
import { useSession } from '../../lib/session/session-store';
import { useLive, useNow } from '../use-live';
import { useTitle } from '../use-title';

const PAGE = 50;
const STATUSES = ['running', 'success', 'failure', 'error', 'cancelled'] as const;

type ListResult = ApiResult<'Job.List'>;

/** Cursors of the pages before this one, so "Newer" works without a backwards cursor. */
const cursorTrail: string[] = [];

/** The verdict, and that it is still running when a task failed before the others finished. */
export function JobStatusBadge({ job }: { job: Job }) {
  return (
    <>
      <StatusBadge status={job.status} />
      {!job.finished && job.status !== 'running' && (
        <span className="still-running" title="the verdict is in, but some tasks still run">
          {' '}
          still running
        </span>
      )}
    </>
  );
}

export const branchOf = (ref: string | undefined): string => (ref ?? '').replace(/^refs\/(heads|tags)\//, '');

function matches(job: Job, f: { status?: string; repo?: string; pr?: number }): boolean {
  return (!f.status || job.status === f.status) && (!f.repo || job.repo === f.repo) && (f.pr === undefined || job.pr === f.pr);
}

export function JobsPage() {
  const { query } = useLocation();
  const status = query.get('status') ?? undefined;
  const repo = query.get('repo') ?? undefined;
  const prText = query.get('pr') ?? undefined;
  const pr = prText && /^\d+$/.test(prText) ? Number(prText) : undefined;
  const cursor = query.get('cursor') ?? undefined;
  const now = useNow(1000);
  const filters = { status, repo, pr };
  useTitle('Jobs');

  const live = useLive<ListResult>(
    () =>
      useSession.getState().rpc!.call('Job.List', {
        status: status as Job['status'] | undefined,
        repo,
        pr,
        cursor,
        limit: PAGE,
      }),
    [status, repo, pr, cursor],
    ['jobs'],
    (ev, d) => {
      const job = ev.data as Job;
      if (!job || typeof job !== 'object' || !job.id) return d;
      const i = d.jobs.findIndex((j) => j.id === job.id);
      if (i >= 0) {
        const jobs = d.jobs.slice();
        jobs[i] = job;
        return { ...d, jobs };
      }
      if (ev.type === 'job.created' && !cursor && matches(job, filters)) {
        return { ...d, jobs: [job, ...d.jobs].slice(0, PAGE), total: d.total + 1 };
      }
      return d;
    },
  );

  const setFilters = (over: Record<string, string | undefined>): void => {
    cursorTrail.length = 0;
    navigate(withQuery('/', { status, repo, pr: prText, ...over }), { replace: true });
  };
  const setFilter = (k: string, v: string | undefined): void => setFilters({ [k]: v });

  const columns: Column<Job>[] = [
    { key: 'status', header: 'Status', render: (j) => <JobStatusBadge job={j} /> },
    {
      key: 'job',
      header: 'Job',
      render: (j) => (
        <Link href={`/jobs/${j.id}`} className="job-title">
          {j.title || j.id}
        </Link>
      ),
    },
    { key: 'repo', header: 'Repository', render: (j) => (j.repo ? <button type="button" className="chip" onClick={() => setFilter('repo', j.repo)} title="only this repository">{j.repo}</button> : <span className="muted">{j.trigger}</span>) },
    { key: 'pr', header: 'PR', render: (j) => (j.pr ? <button type="button" className="chip" onClick={() => setFilter('pr', String(j.pr))} title="only this PR">#{j.pr}</button> : '') },
    { key: 'branch', header: 'Branch', render: (j) => <span className="mono ellipsis">{branchOf(j.ref)}</span> },
    { key: 'sha', header: 'SHA', render: (j) => <span className="mono" title={j.sha}>{shortSha(j.sha)}</span> },
    {
      key: 'tasks',
      header: 'Tasks',
      className: 'num',
      render: (j) => (
        <span title={`${j.tasksDone} of ${j.tasksTotal} tasks done, ${j.tasksFailed} failed`}>
          {j.tasksDone}/{j.tasksTotal}
          {j.tasksFailed > 0 && <span className="failed-count"> ✖{j.tasksFailed}</span>}
        </span>
      ),
    },
    { key: 'started', header: 'Started', render: (j) => <span title={j.createdAt}>{timeAgo(j.createdAt, now)}</span> },
    { key: 'duration', header: 'Duration', className: 'num', render: (j) => formatDuration(elapsed(j.createdAt, j.finishedAt, now)) },
  ];

  const d = live.data;
  const filtered = Boolean(status || repo || pr !== undefined);
  const firstIndex = cursorTrail.length * PAGE;

  return (
    <section className="page">
      <div className="page-head">
        <h1>Jobs</h1>
        <Filters status={status} repo={repo} pr={prText} onChange={setFilters} onClear={() => navigate('/', { replace: true })} />
      </div>
      {live.error !== undefined && <ErrorNotice error={live.error} what="jobs" />}
      {d && d.jobs.length === 0 && !live.loading && (
        filtered ? (
          <Notice title="No jobs match these filters.">
            <button type="button" onClick={() => navigate('/', { replace: true })}>
              Clear the filters
            </button>
          </Notice>
        ) : (
          <Notice title="No jobs yet.">
            Start one from a shell: <code>ourci run -t ourci/build/docker -- make</code>, or point a GitHub webhook at{' '}
            <code>{location.origin}/webhooks/github</code> and open a pull request.
          </Notice>
        )
      )}
      {d && d.jobs.length > 0 && (
        <>
          <DataTable
            label="jobs"
            rows={d.jobs}
            columns={columns}
            rowKey={(j) => j.id}
            onOpen={(j) => navigate(`/jobs/${j.id}`)}
            rowClass={(j) => `row-${j.status}`}
            keyboard
          />
          <div className="pager">
            <span>
              {formatCount(firstIndex + 1)}–{formatCount(firstIndex + d.jobs.length)} of {formatCount(d.total)}
            </span>
            <button
              type="button"
              disabled={!cursor}
              title="the newest jobs"
              onClick={() => {
                cursorTrail.length = 0;
                navigate(withQuery('/', { status, repo, pr: prText }));
              }}
            >
              ⇤ Newest
            </button>
            <button
              type="button"
              disabled={!cursor}
              onClick={() => {
                const prev = cursorTrail.pop();
                navigate(withQuery('/', { status, repo, pr: prText, cursor: prev || undefined }));
              }}
            >
              ← Newer
            </button>
            <button
              type="button"
              disabled={!d.nextCursor}
              onClick={() => {
                cursorTrail.push(cursor ?? '');
                navigate(withQuery('/', { status, repo, pr: prText, cursor: d.nextCursor }));
              }}
            >
              Older →
            </button>
          </div>
        </>
      )}
      {!d && live.loading && <div className="loading">Loading jobs…</div>}
    </section>
  );
}

function Filters(p: { status?: string; repo?: string; pr?: string; onChange(over: Record<string, string | undefined>): void; onClear(): void }) {
  const [repo, setRepo] = useState(p.repo ?? '');
  const [pr, setPr] = useState(p.pr ?? '');
  const repoInput = useRef<HTMLInputElement>(null);
  useEffect(() => setRepo(p.repo ?? ''), [p.repo]);
  useEffect(() => setPr(p.pr ?? ''), [p.pr]);
  useEffect(() => {
    const k = (e: KeyboardEvent): void => {
      if (e.key === '/' && !(e.target as HTMLElement).closest('input, textarea, select')) {
        e.preventDefault();
        repoInput.current?.focus();
      }
    };
    window.addEventListener('keydown', k);
    return () => window.removeEventListener('keydown', k);
  }, []);
  const prBad = pr !== '' && !/^\d+$/.test(pr);
  return (
    <form
      className="filters"
      onSubmit={(e) => {
        e.preventDefault();
        if (prBad) return;
        p.onChange({ repo: repo.trim() || undefined, pr: pr || undefined });
      }}
    >
      <div className="seg" role="group" aria-label="status">
        <button type="button" className={!p.status ? 'on' : undefined} onClick={() => p.onChange({ status: undefined })}>
          all
        </button>
        {STATUSES.map((s) => (
          <button key={s} type="button" className={p.status === s ? `on s-${s}` : undefined} onClick={() => p.onChange({ status: s })}>
            {s}
          </button>
        ))}
      </div>
      <input ref={repoInput} placeholder="repository (owner/name)  /" value={repo} onChange={(e) => setRepo(e.target.value)} aria-label="repository" />
      <input placeholder="PR" value={pr} onChange={(e) => setPr(e.target.value)} aria-label="pull request" className={prBad ? 'invalid' : 'narrow'} title={prBad ? 'a PR is a number' : undefined} />
      <button type="submit">Filter</button>
      {(p.status || p.repo || p.pr) && (
        <button type="button" className="link-button" onClick={p.onClear}>
          clear
        </button>
      )}
    </form>
  );
}
