// SQLite implementation of the state seam. Only this file knows the jobs/tasks/attempts tables.
import type { Statement } from 'better-sqlite3';
import type { SqliteDb } from '../db/sqlite-db';
import type { AttemptRow, JobQuery, JobRow, StateStore, TaskRow } from './state-store';

const MIGRATIONS = [
  `CREATE TABLE jobs (
     id INTEGER PRIMARY KEY, status TEXT NOT NULL, finished INTEGER NOT NULL, trigger TEXT NOT NULL,
     title TEXT, repo TEXT, sha TEXT, ref TEXT, pr INTEGER, root_task INTEGER NOT NULL,
     tasks_total INTEGER NOT NULL, tasks_done INTEGER NOT NULL, tasks_failed INTEGER NOT NULL,
     first_failed_task INTEGER, retry_of INTEGER, created_at INTEGER NOT NULL, finished_at INTEGER,
     cancel_reason TEXT, env TEXT NOT NULL, root TEXT NOT NULL);
   CREATE INDEX jobs_status ON jobs(status, id);
   CREATE INDEX jobs_unfinished ON jobs(finished, id);
   CREATE INDEX jobs_repo_pr ON jobs(repo, pr, id);
   CREATE TABLE tasks (
     id INTEGER PRIMARY KEY, job INTEGER NOT NULL, parent INTEGER, name TEXT NOT NULL, topic TEXT NOT NULL,
     args TEXT NOT NULL, env TEXT NOT NULL, image TEXT, timeout_s INTEGER NOT NULL, status TEXT NOT NULL,
     attempts INTEGER NOT NULL, exit_code INTEGER, reason TEXT, agent TEXT, board TEXT,
     created_at INTEGER NOT NULL, started_at INTEGER, finished_at INTEGER, message_id TEXT);
   CREATE INDEX tasks_job ON tasks(job, id);
   CREATE INDEX tasks_active ON tasks(status) WHERE status IN ('queued', 'running');
   CREATE TABLE attempts (
     task INTEGER NOT NULL, attempt INTEGER NOT NULL, status TEXT NOT NULL, agent TEXT NOT NULL, board TEXT,
     ack_id TEXT NOT NULL, subscription TEXT NOT NULL, token_hash TEXT NOT NULL, exit_code INTEGER, reason TEXT,
     started_at INTEGER NOT NULL, finished_at INTEGER, log_bytes INTEGER NOT NULL,
     PRIMARY KEY (task, attempt)) WITHOUT ROWID;
   CREATE INDEX attempts_ack ON attempts(ack_id);`,
];

type Raw = Record<string, unknown>;

const JOB_COLUMNS = [
  'id', 'status', 'finished', 'trigger', 'title', 'repo', 'sha', 'ref', 'pr', 'root_task', 'tasks_total', 'tasks_done',
  'tasks_failed', 'first_failed_task', 'retry_of', 'created_at', 'finished_at', 'cancel_reason', 'env', 'root',
];
const TASK_COLUMNS = [
  'id', 'job', 'parent', 'name', 'topic', 'args', 'env', 'image', 'timeout_s', 'status', 'attempts', 'exit_code', 'reason',
  'agent', 'board', 'created_at', 'started_at', 'finished_at', 'message_id',
];
const ATTEMPT_COLUMNS = [
  'task', 'attempt', 'status', 'agent', 'board', 'ack_id', 'subscription', 'token_hash', 'exit_code', 'reason', 'started_at',
  'finished_at', 'log_bytes',
];
/**
 * An upsert with positional parameters in `columns` order (the param builders below follow
 * it). An update rather than INSERT OR REPLACE: a replace deletes the row and every index
 * entry and inserts them again; an update leaves alone the indexes on identity columns
 * (`fixed`: a task's job, a job's repo and PR, an attempt's ackId), which never change.
 */
