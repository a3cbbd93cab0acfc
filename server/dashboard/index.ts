// The dashboard: serves the SPA at `/` and its deep links without a token (the app logs in
// by itself; every piece of data it shows comes through the authenticated RPC).
import type { HttpServer } from '../http/http-server';
import { locateDashboardDir, StaticSite } from './static-site';

/** App routes answered with index.html, and the build's static files. Nothing else. */
export const DASHBOARD_PATH =
  /^\/(?:|jobs\/?|jobs\/[A-Za-z0-9_-]{1,64}\/?|tasks\/[A-Za-z0-9_-]{1,64}\/?|agents\/?|queues\/?|login\/?|assets\/[A-Za-z0-9._-]+|favicon\.svg|robots\.txt)$/;

/** `dir`: the build to serve; null serves a page that says how to build it. */
export function registerDashboard(http: HttpServer, dir: string | null = locateDashboardDir() ?? null): StaticSite {
  const site = new StaticSite(dir ?? undefined);
  http.route({
    methods: ['GET', 'HEAD'],
    path: DASHBOARD_PATH,
    scopes: 'none',
    handle: ({ req, res, url }) => site.serve(req, res, url.pathname),
  });
  return site;
}
