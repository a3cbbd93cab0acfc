// Per subscription: backlog, in flight, oldest unacked age, dead letters (inspect, re-queue).
// Counts change with every publish and ack, so besides `queues` events the page re-reads
// every few seconds while it is open.
import { useEffect, useState } from 'react';
import type { SubscriptionInfo } from '../../../shared/pubsub/methods';
import { DataTable, type Column } from '../../components/data-table';
import { ErrorNotice, Notice } from '../../components/notice';
import { formatCount, formatDuration, timeAgo } from '../../lib/format';
import type { ApiResult } from '../../lib/rpc/master-api';
import { isAdminScope, useSession } from '../../lib/session/session-store';
import { useTitle } from '../use-title';
import { useLive } from '../use-live';

const REFRESH_MS = 3000;

export function QueuesPage() {
  useTitle('Queues');
  const [open, setOpen] = useState<string>();
  const subs = useLive<SubscriptionInfo[]>(
    async () => (await useSession.getState().rpc!.call('PubSub.ListSubscriptions', {})).subscriptions,
    [],
    ['queues'],
    () => 'reload',
  );
  useEffect(() => {
    const t = setInterval(() => {
      if (document.visibilityState === 'visible') subs.reload();
    }, REFRESH_MS);
    return () => clearInterval(t);
  }, [subs.reload]);

  const cols: Column<SubscriptionInfo>[] = [
    { key: 'name', header: 'Subscription', render: (s) => <span className="mono">{s.name}</span> },
    { key: 'topic', header: 'Topic', render: (s) => <span className="mono muted">{s.topic === s.name ? '(same)' : s.topic}</span> },
    { key: 'backlog', header: 'Backlog', className: 'num', render: (s) => <span className={s.backlog > 0 ? 'strong' : 'muted'}>{formatCount(s.backlog)}</span> },
    { key: 'inflight', header: 'In flight', className: 'num', render: (s) => formatCount(s.inFlight) },
    { key: 'oldest', header: 'Oldest unacked', className: 'num', render: (s) => (s.oldestUnackedAgeSeconds > 0 ? formatDuration(s.oldestUnackedAgeSeconds * 1000) : '–') },
    { key: 'pullers', header: 'Waiting agents', className: 'num', render: (s) => s.waitingPullers },
    {
      key: 'dead',
      header: 'Dead letters',
      className: 'num',
      render: (s) =>
        s.deadLettered > 0 ? (
          <button type="button" className="chip danger-chip" onClick={() => setOpen(open === s.name ? undefined : s.name)} aria-expanded={open === s.name}>
            {formatCount(s.deadLettered)} {open === s.name ? '▾' : '▸'}
          </button>
        ) : (
          <span className="muted">0</span>
        ),
    },
    { key: 'settings', header: 'Deadline / attempts', render: (s) => <span className="muted">{s.ackDeadlineSeconds} s / {s.maxDeliveryAttempts}</span> },
  ];

  return (
    <section className="page">
      <div className="page-head">
        <h1>Queues</h1>
      </div>
      {subs.error !== undefined && <ErrorNotice error={subs.error} what="subscriptions" />}
      {subs.data && subs.data.length === 0 && (
        <Notice title="No subscriptions yet.">Topics and their default subscriptions appear with the first task published on them.</Notice>
      )}
      {subs.data && subs.data.length > 0 && (
        <DataTable
          label="subscriptions"
          rows={subs.data}
          columns={cols}
          rowKey={(s) => s.name}
          rowClass={(s) => (s.deadLettered > 0 ? 'row-error' : undefined)}
          onOpen={(s) => s.deadLettered > 0 && setOpen(open === s.name ? undefined : s.name)}
          keyboard
        />
      )}
      {open && <DeadLetters subscription={open} onChanged={subs.reload} />}
    </section>
  );
}

type DeadLetter = ApiResult<'PubSub.ListDeadLetters'>['messages'][number];

function DeadLetters({ subscription, onChanged }: { subscription: string; onChanged(): void }) {
  const admin = isAdminScope(useSession((s) => s.scope));
  const [inspect, setInspect] = useState<string>();
  const [msg, setMsg] = useState<string>();
  const list = useLive<DeadLetter[]>(async () => (await useSession.getState().rpc!.call('PubSub.ListDeadLetters', { subscription, limit: 200 })).messages, [subscription]);
  const requeue = async (ids: string[]): Promise<void> => {
    try {
      const r = await useSession.getState().rpc!.call('PubSub.Requeue', { subscription, messageIds: ids });
      setMsg(`${r.requeued} message${r.requeued === 1 ? '' : 's'} put back in the backlog of ${subscription}.`);
      list.reload();
      onChanged();
    } catch (e) {
      setMsg(`Re-queue failed: ${(e as Error).message}`);
    }
  };
  return (
    <div className="dead-letters" data-testid="dead-letters">
      <div className="section-head">
        <h2>Dead letters of {subscription}</h2>
        {admin && list.data && list.data.length > 0 && (
          <button type="button" onClick={() => void requeue(list.data!.map((m) => m.messageId))}>
            Re-queue all {list.data.length}
          </button>
        )}
      </div>
      {msg && <Notice kind="info" title={msg} />}
      {list.error !== undefined && <ErrorNotice error={list.error} what="dead letters" />}
      {list.data && list.data.length === 0 && <Notice title="No dead letters." />}
      {list.data && list.data.length > 0 && (
        <table className="data-table" aria-label="dead letters">
          <thead>
            <tr>
              <th>Message</th>
              <th>Published</th>
              <th>Dead-lettered</th>
              <th className="num">Deliveries</th>
              <th>Data</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.data.map((m) => (
              <tr key={m.messageId}>
                <td className="mono">{m.messageId}</td>
                <td title={m.publishTime}>{timeAgo(m.publishTime)}</td>
                <td title={m.deadLetteredAt}>{timeAgo(m.deadLetteredAt)}</td>
                <td className="num">{m.deliveryAttempt}</td>
                <td className="mono">
                  {inspect === m.messageId ? (
                    <pre className="json">{JSON.stringify({ data: m.data, attributes: m.attributes, expireTime: m.expireTime }, null, 2)}</pre>
                  ) : (
                    <span className="ellipsis preview">{JSON.stringify(m.data)}</span>
                  )}
                </td>
                <td className="actions">
                  <button type="button" onClick={() => setInspect(inspect === m.messageId ? undefined : m.messageId)}>
                    {inspect === m.messageId ? 'Hide' : 'Inspect'}
                  </button>
                  {admin && (
                    <button type="button" onClick={() => void requeue([m.messageId])}>
                      Re-queue
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
