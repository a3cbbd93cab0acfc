// One task: its live log (tail first, older bytes on demand, ANSI colours, follow, search,
// raw download) and an attempt selector. Live through `job/<id>` and `task/<id>/log`.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { Attempt, Task } from '../../../shared/jobs/model';
import { LogViewer } from '../../components/log-viewer/log-viewer';
import { Link } from '../../components/link';
import { ErrorNotice, Notice } from '../../components/notice';
import { StatusBadge } from '../../components/status-badge';
import { downloadWithToken } from '../../lib/download';
import { elapsed, formatDuration, timeAgo } from '../../lib/format';
import { LogSession } from '../../lib/log/log-session';
import { navigate, useLocation, withQuery } from '../../lib/router';
import type { ApiResult } from '../../lib/rpc/master-api';
import { isAdminScope, useSession } from '../../lib/session/session-store';
import { useLive, useNow } from '../use-live';
import { useTitle } from '../use-title';
import { taskLabel } from './job-page';

type TaskResult = ApiResult<'Task.Get'>;

const TERMINAL = new Set(['success', 'failure', 'error', 'timeout', 'cancelled', 'expired', 'lost', 'released']);

export function TaskPage({ id }: { id: string }) {
  const now = useNow(1000);
  const { query } = useLocation();
  const scope = useSession((s) => s.scope);
  const [actionError, setActionError] = useState<string>();
  const live = useLive<TaskResult>(() => useSession.getState().rpc!.call('Task.Get', { task: id }), [id]);
  const jobId = live.data?.task.job;

  // Task changes arrive on the job's topic, known once the task is read: subscribe, then read
  // again so nothing that happened in between is missed. A new attempt means new attempts.
  const attemptCount = live.data?.attempts.length;
  const countRef = useRef(attemptCount);
  countRef.current = attemptCount;
  const { patch, reload } = live;
  useEffect(() => {
    const hub = useSession.getState().hub;
    if (!hub || !jobId) return;
    let alive = true;
    const sub = hub.subscribe(`job/${jobId}`, (ev) => {
      if (ev.type !== 'task.updated' && ev.type !== 'task.created') return;
      const t = ev.data as Task;
      if (t.id !== id) return;
      patch((d) => ({ ...d, task: t }));
      if (t.attempts !== countRef.current || TERMINAL.has(t.status)) reload();
    });
    void sub.ready.then(() => {
      if (alive) reload();
    });
    return () => {
      alive = false;
      sub.off();
    };
  }, [jobId, id, patch, reload]);

  const attempts = live.data?.attempts ?? [];
  const latest = attempts.length ? Math.max(...attempts.map((a) => a.attempt)) : 0;
  const wanted = Number(query.get('attempt'));
  const attemptNo = wanted && attempts.some((a) => a.attempt === wanted) ? wanted : latest;
  const attempt: Attempt | undefined = attempts.find((a) => a.attempt === attemptNo);
  const attemptDone = attempt ? TERMINAL.has(attempt.status) : false;

  useTitle(live.data ? `${live.data.task.status} · ${taskLabel(live.data.task)}` : `Task ${id}`);
  if (live.error !== undefined && !live.data) return <ErrorNotice error={live.error} what={`task ${id}`} />;
  if (!live.data) return <div className="loading">Loading task {id}…</div>;
  const task = live.data.task;

  const cancel = async (): Promise<void> => {
    setActionError(undefined);
    try {
      const r = await useSession.getState().rpc!.call('Task.Cancel', { task: id, reason: 'cancelled from the dashboard' });
      live.patch((d) => ({ ...d, task: r.task }));
    } catch (e) {
      setActionError(`cancel failed: ${(e as Error).message}`);
    }
  };

  return (
    <section className="page page-task">
      <div className="breadcrumbs">
        <Link href="/">Jobs</Link> › <Link href={`/jobs/${task.job}`}>{task.job}</Link> › {task.id}
      </div>
      <div className="page-head">
        <h1>
          <StatusBadge status={task.status} title={task.reason} /> <span className="title" title={task.args.join(' ')}>{taskLabel(task)}</span>
        </h1>
        <span className="spacer" />
        {isAdminScope(scope) && !TERMINAL.has(task.status) && (
          <button type="button" className="danger" onClick={() => confirm(`Cancel task ${task.id}?`) && void cancel()}>
            Cancel task
          </button>
        )}
      </div>
      {actionError && <Notice kind="error" title={actionError} />}
      <dl className="facts">
        <dt>Topic</dt>
        <dd className="mono">{task.topic}</dd>
        <dt>Args</dt>
        <dd className="mono ellipsis" title={task.args.join(' ')}>
          {task.args.join(' ')}
        </dd>
        {task.parent && (
          <>
            <dt>Parent</dt>
            <dd>
              <Link href={`/tasks/${task.parent}`}>{task.parent}</Link>
            </dd>
          </>
        )}
        {(task.agent || task.board) && (
          <>
            <dt>Agent / board</dt>
            <dd>{[task.agent, task.board].filter(Boolean).join(' · ')}</dd>
          </>
        )}
        <dt>Duration</dt>
        <dd>{formatDuration(elapsed(task.startedAt, task.finishedAt, now)) || '–'}</dd>
        {task.exitCode !== undefined && (
          <>
            <dt>Exit code</dt>
            <dd className={task.exitCode === 0 ? undefined : 'exit-bad'}>{task.exitCode}</dd>
          </>
        )}
        {task.reason && (
          <>
            <dt>Reason</dt>
            <dd>{task.reason}</dd>
          </>
        )}
        <dt>Created</dt>
        <dd title={task.createdAt}>{timeAgo(task.createdAt, now)}</dd>
      </dl>
      {attempts.length === 0 ? (
        TERMINAL.has(task.status) ? (
          <Notice title={`This task ended (${task.status}) without running.`}>{task.reason}</Notice>
        ) : (
          <Notice title={`Queued on ${task.topic}: waiting for an agent.`}>
            Nothing pulls this topic right now? Start one: <code>ourci agent -t {task.topic}</code>
          </Notice>
        )
      ) : (
        <TaskLog
          key={`${id}#${attemptNo}`}
          task={id}
          attempt={attemptNo}
          done={attemptDone}
          selector={
            <select
              aria-label="attempt"
              value={attemptNo}
              onChange={(e) => navigate(withQuery(`/tasks/${id}`, { attempt: Number(e.target.value) === latest ? undefined : e.target.value }), { replace: true })}
            >
              {[...attempts]
                .sort((a, b) => b.attempt - a.attempt)
                .map((a) => (
                  <option key={a.attempt} value={a.attempt}>
                    attempt {a.attempt}: {a.status}
                    {a.agent ? ` on ${a.agent}` : ''}
                  </option>
                ))}
            </select>
          }
        />
      )}
    </section>
  );
}

