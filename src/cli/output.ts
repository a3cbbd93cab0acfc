// Human output by default, JSON with --json; errors end the command with one clear line.
import { OurciError } from '../shared/errors';

export interface OutputOptions {
  json?: boolean;
}

export function print(opts: OutputOptions, value: unknown, human: () => string): void {
  process.stdout.write(opts.json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
}

/** Formats rows as aligned columns. */
export function table(headers: string[], rows: Array<Array<string | number | undefined>>): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === undefined ? '' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : (c ?? '').padEnd(widths[i]!))).join('  ')).join('\n');
}

export function errorLine(err: unknown): string {
  if (err instanceof OurciError) {
    const hint =
      err.code === 401
        ? ' (set OURCI_TOKEN or --token; `ourci master` prints where its tokens are)'
        : err.code === 503 && /reach|connect/.test(err.message)
          ? ' (is the master running? set OURCI_URL or --url)'
          : err.code === 409 && Array.isArray((err.data as { ackIds?: unknown } | undefined)?.ackIds)
            ? `: no longer held: ${(err.data as { ackIds: string[] }).ackIds.join(' ')}`
            : '';
    return `ourci: error: ${err.message}${hint}`;
  }
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    const hint =
      code === 'EADDRINUSE'
        ? ' (is another master or bench running? pick another --port, or 0 for any free one)'
        : code === 'EACCES' && /listen/.test(err.message)
          ? ' (ports below 1024 need privileges; pick another --port)'
          : '';
    return `ourci: error: ${err.message}${hint}`;
  }
  return `ourci: error: ${String(err)}`;
}

export function fail(err: unknown): never {
  process.stderr.write(`${errorLine(err)}\n`);
  process.exit(err instanceof OurciError && err.code === 400 ? 2 : 1);
}
