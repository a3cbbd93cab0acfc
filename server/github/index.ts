// GitHub integration (DESIGN.md §1, §4, §9): signed webhooks start jobs for pull requests and
// pushes, job progress goes back as commit statuses through a persisted outbox, and open PRs
// are reconciled at start because GitHub never redelivers. docs/github.md is the user guide.
export { GitHubService, type GitHubServiceDeps } from './github-service';
export { GITHUB_DEFAULTS, resolveGitHubConfig, type GitHubConfig, type GitHubAppAuth } from './github-config';
