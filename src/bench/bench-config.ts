// The bench's configuration file (bench.json in its data directory): its name, the master it
// serves, the topic of each board, and the boards an operator or the health policy took out of
// service (so a restart does not put a broken board back to work). The file holds the agent
// token, so it is written with mode 0600, atomically (a crash never leaves half a file).
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { BadRequestError } from '../shared/errors';
import { NAME_PATTERN } from '../shared/pubsub/names';

const Topic = z.string().regex(NAME_PATTERN, 'a topic is 1-255 characters of A-Z a-z 0-9 . _ ~ + % / -');

const BoardEntry = z.object({
  topic: Topic.optional(),
  baud: z.number().int().min(300).max(4_000_000).optional(),
  quarantined: z.object({ reason: z.string(), at: z.string(), automatic: z.boolean() }).optional(),
});

export const BenchConfigSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'letters, digits, . _ - (at most 100)').optional(),
  master: z.object({ url: z.string().url().optional(), token: z.string().optional() }).optional(),
  /** Default topic by board type, or type:size (`esp8266:1MB`), over the built-in defaults. */
  topics: z.record(z.string(), Topic).optional(),
  boards: z.record(z.string(), BoardEntry).optional(),
  failuresToQuarantine: z.number().int().min(1).max(100).optional(),
  lockSeconds: z.number().int().min(10).max(24 * 3600).optional(),
});
export type BenchConfig = z.infer<typeof BenchConfigSchema>;
export type BoardConfig = z.infer<typeof BoardEntry>;

export function loadBenchConfig(file: string | undefined): BenchConfig {
  if (!file || !existsSync(file)) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new BadRequestError(`bench config ${file} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = BenchConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new BadRequestError(`bench config ${file}: ${first.path.join('.') || '(top)'}: ${first.message}`);
  }
  return parsed.data;
}

export function saveBenchConfig(file: string, config: BenchConfig): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

/** A copy of `config` with one board's entry changed (empty entries are dropped). */
export function withBoard(config: BenchConfig, id: string, change: (entry: BoardConfig) => BoardConfig): BenchConfig {
  const boards = { ...config.boards };
  const next = change({ ...boards[id] });
  for (const k of Object.keys(next) as Array<keyof BoardConfig>) if (next[k] === undefined) delete next[k];
  if (Object.keys(next).length) boards[id] = next;
  else delete boards[id];
  return { ...config, boards };
}
