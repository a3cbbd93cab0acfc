// Tasks: what runs on the bench's boards now and what ran recently, with the selected task's
// log in the shared log viewer (ANSI, virtualised, search, follow): the tail read from the
// bench, older bytes from the master, live chunks from the bench's events. Lines the bench
// captured from the board read `[serial] …`.
import { useEffect, useMemo, useState } from 'react';
import { LogViewer } from '../../components/log-viewer/log-viewer';
import { LogSession } from '../../lib/log/log-session';
import type { BenchTask } from '../../../shared/bench/model';
import { TaskStatus } from '../components/badges';
import { useBench, useWatch } from '../lib/bench-store';
import { ago, duration } from '../lib/format';
import { href } from '../lib/router';

export function TasksPage({ id }: { id?: string }) {
  const tasks = Object.values(useBench((s) => s.tasks)).sort(
    (a, b) => Number(b.status === 'running') - Number(a.status === 'running') || b.startedAt.localeCompare(a.startedAt),
  );
  const selected = id ?? tasks[0]?.id;
  const task = useBench((s) => (selected ? s.tasks[selected] : undefined));
  const [, tick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(t);
  }, []);

  return (
    <div className="page split">
      <div className="split-list">
        <h1>Tasks</h1>
        {tasks.length === 0 && <p className="empty">No tasks yet. Boards pull work from their topics; jobs that spawn tasks there run here.</p>}
        <ul className="task-list" aria-label="tasks">
          {tasks.map((t) => (
            <li key={t.id} className={t.id === selected ? 'selected' : undefined}>
              <a href={href({ page: 'tasks', id: t.id })} data-task={t.id}>
                <span className="task-title">
                  task {t.id} <TaskStatus task={t} />
                </span>
                <span className="muted ellipsis" title={t.args.join(' ')}>
                  {t.name || t.args.join(' ')}
                </span>
                <span className="muted">
                  {t.board} · job {t.job} · {t.status === 'running' ? `running ${duration(t.startedAt)}` : `${ago(t.finishedAt)}, took ${duration(t.startedAt, t.finishedAt)}`}
                </span>
              </a>
            </li>
          ))}
        </ul>
      </div>
      <div className="split-detail">
        {task ? (
          <>
            <div className="page-head">
              <h2>
                Task {task.id} <TaskStatus task={task} />
              </h2>
              <span className="muted">
                job {task.job}, attempt {task.attempt}, on <a href={href({ page: 'board', id: task.board })}>{task.board}</a>, topic <span className="mono">{task.topic}</span>
                {task.exitCode !== undefined && task.status !== 'running' ? `, exit code ${task.exitCode}` : ''}
              </span>
            </div>
            <TaskLog key={`${task.id}/${task.attempt}`} task={task} />
          </>
        ) : (
          selected && <p className="empty">Task {selected} is not among this bench's recent tasks.</p>
        )}
      </div>
    </div>
  );
}

function TaskLog({ task }: { task: BenchTask }) {
  const call = useBench((s) => s.call);
  const onTaskLog = useBench((s) => s.onTaskLog);
  const reconnects = useBench((s) => s.reconnects);
  const session = useMemo(() => new LogSession((offset, limit) => call('Tasks.Log', { task: task.id, offset, limit })), [call, task.id]);
  useWatch('tasks', task.id);
  useEffect(() => {
    // Chunks that come before the tail is read wait in the session; a gap is read back.
    const off = onTaskLog(task.id, (offset, text) => session.chunk(offset, text));
    void session.open();
    return () => {
      off();
      session.close();
    };
  }, [session, onTaskLog, task.id]);
  useEffect(() => {
    if (reconnects) void session.catchUp();
  }, [reconnects, session]);
  const done = task.status !== 'running';
  useEffect(() => {
    if (done) void session.finish();
  }, [done, session]);
  return (
    <div className="task-log" data-testid="task-log">
      <LogViewer session={session} live={!done} />
    </div>
  );
}