function upsert(table: string, columns: string[], key: string[], fixed: string[]): string {
  const set = columns.filter((c) => !key.includes(c) && !fixed.includes(c)).map((c) => `${c} = excluded.${c}`);
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})
    ON CONFLICT(${key.join(', ')}) DO UPDATE SET ${set.join(', ')}`;
}

/**
 * JSON of values that never change once a row exists (a task's args and env, a job's env and
 * root), serialised once rather than on every status change. Keyed by the value itself, so a
 * field given a new object is serialised again; nothing mutates these in place.
 */
const jsonCache = new WeakMap<object, string>();
function frozenJson(v: object): string {
  let s = jsonCache.get(v);
  if (s === undefined) jsonCache.set(v, (s = JSON.stringify(v)));
  return s;
}

const json = <T>(v: unknown): T => JSON.parse(v as string) as T;
const num = (v: unknown): number | null => (v === null || v === undefined ? null : (v as number));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : (v as string));

function jobFrom(r: Raw): JobRow {
  return {
    id: r.id as number,
    status: r.status as JobRow['status'],
    finished: r.finished === 1,
    trigger: r.trigger as JobRow['trigger'],
    title: str(r.title),
    repo: str(r.repo),
    sha: str(r.sha),
    ref: str(r.ref),
    pr: num(r.pr),
    rootTask: r.root_task as number,
    tasksTotal: r.tasks_total as number,
    tasksDone: r.tasks_done as number,
    tasksFailed: r.tasks_failed as number,
    firstFailedTask: num(r.first_failed_task),
    retryOf: num(r.retry_of),
    createdAt: r.created_at as number,
    finishedAt: num(r.finished_at),
    cancelReason: str(r.cancel_reason),
    env: json(r.env),
    root: json(r.root),
  };
}

function taskFrom(r: Raw): TaskRow {
  return {
    id: r.id as number,
    job: r.job as number,
    parent: num(r.parent),
    name: r.name as string,
    topic: r.topic as string,
    args: json(r.args),
    env: json(r.env),
    image: str(r.image),
    timeoutSeconds: r.timeout_s as number,
    status: r.status as TaskRow['status'],
    attempts: r.attempts as number,
    exitCode: num(r.exit_code),
    reason: str(r.reason),
    agent: str(r.agent),
    board: str(r.board),
    createdAt: r.created_at as number,
    startedAt: num(r.started_at),
    finishedAt: num(r.finished_at),
    messageId: str(r.message_id),
  };
}

function attemptFrom(r: Raw): AttemptRow {
  return {
    task: r.task as number,
    attempt: r.attempt as number,
    status: r.status as AttemptRow['status'],
    agent: r.agent as string,
    board: str(r.board),
    ackId: r.ack_id as string,
    subscription: r.subscription as string,
    tokenHash: r.token_hash as string,
    exitCode: num(r.exit_code),
    reason: str(r.reason),
    startedAt: r.started_at as number,
    finishedAt: num(r.finished_at),
    logBytes: r.log_bytes as number,
  };
}

/** Values in JOB_COLUMNS order. */
function jobParams(j: JobRow): unknown[] {
  return [
    j.id, // id
    j.status, // status
    j.finished ? 1 : 0, // finished
    j.trigger, // trigger
    j.title, // title
    j.repo, // repo
    j.sha, // sha
    j.ref, // ref
    j.pr, // pr
    j.rootTask, // root_task
    j.tasksTotal, // tasks_total
    j.tasksDone, // tasks_done
    j.tasksFailed, // tasks_failed
    j.firstFailedTask, // first_failed_task
    j.retryOf, // retry_of
    j.createdAt, // created_at
    j.finishedAt, // finished_at
    j.cancelReason, // cancel_reason
    frozenJson(j.env), // env
    frozenJson(j.root), // root
  ];
}

/** Values in TASK_COLUMNS order. */
function taskParams(t: TaskRow): unknown[] {
  return [
    t.id, // id
    t.job, // job
    t.parent, // parent
    t.name, // name
    t.topic, // topic
    frozenJson(t.args), // args
    frozenJson(t.env), // env
    t.image, // image
    t.timeoutSeconds, // timeout_s
    t.status, // status
    t.attempts, // attempts
    t.exitCode, // exit_code
    t.reason, // reason
    t.agent, // agent
    t.board, // board
    t.createdAt, // created_at
    t.startedAt, // started_at
    t.finishedAt, // finished_at
    t.messageId, // message_id
  ];
}

/** Values in ATTEMPT_COLUMNS order. */
function attemptParams(a: AttemptRow): unknown[] {
  return [
    a.task, // task
    a.attempt, // attempt
    a.status, // status
    a.agent, // agent
    a.board, // board
    a.ackId, // ack_id
    a.subscription, // subscription
    a.tokenHash, // token_hash
    a.exitCode, // exit_code
    a.reason, // reason
    a.startedAt, // started_at
    a.finishedAt, // finished_at
    a.logBytes, // log_bytes
  ];
}

export class SqliteStateStore implements StateStore {
  private readonly s: Record<string, Statement>;
  /**
   * Rows changed since the last group commit, written once each when it runs, with their state
   * at that moment: a job's row changes with every task spawned or finished, a task's with each
   * step of its attempt, and a busy turn would otherwise write the same row many times.
   */
  private readonly dirtyJobs = new Map<number, JobRow>();
  private readonly dirtyTasks = new Map<number, TaskRow>();
  private readonly dirtyAttempts = new Map<string, AttemptRow>();

  constructor(private readonly sql: SqliteDb) {
    sql.migrate('jobs', MIGRATIONS);
    const db = sql.db;
    this.s = {
      putJob: db.prepare(upsert('jobs', JOB_COLUMNS, ['id'], ['repo', 'pr'])),
      putTask: db.prepare(upsert('tasks', TASK_COLUMNS, ['id'], ['job'])),
      putAttempt: db.prepare(upsert('attempts', ATTEMPT_COLUMNS, ['task', 'attempt'], ['ack_id'])),
      getJob: db.prepare('SELECT * FROM jobs WHERE id = ?'),
      getTask: db.prepare('SELECT * FROM tasks WHERE id = ?'),
      tasksOfJob: db.prepare('SELECT * FROM tasks WHERE job = ? ORDER BY id'),
      attemptsOfTask: db.prepare('SELECT * FROM attempts WHERE task = ? ORDER BY attempt'),
      attemptByAck: db.prepare('SELECT * FROM attempts WHERE ack_id = ?'),
      runningOfPr: db.prepare('SELECT * FROM jobs WHERE repo = ? AND pr = ? AND finished = 0 ORDER BY id'),
      newestOfCommit: db.prepare('SELECT * FROM jobs WHERE repo = ? AND sha = ? ORDER BY id DESC LIMIT 1'),
      maxJob: db.prepare('SELECT COALESCE(MAX(id), 0) AS m FROM jobs'),
      maxTask: db.prepare('SELECT COALESCE(MAX(id), 0) AS m FROM tasks'),
    };
  }

  maxIds(): { job: number; task: number } {
    return { job: (this.s.maxJob!.get() as { m: number }).m, task: (this.s.maxTask!.get() as { m: number }).m };
  }

  loadActive(): { jobs: JobRow[]; tasks: TaskRow[]; attempts: AttemptRow[] } {
    const db = this.sql.db;
    return {
      jobs: (db.prepare('SELECT * FROM jobs WHERE finished = 0 ORDER BY id').all() as Raw[]).map(jobFrom),
      tasks: (db.prepare("SELECT * FROM tasks WHERE status IN ('queued', 'running') ORDER BY id").all() as Raw[]).map(taskFrom),
      attempts: (db.prepare("SELECT * FROM attempts WHERE status = 'running'").all() as Raw[]).map(attemptFrom),
    };
  }

  putJob(j: JobRow): void {
    if (this.dirtyJobs.size === 0) this.sql.enqueue(() => this.writeDirty(this.dirtyJobs, this.s.putJob!, jobParams));
    this.dirtyJobs.set(j.id, j);
  }

  putTask(t: TaskRow): void {
    if (this.dirtyTasks.size === 0) this.sql.enqueue(() => this.writeDirty(this.dirtyTasks, this.s.putTask!, taskParams));
    this.dirtyTasks.set(t.id, t);
  }

  putAttempt(a: AttemptRow): void {
    if (this.dirtyAttempts.size === 0) this.sql.enqueue(() => this.writeDirty(this.dirtyAttempts, this.s.putAttempt!, attemptParams));
    this.dirtyAttempts.set(`${a.task}/${a.attempt}`, a);
  }

  private writeDirty<K, R>(rows: Map<K, R>, stmt: Statement, params: (r: R) => unknown[]): void {
    for (const r of rows.values()) stmt.run(params(r));
    rows.clear();
  }

  getJob(id: number): JobRow | undefined {
    this.sql.flushNow();
    const r = this.s.getJob!.get(id) as Raw | undefined;
    return r ? jobFrom(r) : undefined;
  }

  getTask(id: number): TaskRow | undefined {
    this.sql.flushNow();
    const r = this.s.getTask!.get(id) as Raw | undefined;
    return r ? taskFrom(r) : undefined;
  }

  tasksOfJob(job: number): TaskRow[] {
    this.sql.flushNow();
    return (this.s.tasksOfJob!.all(job) as Raw[]).map(taskFrom);
  }

  attemptsOfTask(task: number): AttemptRow[] {
    this.sql.flushNow();
    return (this.s.attemptsOfTask!.all(task) as Raw[]).map(attemptFrom);
  }

  attemptByAckId(ackId: string): AttemptRow | undefined {
    this.sql.flushNow();
    const r = this.s.attemptByAck!.get(ackId) as Raw | undefined;
    return r ? attemptFrom(r) : undefined;
  }

  runningJobsOf(repo: string, pr: number): JobRow[] {
    this.sql.flushNow();
    return (this.s.runningOfPr!.all(repo, pr) as Raw[]).map(jobFrom);
  }

  newestJobOfCommit(repo: string, sha: string): JobRow | undefined {
    this.sql.flushNow();
    const r = this.s.newestOfCommit!.get(repo, sha) as Raw | undefined;
    return r ? jobFrom(r) : undefined;
  }

  listJobs(q: JobQuery): { jobs: JobRow[]; total: number } {
    this.sql.flushNow();
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (clause: string, v: unknown): void => {
      where.push(clause);
      args.push(v);
    };
    if (q.status !== undefined) add('status = ?', q.status);
    if (q.finished !== undefined) add('finished = ?', q.finished ? 1 : 0);
    if (q.repo !== undefined) add('repo = ?', q.repo);
    if (q.pr !== undefined) add('pr = ?', q.pr);
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = (this.sql.db.prepare(`SELECT COUNT(*) AS n FROM jobs ${filter}`).get(...args) as { n: number }).n;
    const pageWhere = q.before !== undefined ? (filter ? `${filter} AND id < ?` : 'WHERE id < ?') : filter;
    const pageArgs = q.before !== undefined ? [...args, q.before] : args;
    const rows = this.sql.db.prepare(`SELECT * FROM jobs ${pageWhere} ORDER BY id DESC LIMIT ?`).all(...pageArgs, q.limit) as Raw[];
    return { jobs: rows.map(jobFrom), total };
  }
}
