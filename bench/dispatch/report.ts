// Figures of the dispatch benchmark: min/median/max over the runs, a goal check per row,
// the machine's conditions, and the Markdown written to bench/results/dispatch.md.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { cpus, loadavg, totalmem } from 'node:os';

export interface Row {
  label: string;
  unit: string;
  values: number[];
  /** 'min': at least `goal`; 'max': at most `goal`. */
  goal?: { kind: 'min' | 'max'; value: number };
  digits?: number;
}

export function spread(values: readonly number[]): { min: number; median: number; max: number } {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return { min: NaN, median: NaN, max: NaN };
  const mid = v.length >> 1;
  return { min: v[0]!, median: v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2, max: v[v.length - 1]! };
}

// Rounded as toFixed does (as the per-run lines are), then grouped by thousands.
const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n) ? Number(n.toFixed(digits)).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–';

/** Whether the median meets the row's goal ('' when it has none). */
function verdict(r: Row): string {
  if (!r.goal) return '';
  const m = spread(r.values).median;
  if (!Number.isFinite(m)) return '–';
  return (r.goal.kind === 'min' ? m >= r.goal.value : m <= r.goal.value) ? 'yes' : '**no**';
}

function cells(r: Row): string[] {
  const s = spread(r.values);
  const goal = r.goal ? `${r.goal.kind === 'min' ? '≥' : '≤'} ${fmt(r.goal.value, r.digits)}` : '';
  return [r.label, r.unit, fmt(s.min, r.digits), fmt(s.median, r.digits), fmt(s.max, r.digits), goal, verdict(r)];
}

const HEAD = ['figure', 'unit', 'min', 'median', 'max', 'goal', 'met'];

export function consoleTable(rows: Row[]): string {
  const all = [HEAD, ...rows.map(cells)];
  const widths = HEAD.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  return all.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

export function markdownTable(rows: Row[]): string {
  const line = (c: string[]): string => `| ${c.join(' | ')} |`;
  return [line(HEAD), line(HEAD.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map((r) => line(cells(r)))].join('\n');
}

/** Load, CPUs and the busiest other processes: the machine is shared, so say how busy it was. */
export function machineConditions(): string {
  const load = loadavg().map((l) => l.toFixed(2)).join(' / ');
  let top = '';
  try {
    top = execFileSync('ps', ['-eo', 'pcpu,rss,args', '--sort=-pcpu'], { encoding: 'utf8' })
      .split('\n')
      .slice(1, 9)
      .filter((l) => l.trim() && !l.includes(' ps -eo'))
      .map((l) => {
        const [cpu, rss, ...args] = l.trim().split(/\s+/);
        return `${cpu}% cpu, ${Math.round(Number(rss) / 1024)} MB: ${args.join(' ').slice(0, 110)}`;
      })
      .join('\n  - ');
  } catch {
    top = '(ps unavailable)';
  }
  return (
    `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${wsMasking()}; ` +
    `load average (1/5/15 min) ${load}\n- busiest processes (ps, cumulative %cpu):\n  - ${top}`
  );
}

/** Whether ws masks and unmasks frames natively (the optional bufferutil) or in JavaScript. */
export function wsMasking(): string {
  try {
    createRequire(createRequire(import.meta.url).resolve('ws'))('bufferutil');
    return 'ws masking native (bufferutil)';
  } catch {
    return 'ws masking in JavaScript (bufferutil not installed)';
  }
}

export const MB = 1e6;
export const mb = (bytes: number): number => bytes / 2 ** 20;
