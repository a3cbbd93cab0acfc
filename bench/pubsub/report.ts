// Turns the measured samples into the table: min/median/max per system and the ratio
// OurCI / best peer per figure, checked against the goal; and the machine's conditions.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, release } from 'node:os';
import { spread } from './stats';

export interface Figure {
  key: string;
  label: string;
  unit: string;
  better: 'higher' | 'lower';
  /** Goal on the ratio OurCI / best peer (≥ for higher-is-better, ≤ for lower-is-better). */
  goalRatio?: number;
  /** Absolute goal on OurCI's median (redelivery: lease + 0.5 s). */
  goalAbs?: number;
  digits: number;
}

/** samples[figure][system] = one value per run */
export type Samples = Record<string, Record<string, number[]>>;

const OURS = 'OurCI';

function fmt(v: number, digits: number): string {
  if (!Number.isFinite(v)) return '–';
  return v >= 1000 ? Math.round(v).toLocaleString('en-US') : v.toFixed(digits);
}

export interface Row {
  figure: Figure;
  cells: Record<string, string>;
  ratio: number;
  met: boolean | undefined;
}

export function rows(figures: Figure[], samples: Samples, systems: string[]): Row[] {
  return figures.map((f) => {
    const cells: Record<string, string> = {};
    const medians: Record<string, number> = {};
    for (const s of systems) {
      const sp = spread(samples[f.key]?.[s] ?? []);
      medians[s] = sp.median;
      cells[s] = `${fmt(sp.min, f.digits)} / **${fmt(sp.median, f.digits)}** / ${fmt(sp.max, f.digits)}`;
    }
    const peerMedians = systems.filter((s) => s !== OURS).map((s) => medians[s]!).filter(Number.isFinite);
    const best = peerMedians.length === 0 ? NaN : f.better === 'higher' ? Math.max(...peerMedians) : Math.min(...peerMedians);
    const ours = medians[OURS] ?? NaN;
    const ratio = ours / best;
    let met: boolean | undefined;
    if (f.goalRatio !== undefined && Number.isFinite(ratio)) met = f.better === 'higher' ? ratio >= f.goalRatio : ratio <= f.goalRatio;
    if (f.goalAbs !== undefined && Number.isFinite(ours)) met = (met ?? true) && ours <= f.goalAbs;
    return { figure: f, cells, ratio, met };
  });
}

function goalText(f: Figure): string {
  const parts: string[] = [];
  if (f.goalRatio !== undefined) parts.push(`${f.better === 'higher' ? '≥' : '≤'} ${f.goalRatio}×`);
  if (f.goalAbs !== undefined) parts.push(`≤ ${f.goalAbs} ${f.unit}`);
  return parts.join(', ') || '–';
}

export function markdownTable(rs: Row[], systems: string[]): string {
  const head = `| figure | ${systems.map((s) => `${s} min / **median** / max`).join(' | ')} | OurCI / best peer | goal | met |`;
  const sep = `|---|${systems.map(() => '---').join('|')}|---|---|---|`;
  const body = rs.map((r) => {
    const ratio = Number.isFinite(r.ratio) ? `${r.ratio.toFixed(2)}×` : '–';
    const met = r.met === undefined ? '' : r.met ? 'yes' : '**no**';
    return `| ${r.figure.label} (${r.figure.unit}) | ${systems.map((s) => r.cells[s]).join(' | ')} | ${ratio} | ${goalText(r.figure)} | ${met} |`;
  });
  return [head, sep, ...body].join('\n');
}

/** The same table for a terminal (no markdown emphasis). */
export function consoleTable(rs: Row[], systems: string[]): string {
  const lines = [['figure', ...systems.map((s) => `${s} min/med/max`), 'OurCI/best', 'goal', 'met']];
  for (const r of rs) {
    lines.push([
      `${r.figure.label} (${r.figure.unit})`,
      ...systems.map((s) => r.cells[s]!.replaceAll('**', '')),
      Number.isFinite(r.ratio) ? `${r.ratio.toFixed(2)}x` : '-',
      goalText(r.figure),
      r.met === undefined ? '' : r.met ? 'yes' : 'NO',
    ]);
  }
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  return lines.map((l) => l.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n');
}

function version(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).trim().split('\n')[0]!;
  } catch {
    return 'not found';
  }
}

export function machineConditions(loadBefore: number[]): string[] {
  const c = cpus();
  const pkg = (p: string): string => {
    try {
      return (JSON.parse(readFileSync(new URL(`../../node_modules/${p}/package.json`, import.meta.url), 'utf8')) as { version: string }).version;
    } catch {
      return '?';
    }
  };
  return [
    `CPU: ${c.length} × ${c[0]?.model ?? '?'}; memory ${(totalmem() / 2 ** 30).toFixed(1)} GiB; Linux ${release()}`,
    `load average (1/5/15 min) before: ${loadBefore.map((l) => l.toFixed(2)).join(' / ')}, after: ${loadavg().map((l) => l.toFixed(2)).join(' / ')}`,
    `Node ${process.version}; ${version('redis-server', ['--version'])}; ${version('nats-server', ['--version'])}`,
    `bullmq ${pkg('bullmq')}, @nats-io/jetstream ${pkg('@nats-io/jetstream')}, @nats-io/transport-node ${pkg('@nats-io/transport-node')}, better-sqlite3 ${pkg('better-sqlite3')}, ws ${pkg('ws')}`,
  ];
}

const NOTES_MARKER = '<!-- notes: everything below this line is kept when the benchmark rewrites this file -->';

/** Writes the generated part of the results file, keeping the hand-written notes below the marker. */
export function writeResults(file: string, generated: string): void {
  const old = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const i = old.indexOf(NOTES_MARKER);
  const notes = i >= 0 ? old.slice(i) : `${NOTES_MARKER}\n`;
  writeFileSync(file, `${generated.trimEnd()}\n\n${notes}`);
}
