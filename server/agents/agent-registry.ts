// Who is pulling (Agent.List) and which boards benches have (Board.List). Agents announce
// themselves per connection; the entry goes when the connection does.
import type { AgentInfo, BoardInfo } from '../../src/shared/agents/methods';
import { AgentList, AgentRegister, BoardList, BoardReport } from '../../src/shared/agents/methods';
import type { EventHub } from '../events/event-hub';
import type { Channel, Registry } from '../rpc/registry';

export class AgentRegistry {
  private readonly agents = new Map<Channel, AgentInfo>();
  private readonly benches = new Map<string, { channel: Channel; boards: BoardInfo[] }>();

  constructor(private readonly events: EventHub) {}

  register(channel: Channel, info: Omit<AgentInfo, 'id' | 'connectedAt' | 'state'> & { state?: AgentInfo['state'] }): string {
    const existing = this.agents.get(channel);
    const entry: AgentInfo = {
      ...existing,
      ...info,
      id: existing?.id ?? `a${channel.id}`,
      connectedAt: existing?.connectedAt ?? new Date().toISOString(),
      state: info.state ?? existing?.state ?? 'idle',
    };
    if (!existing) {
      channel.onClose(() => {
        const gone = this.agents.get(channel);
        this.agents.delete(channel);
        if (gone) this.events.emit('agents', 'agent.removed', gone);
      });
    }
    this.agents.set(channel, entry);
    this.events.emit('agents', 'agent.updated', entry);
    return entry.id;
  }

  /** The jobs layer reports what a connection runs. */
  setCurrent(channel: Channel | undefined, current: { job: string; task: string } | undefined): void {
    if (!channel) return;
    const a = this.agents.get(channel);
    if (!a) return;
    if (current) {
      a.currentJob = current.job;
      a.currentTask = current.task;
      if (a.state === 'idle') a.state = 'busy';
    } else {
      delete a.currentJob;
      delete a.currentTask;
      if (a.state === 'busy') a.state = 'idle';
    }
    this.events.emit('agents', 'agent.updated', a);
  }

  list(): AgentInfo[] {
    return [...this.agents.values()];
  }

  report(channel: Channel, bench: string, boards: Array<Omit<BoardInfo, 'bench'>>): number {
    const had = this.benches.get(bench);
    if (!had || had.channel !== channel) {
      channel.onClose(() => {
        const b = this.benches.get(bench);
        if (b?.channel !== channel) return;
        for (const board of b.boards) {
          board.state = 'offline';
          this.events.emit('boards', 'board.updated', board);
        }
      });
    }
    const now = new Date().toISOString();
    const list = boards.map((b) => ({ ...b, bench, lastSeen: now }));
    this.benches.set(bench, { channel, boards: list });
    for (const b of list) this.events.emit('boards', 'board.updated', b);
    return list.length;
  }

  boards(filter: { bench?: string; type?: string }): BoardInfo[] {
    return [...this.benches.values()]
      .flatMap((b) => b.boards)
      .filter((b) => (filter.bench === undefined || b.bench === filter.bench) && (filter.type === undefined || b.type === filter.type));
  }
}

export function registerAgentMethods(registry: Registry, agents: AgentRegistry): void {
  registry.add(AgentRegister, (p, ctx) => ({
    id: agents.register(ctx.channel, {
      name: p.name,
      host: p.host ?? ctx.channel.remote,
      topics: p.topics,
      version: p.version,
      kind: p.kind ?? 'build',
      board: p.board,
      state: p.state,
    }),
  }));
  registry.add(AgentList, () => ({ agents: agents.list() }));
  registry.add(BoardReport, ({ bench, boards }, ctx) => ({ accepted: agents.report(ctx.channel, bench, boards) }));
  registry.add(BoardList, (p) => ({ boards: agents.boards(p) }));
}
