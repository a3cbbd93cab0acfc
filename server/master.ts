// Composition root of the master: storage, services, RPC and HTTP wired together.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { loadOrCreateTokens, TokenStore, type StaticTokens, type TokenFiles } from './auth/token-store';
import { blobUrlFor, createBlobService, registerBlobMethods, registerBlobRoutes, type BlobService } from './blobs/index';
import type { MasterConfig } from './config';
import { registerDashboard } from './dashboard/index';
import { SqliteDb } from './db/sqlite-db';
import { HttpServer, sendJson } from './http/http-server';
import { Metrics } from './metrics/metrics';
import { HookHub } from './pubsub/hook-hub';
import { registerPubSubMethods } from './pubsub/pubsub-handlers';
import { PubSubService } from './pubsub/pubsub-service';
import { SqliteQueueStore } from './pubsub/sqlite-queue-store';
import { registerHttpRpc } from './rpc/http-rpc';
import { Registry } from './rpc/registry';
import { registerSysMethods } from './rpc/sys-handlers';
import { WsTransport } from './rpc/ws-transport';
import { AgentRegistry, registerAgentMethods } from './agents/agent-registry';
import { EventHub, registerEventMethods } from './events/event-hub';
import { registerJobMethods } from './jobs/job-handlers';
import { JobService } from './jobs/job-service';
import { SqliteStateStore } from './jobs/sqlite-state-store';
import { TaskTokens } from './jobs/task-tokens';
import { LogStore } from './logs/log-store';
import { isTerminalTask, type Task } from '../src/shared/jobs/model';
import { registerLogRoutes } from './logs/log-routes';
import { GitHubService, resolveGitHubConfig } from './github/index';

export interface Master {
  url: string;
  port: number;
  tokens: StaticTokens;
  tokenFiles: TokenFiles;
  dataDir: string;
  log: Logger;
  db: SqliteDb;
  pubsub: PubSubService;
  hooks: HookHub;
  registry: Registry;
  http: HttpServer;
  metrics: Metrics;
  events: EventHub;
  jobs: JobService;
  agents: AgentRegistry;
  blobs: BlobService;
  /** Present when GitHub is configured (config.github). */
  github?: GitHubService;
  close(): Promise<void>;
}