function TaskLog({ task, attempt, done, selector }: { task: string; attempt: number; done: boolean; selector: React.ReactNode }) {
  const session = useMemo(
    () => new LogSession((offset, limit) => useSession.getState().rpc!.call('Log.Read', { task, attempt, offset, limit }, { retry: true, timeoutMs: 60_000 })),
    [task, attempt],
  );
  useEffect(() => {
    const hub = useSession.getState().hub!;
    let alive = true;
    const sub = hub.subscribe(`task/${task}/log`, (ev) => {
      const c = ev.data as { task?: string; attempt?: number; offset: number; data: string };
      if (ev.type === 'log.chunk' && (c.attempt === undefined || c.attempt === attempt)) session.chunk(c.offset, c.data);
    });
    const offResync = hub.onResync(() => void session.catchUp());
    // Read the tail only once chunks are sure to reach us: none can fall in between.
    void sub.ready.then(() => {
      if (alive) void session.open();
    });
    return () => {
      alive = false;
      sub.off();
      offResync();
      session.close();
    };
  }, [session, task, attempt]);
  useEffect(() => {
    if (done) void session.finish();
  }, [done, session]);
  const [err, setErr] = useState<string>();
  return (
    <>
      {err && <Notice kind="error" title={err} />}
      <LogViewer
        session={session}
        live={!done}
        toolbarStart={selector}
        onDownload={() => {
          setErr(undefined);
          downloadWithToken(`/logs/${encodeURIComponent(task)}?attempt=${attempt}`, useSession.getState().token, `${task}.${attempt}.log`).catch((e: Error) => setErr(e.message));
        }}
      />
    </>
  );
}
