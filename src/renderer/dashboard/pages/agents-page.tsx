// Who is connected: build agents and bench workers (topics, state, current task), and the
// boards benches reported. Live through the `agents` and `boards` event topics.
import type { AgentInfo, BoardInfo } from '../../../shared/agents/methods';
import { DataTable, type Column } from '../../components/data-table';
import { Link } from '../../components/link';
import { ErrorNotice, Notice } from '../../components/notice';
import { StatusBadge } from '../../components/status-badge';
import { timeAgo } from '../../lib/format';
import { navigate } from '../../lib/router';
import { upsertById } from '../../lib/upsert';
import { useSession } from '../../lib/session/session-store';
import { useTitle } from '../use-title';
import { useLive, useNow } from '../use-live';

export function AgentsPage() {
  useTitle('Agents');
  const now = useNow(5000);
  const agents = useLive<AgentInfo[]>(async () => (await useSession.getState().rpc!.call('Agent.List', {})).agents, [], ['agents'], (ev, d) => {
    const a = ev.data as AgentInfo;
    if (!a?.id) return 'reload';
    if (ev.type === 'agent.removed') return d.filter((x) => x.id !== a.id);
    return upsertById(d, a);
  });
  const boards = useLive<BoardInfo[]>(async () => (await useSession.getState().rpc!.call('Board.List', {})).boards, [], ['boards'], (ev, d) => {
    const b = ev.data as BoardInfo;
    return b?.id ? upsertById(d, b) : 'reload';
  });

  const agentCols: Column<AgentInfo>[] = [
    { key: 'state', header: 'State', render: (a) => <StatusBadge status={a.state} /> },
    { key: 'name', header: 'Name', render: (a) => <strong>{a.name}</strong> },
    { key: 'host', header: 'Host', render: (a) => a.host },
    { key: 'kind', header: 'Kind', render: (a) => a.kind },
    { key: 'topics', header: 'Topics', render: (a) => a.topics.map((t) => <span key={t} className="chip mono">{t}</span>) },
    {
      key: 'task',
      header: 'Current task',
      render: (a) => (a.currentTask ? <Link href={`/tasks/${a.currentTask}`}>{a.currentTask}</Link> : <span className="muted">–</span>),
    },
    { key: 'board', header: 'Board', render: (a) => a.board ?? '' },
    { key: 'since', header: 'Connected', render: (a) => <span title={a.connectedAt}>{timeAgo(a.connectedAt, now)}</span> },
    { key: 'version', header: 'Version', render: (a) => <span className="muted">{a.version ?? ''}</span> },
  ];
  const boardCols: Column<BoardInfo>[] = [
    { key: 'state', header: 'State', render: (b) => <StatusBadge status={b.state} /> },
    { key: 'health', header: 'Health', render: (b) => <StatusBadge status={b.health} title={b.consecutiveFailures ? `${b.consecutiveFailures} infrastructure failures in a row` : undefined} /> },
    { key: 'id', header: 'Board', render: (b) => <span className="mono">{b.id}</span> },
    { key: 'type', header: 'Type', render: (b) => `${b.type}${b.virtual ? ' (virtual)' : ''}` },
    { key: 'bench', header: 'Bench', render: (b) => b.bench },
    { key: 'topic', header: 'Topic', render: (b) => <span className="mono">{b.topic ?? ''}</span> },
    { key: 'task', header: 'Current task', render: (b) => (b.currentTask ? <Link href={`/tasks/${b.currentTask}`}>{b.currentTask}</Link> : '') },
    { key: 'port', header: 'Port', render: (b) => <span className="mono">{b.port ?? ''}</span> },
    { key: 'chip', header: 'Chip / MAC', render: (b) => [b.chip, b.mac].filter(Boolean).join(' · ') },
  ];

  return (
    <section className="page">
      <div className="page-head">
        <h1>Agents</h1>
      </div>
      {agents.error !== undefined && <ErrorNotice error={agents.error} what="agents" />}
      {agents.data && agents.data.length === 0 && (
        <Notice title="No agent is connected.">
          Start one on any machine that can reach this master: <code>OURCI_URL={location.origin} OURCI_TOKEN=… ourci agent -t ourci/build/docker</code>
        </Notice>
      )}
      {agents.data && agents.data.length > 0 && (
        <DataTable
          label="agents"
          rows={[...agents.data].sort((a, b) => a.name.localeCompare(b.name))}
          columns={agentCols}
          rowKey={(a) => a.id}
          onOpen={(a) => a.currentTask && navigate(`/tasks/${a.currentTask}`)}
          keyboard
        />
      )}
      <h2>Boards</h2>
      {boards.error !== undefined && <ErrorNotice error={boards.error} what="boards" />}
      {boards.data && boards.data.length === 0 && (
        <Notice title="No boards reported.">
          Benches report their boards when they start: <code>ourci bench --headless</code> (add <code>--virtual-boards esp8266:2</code> to try without hardware).
        </Notice>
      )}
      {boards.data && boards.data.length > 0 && (
        <DataTable label="boards" rows={boards.data} columns={boardCols} rowKey={(b) => b.id} rowClass={(b) => (b.health === 'quarantined' ? 'row-failure' : undefined)} />
      )}
    </section>
  );
}
