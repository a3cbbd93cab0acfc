// The bench's own connection to the master (besides one per worker): it reports the boards
// (Board.Report, so the dashboard's Board.List shows them), and answers the Flash page's
// questions (which jobs, which blobs) and fetches firmware. Without a configured master the
// bench still works locally: boards, consoles, flashing local files.
import { connectMaster, type MasterClient } from '../client/master-client';
import { fetchBlob } from '../devices';
import type { z } from 'zod';
import { BoardInfo } from '../shared/agents/methods';
import type { BenchBoard, BenchSummary } from '../shared/bench/model';
import { UnavailableError } from '../shared/errors';

export interface MasterTarget {
  url: string;
  token: string;
}

type LinkState = BenchSummary['master'];

const REPORT_DEBOUNCE_MS = 100;

export class MasterLink {
  private client: MasterClient | undefined;
  private target: MasterTarget | undefined;
  private stateValue: LinkState = { state: 'unconfigured' };
  private pending: { bench: string; boards: BenchBoard[] } | undefined;
  private lastSent: { bench: string; boards: BenchBoard[] } | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly onState: (s: LinkState) => void,
    private readonly log: (line: string) => void = () => {},
  ) {}

  get state(): LinkState {
    return { ...this.stateValue };
  }

  get configured(): MasterTarget | undefined {
    return this.target;
  }

  configure(target: MasterTarget | undefined): void {
    this.client?.close();
    this.client = undefined;
    this.target = target;
    if (!target) return this.setState({ state: 'unconfigured' });
    this.setState({ url: target.url, state: 'connecting' });
    // The constructor reports its first state already: declared first, checked by identity.
    let client: MasterClient | undefined = undefined;
    client = connectMaster(target.url, target.token, {
      name: 'ourci-bench',
      minBackoffMs: 500,
      maxBackoffMs: 10_000,
      onState: (s, detail) => {
        if (!client || this.client !== client) return;
        if (s === 'open') this.setState({ url: target.url, state: 'connected' });
        else if (s === 'closed' && detail && /40[13]/.test(detail)) this.setState({ url: target.url, state: 'refused', detail: 'the master refused the token' });
        else if (s !== 'closed') this.setState({ url: target.url, state: 'connecting', detail });
      },
    });
    this.client = client;
    // Boards reported on the previous connection are gone with it: report them again.
    client.onReconnect(() => {
      if (this.lastSent) this.report(this.lastSent.bench, this.lastSent.boards);
    });
    if (this.lastSent) this.report(this.lastSent.bench, this.lastSent.boards);
  }

  /** Reports the full board list (debounced; the last list wins). */
  report(bench: string, boards: BenchBoard[]): void {
    this.pending = { bench, boards };
    this.timer ??= setTimeout(() => void this.flush(), REPORT_DEBOUNCE_MS);
  }

  private async flush(): Promise<void> {
    this.timer = undefined;
    const p = this.pending;
    const client = this.client;
    this.pending = undefined;
    if (!p) return;
    this.lastSent = p;
    if (!client) return;
    try {
      await client.call('Board.Report', { bench: p.bench, boards: p.boards.slice(0, 256).map(reported) }, { retry: true, timeoutMs: 30_000 });
    } catch (err) {
      if (this.client === client) this.log(`bench: could not report boards to the master: ${(err as Error).message}`);
    }
  }

  private connected(): MasterClient {
    if (!this.client || !this.target) throw new UnavailableError('no master configured: set its URL and token in Settings');
    return this.client;
  }

  async jobs(p: { pr?: number; job?: string; limit?: number }): Promise<Array<{ id: string; status: string; title?: string; repo?: string; pr?: number; sha?: string; createdAt?: string }>> {
    const c = this.connected();
    if (p.job) {
      const { job } = await c.call('Job.Get', { job: p.job }, { timeoutMs: 15_000 });
      return [job];
    }
    const r = await c.call('Job.List', { pr: p.pr, limit: p.limit ?? 30 }, { timeoutMs: 15_000 });
    return r.jobs.map((j) => ({ id: j.id, status: j.status, title: j.title, repo: j.repo, pr: j.pr, sha: j.sha, createdAt: j.createdAt }));
  }

  async blobs(job: string): Promise<Array<{ name: string; size: number; createdAt: string }>> {
    const r = await this.connected().call('Blob.List', { job }, { timeoutMs: 15_000 });
    return r.blobs.map((b) => ({ name: b.name, size: b.size, createdAt: b.createdAt }));
  }

  /** An attempt's log bytes, from the master's store (what the bench no longer keeps). */
  readLog(task: string, attempt: number | undefined, offset: number, limit: number) {
    return this.connected().call('Log.Read', { task, attempt, offset, limit }, { timeoutMs: 30_000 });
  }

  fetch(job: string, name: string, signal?: AbortSignal): Promise<Uint8Array> {
    this.connected();
    return fetchBlob(this.target!.url, this.target!.token, { job, name }, { signal });
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.client?.close();
    this.client = undefined;
  }

  private setState(s: LinkState): void {
    this.stateValue = s;
    this.onState(this.state);
  }
}

/** The part of a bench board the master stores: Board.Report's own schema drops the rest. */
const Reported = BoardInfo.omit({ bench: true });
const reported = (b: BenchBoard): z.infer<typeof Reported> => Reported.parse(b);
