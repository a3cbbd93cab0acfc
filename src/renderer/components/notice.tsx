// Empty states and errors that say what to do next.
import type { ReactNode } from 'react';

export function Notice({ kind = 'empty', title, children }: { kind?: 'empty' | 'error' | 'info'; title: string; children?: ReactNode }) {
  return (
    <div className={`notice notice-${kind}`} role={kind === 'error' ? 'alert' : undefined}>
      <strong>{title}</strong>
      {children && <div className="notice-body">{children}</div>}
    </div>
  );
}

/** An error from a call, with the usual next step for its code. */
export function ErrorNotice({ error, what }: { error: unknown; what: string }) {
  const code = (error as { code?: number }).code;
  const msg = (error as Error).message ?? String(error);
  const hint =
    code === -32601
      ? 'This master does not serve that method yet: upgrade the master.'
      : code === 404
        ? 'Check the address: it may have been mistyped or the item removed.'
        : code === 403
          ? 'Your token does not allow this. Sign in with an admin token.'
          : code === 503 || code === 504
            ? 'The master is unreachable or busy; this page retries when the connection is back.'
            : undefined;
  return (
    <Notice kind="error" title={`Could not load ${what}: ${msg}`}>
      {hint}
    </Notice>
  );
}
