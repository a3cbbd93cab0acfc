// Live / reconnecting / offline, from the RpcClient's state.
import type { ConnectionState } from '../../shared/rpc/rpc-client';

export function ConnectionBadge({ state, detail }: { state: ConnectionState; detail?: string }) {
  const label = state === 'open' ? 'live' : state === 'connecting' ? 'reconnecting…' : 'offline';
  return (
    <span className={`conn conn-${state}`} title={detail ? `${label}: ${detail}` : label} data-testid="connection">
      <span className="dot" aria-hidden="true" /> {label}
    </span>
  );
}
