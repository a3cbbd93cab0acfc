// Tasks: what runs on the bench's boards now and what ran recently, with the selected task's
// log streaming live (the board's serial lines in it marked [serial]).
import { useEffect, useState } from 'react';
import { TaskStatus } from '../components/badges';
import { LogView } from '../components/log-view';
import { useBench, useWatch } from '../lib/bench-store';
import { ago, duration } from '../lib/format';
import { href } from '../lib/router';

export function TasksPage({ id }: { id?: string }) {
  const tasks = Object.values(useBench((s) => s.tasks)).sort(
    (a, b) => Number(b.status === 'running') - Number(a.status === 'running') || b.startedAt.localeCompare(a.startedAt),
  );
  const selected = id ?? tasks[0]?.id;
  const task = useBench((s) => (selected ? s.tasks[selected] : undefined));
  const log = useBench((s) => (selected ? s.logs[selected] : undefined));
  const [, tick] = useState(0);
  useWatch('tasks', selected);
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
            <LogView text={log?.text ?? ''} truncated={log?.truncated ?? false} />
          </>
        ) : (
          selected && <p className="empty">Task {selected} is not among this bench's recent tasks.</p>
        )}
      </div>
    </div>
  );
}
