// The master: headless service on the CI host. Pub/Sub, jobs and tasks, logs, blobs,
// GitHub, metrics and the dashboard, served over JSON-RPC (WebSocket and HTTP) and HTTP.
// May import src/shared and Node libraries; never electron or the renderer.
export { createMaster, type Master } from './master';
export { MASTER_DEFAULTS, type MasterConfig } from './config';
export { GITHUB_DEFAULTS, type GitHubConfig } from './github/index';
