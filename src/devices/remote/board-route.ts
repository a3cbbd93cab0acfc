// Inside a bench task the bench owns the board's port; `ourci flash` and `ourci console` must
// then go through the bench's local API (OURCI_BENCH_URL) instead of opening the port. This is
// the one place that decides; the bench route itself is src/bench/client (issue 7).

export type BoardRoute = { kind: 'local' } | { kind: 'bench'; url: string };

export function chooseBoardRoute(env: { OURCI_BENCH_URL?: string }): BoardRoute {
  const url = env.OURCI_BENCH_URL?.trim();
  return url ? { kind: 'bench', url } : { kind: 'local' };
}
