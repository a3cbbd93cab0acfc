// Inside a bench task the bench owns the board's port; `ourci flash` and `ourci console` must
// then go through the bench's local API (OURCI_BENCH_URL) instead of opening the port. This is
// the one place that decides. The bench API is not built yet (issue 7): until it is, the bench
// route fails with a clear message instead of fighting the bench for the port.
import { UnavailableError } from '../../shared/errors';

export type BoardRoute = { kind: 'local' } | { kind: 'bench'; url: string };

export function chooseBoardRoute(env: { OURCI_BENCH_URL?: string }): BoardRoute {
  const url = env.OURCI_BENCH_URL?.trim();
  return url ? { kind: 'bench', url } : { kind: 'local' };
}

/** The seam for issue 7: flash and console through the bench API. */
export function benchRouteUnavailable(route: { url: string }, what: 'flash' | 'console'): never {
  throw new UnavailableError(
    `${what} through the bench at ${route.url} (OURCI_BENCH_URL) is not available yet; outside a bench task, unset OURCI_BENCH_URL to use the port directly`,
  );
}
