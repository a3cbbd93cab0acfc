// The bench UI's Content-Security-Policy, the same wherever the page is served: scripts and
// connections to its own origin only (the headless server, the Electron app's own scheme).
// The meta-tag form leaves out frame-ancestors, which browsers ignore there.

export const BENCH_CSP_META =
  "default-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; " +
  "object-src 'none'; base-uri 'none'; form-action 'self'";

export const BENCH_CSP = `${BENCH_CSP_META}; frame-ancestors 'none'`;
