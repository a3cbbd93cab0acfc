// Starts a whole bench: boards (real and/or virtual), the service, the loopback task route
// (OURCI_BENCH_URL) and, when asked, the operator UI server. Used by `ourci bench --headless`,
// `ourci up --virtual-boards` and the Electron main process (which talks IPC instead of the UI
// server). The order matters: the task route listens before any worker can start a task.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openBoardAccess, type BoardAccess, type ListSource, type VirtualBoardsOptions } from '../devices';
import { BenchServer } from './api/bench-server';
import { OperatorAuth } from './api/operator-auth';
import { locateBenchUi } from './api/static-files';
import { BenchService, type BenchOptions } from './bench-service';
import type { MasterTarget } from './master-link';

export interface StartBenchOptions {
  /** Where bench.json and bench.token live (created if missing). */
  dataDir: string;
  name?: string;
  master?: MasterTarget;
  masterFallback?: MasterTarget;
  /** Emulated boards, e.g. `esp8266:2,cc3200:1`. */
  virtualSpec?: string;
  virtual?: VirtualBoardsOptions;
  /** Also use the machine's serial ports (default true). */
  real?: boolean;
  probe?: boolean;
  /** Extra port sources (tests). */
  sources?: ListSource[];
  /** Serve the operator UI and API here (headless mode). */
  ui?: { host: string; port: number; staticDir?: string };
  agent: BenchOptions['agent'];
  version?: string;
  log?: (line: string) => void;
}

export interface RunningBench {
  service: BenchService;
  access: BoardAccess;
  /** Base URL of the loopback task route. */
  taskUrl: string;
  /** The operator UI (headless only). */
  ui?: { url: string; auth: OperatorAuth; tokenFile: string; loginUrl(): string };
  close(): Promise<void>;
}

export async function startBench(opts: StartBenchOptions): Promise<RunningBench> {
  mkdirSync(opts.dataDir, { recursive: true });
  const access = await openBoardAccess({
    virtualSpec: opts.virtualSpec,
    virtual: opts.virtual,
    real: opts.real,
    probe: opts.probe,
    sources: opts.sources,
    log: opts.log,
  });
  const service = new BenchService({
    access,
    configFile: join(opts.dataDir, 'bench.json'),
    master: opts.master,
    masterFallback: opts.masterFallback,
    name: opts.name,
    version: opts.version,
    agent: opts.agent,
    log: opts.log,
  });
  const servers: BenchServer[] = [];
  const close = async (): Promise<void> => {
    await service.close();
    await Promise.all(servers.map((s) => s.close()));
    await access.close();
  };
  try {
    const task = new BenchServer({ role: 'task', service, host: '127.0.0.1', port: 0, log: opts.log });
    servers.push(task);
    service.grants.baseUrl = await task.listen();
    let ui: RunningBench['ui'];
    if (opts.ui) {
      const tokenFile = join(opts.dataDir, 'bench.token');
      const auth = OperatorAuth.fromFile(tokenFile);
      const server = new BenchServer({ role: 'ui', service, host: opts.ui.host, port: opts.ui.port, auth, staticDir: opts.ui.staticDir ?? locateBenchUi(), log: opts.log });
      servers.push(server);
      const url = await server.listen();
      ui = { url, auth, tokenFile, loginUrl: () => `${url}/?login=${auth.issueCode()}` };
    }
    service.start();
    return { service, access, taskUrl: service.grants.baseUrl, ui, close };
  } catch (err) {
    await close();
    throw err;
  }
}
