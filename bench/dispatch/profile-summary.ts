// Summarises V8 .cpuprofile files (from `--profile`): self time per function, heaviest first,
// and total time under a few interesting frames. `npx tsx bench/dispatch/profile-summary.ts FILE… [--top N]`
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const topAt = args.indexOf('--top');
const top = topAt >= 0 ? Number(args.splice(topAt, 2)[1]) : 30;

for (const file of args) {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const label = (n: Node): string => {
    const f = n.callFrame;
    const where = f.url ? `${basename(f.url)}:${f.lineNumber + 1}` : '';
    return `${f.functionName || '(anonymous)'} ${where}`.trim();
  };
  // Self time by function label.
  const bySelf = new Map<string, number>();
  for (const [id, t] of self) {
    const l = label(byId.get(id)!);
    bySelf.set(l, (bySelf.get(l) ?? 0) + t);
  }
  // Inclusive time by label (each sample counted once per label on its stack).
  const inclusive = new Map<string, number>();
  for (const [id, t] of self) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur)!);
      if (seen.has(l)) continue;
      seen.add(l);
      inclusive.set(l, (inclusive.get(l) ?? 0) + t);
    }
  }
  const pct = (t: number): string => `${((100 * t) / total).toFixed(1).padStart(5)} %`;
  process.stdout.write(`\n== ${basename(file)}: ${(total / 1e6).toFixed(2)} s sampled\n-- self\n`);
  for (const [l, t] of [...bySelf].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${pct(t)}  ${l}\n`);
  process.stdout.write('-- inclusive\n');
  for (const [l, t] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${pct(t)}  ${l}\n`);
}