export async function createMaster(config: MasterConfig): Promise<Master> {
  const log = config.logger ?? pino({ level: 'info' }, pino.destination(2));
  // Checked before anything opens, so a wrong GitHub setting fails cleanly.
  const githubConfig = config.github ? resolveGitHubConfig(config.github) : undefined;
  const dataDir = resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const { tokens, files } = loadOrCreateTokens(dataDir, config.tokens);
  const tokenStore = new TokenStore(tokens);

  const db = new SqliteDb(join(dataDir, 'ourci.db'), { fsync: config.fsync, onFatal: config.onFatal });
  const hooks = new HookHub();
  const pubsub = new PubSubService(new SqliteQueueStore(db), hooks);

  const registry = new Registry({
    commit: () => db.commit(),
    onInternalError: (method, err) => log.error({ err, method }, 'internal error in RPC handler'),
  });
  const startedAt = Date.now();
  registerSysMethods(registry, { version: config.version, startedAt, publicRead: config.publicRead });
  registerPubSubMethods(registry, pubsub);
  const blobs = createBlobService({ dataDir, db, fsync: config.fsync, config: config.blobs, log });
  registerBlobMethods(registry, blobs);

  // Jobs, tasks, logs: the URL they hand to tasks is known once the server listens.
  let baseUrl = config.publicUrl ?? '';
  const events = new EventHub();
  const logs = new LogStore({ dir: join(dataDir, 'logs'), capBytes: config.logCapBytes });
  const taskTokens = new TaskTokens();
  tokenStore.addResolver((t) => taskTokens.resolve(t));
  const agents = new AgentRegistry(events);
  const stateStore = new SqliteStateStore(db);
  const jobs = new JobService({
    store: stateStore,
    pubsub,
    hooks,
    events,
    logs,
    tokens: taskTokens,
    publicUrl: () => baseUrl,
    blobUrl: (job, token) => blobUrlFor(baseUrl, job, token),
    fanoutCap: config.fanoutCap,
    timeoutGraceMs: config.timeoutGraceMs,
    onAttempt: (channel, current) => agents.setCurrent(channel, current),
  });
  registerJobMethods(registry, jobs, stateStore, logs);
  // Blob retention and the size cap evict blobs of finished jobs first.
  blobs.setJobLookup({ finishedAt: (j) => (/^\d+$/.test(j) ? (jobs.jobRow(Number(j))?.finishedAt ?? undefined) : undefined) });
  registerEventMethods(registry, events);
  registerAgentMethods(registry, agents);

  const ws = new WsTransport(registry);
  const metrics = new Metrics(
    () => pubsub,
    () => ws.connections,
    () => ({ ...jobs.activeCounts(), agents: agents.list().length }),
  );
  events.listen((_topic, type, data) => {
    if (type !== 'task.updated') return;
    const t = data as Task;
    if (!isTerminalTask(t.status)) return;
    metrics.tasksEnded.inc({ status: t.status, topic: t.topic });
    if (t.startedAt && t.finishedAt) {
      metrics.taskDuration.observe({ topic: t.topic }, (Date.parse(t.finishedAt) - Date.parse(t.startedAt)) / 1000);
    }
  });
  hooks.add({
    onDelivered: (subscription, ms) => metrics.observeDispatch(subscription, ms / 1000),
    onLeaseExpired: (ev) => metrics.redeliveries.inc({ subscription: ev.subscription }),
    onDrop: (ev) => metrics.dropped.inc({ subscription: ev.subscription, reason: ev.reason }),
  });

  const http = new HttpServer({
    tokens: tokenStore,
    publicRead: config.publicRead,
    onError: (err, req) => log.error({ err, url: req.url }, 'internal error in HTTP handler'),
  });
  http.onUpgrade('/rpc', (req, socket, head, principal) => ws.upgrade(req, socket, head, principal));
  registerHttpRpc(http, registry);
  registerLogRoutes(http, logs, (id) => {
    const t = jobs.taskRow(id);
    return t ? { job: t.job, attempts: t.attempts } : undefined;
  });
  registerBlobRoutes(http, blobs);
  registerDashboard(http);
  http.route({
    methods: ['GET', 'HEAD'],
    path: /^\/healthz$/,
    scopes: 'none',
    handle: ({ res }) => sendJson(res, 200, { ok: true }),
  });
  http.route({
    methods: ['GET'],
    path: /^\/metrics$/,
    scopes: ['viewer'],
    handle: async ({ res }) => {
      const text = await metrics.registry.metrics();
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(text);
    },
  });

  const github = githubConfig
    ? new GitHubService({ config: githubConfig, db, http, jobs, state: stateStore, events, publicUrl: () => baseUrl, log, version: config.version })
    : undefined;

  const port = await http.listen(config.host, config.port);
  const hostForUrl = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${hostForUrl === '0.0.0.0' || hostForUrl === '[::]' ? '127.0.0.1' : hostForUrl}:${port}`;
  if (!baseUrl) baseUrl = url;
  log.info({ url, dataDir }, 'master listening');
  blobs.setPublicUrl(baseUrl);
  github?.start();

  let closed = false;
  return {
    url,
    port,
    tokens,
    tokenFiles: files,
    dataDir,
    log,
    db,
    pubsub,
    hooks,
    registry,
    http,
    metrics,
    events,
    jobs,
    agents,
    blobs,
    github,
    async close() {
      if (closed) return;
      closed = true;
      github?.close();
      jobs.close();
      pubsub.close();
      ws.close();
      blobs.close();
      await http.close();
      db.close();
      logs.closeAll();
    },
  };
}
