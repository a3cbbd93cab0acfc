// What the bench shows and reports: its boards, the tasks they run, flash operations and the
// events that keep a UI current. One schema for the Electron IPC, the headless WebSocket API
// and the task route (DESIGN.md §7), so every transport carries the same shapes.
import { z } from 'zod';
import { BoardHealth, BoardInfo } from '../agents/methods';

export const BoardId = z.string().min(1).max(200);

/** A board as the bench sees it: what the master's Board.List shows, and the bench's own details. */
export const BenchBoard = BoardInfo.omit({ bench: true }).extend({
  /** Who holds the manual lock, and until when (ISO time). */
  lock: z.object({ by: z.string(), until: z.string() }).optional(),
  /** Why it is quarantined or degraded, and whether the bench decided it by itself. */
  healthDetail: z.object({ reason: z.string(), at: z.string(), automatic: z.boolean() }).optional(),
  lastFailure: z.string().optional(),
  currentJob: z.string().optional(),
  /** Flash operation running on it. */
  flash: z.string().optional(),
  serial: z.object({ state: z.enum(['opening', 'open', 'waiting', 'closed']), baud: z.number().int() }),
  probeError: z.string().optional(),
  usb: z.string().optional(),
});
export type BenchBoard = z.infer<typeof BenchBoard>;
export { BoardHealth };

export const MasterState = z.enum(['unconfigured', 'connecting', 'connected', 'refused']);

export const BenchSummary = z.object({
  name: z.string(),
  version: z.string(),
  paused: z.boolean(),
  master: z.object({ url: z.string().optional(), state: MasterState, detail: z.string().optional() }),
  discovery: z.object({ enumeration: z.enum(['ok', 'unavailable']), error: z.string().optional() }),
});
export type BenchSummary = z.infer<typeof BenchSummary>;

export const BenchTaskStatus = z.enum(['running', 'success', 'failure', 'error', 'cancelled', 'timeout', 'released']);

export const BenchTask = z.object({
  id: z.string(),
  job: z.string(),
  attempt: z.number().int(),
  name: z.string().optional(),
  board: z.string(),
  topic: z.string(),
  args: z.array(z.string()),
  status: BenchTaskStatus,
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  exitCode: z.number().int().optional(),
  reason: z.string().optional(),
});
export type BenchTask = z.infer<typeof BenchTask>;

export const FlashState = z.enum(['running', 'done', 'failed', 'cancelled']);

export const FlashJob = z.object({
  id: z.string(),
  board: z.string(),
  /** What is written: a file name, or JOB/BLOB. */
  source: z.string(),
  by: z.enum(['operator', 'task']),
  task: z.string().optional(),
  state: FlashState,
  phase: z.string(),
  written: z.number().int(),
  total: z.number().int(),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  error: z.string().optional(),
  result: z
    .object({
      chip: z.string().optional(),
      parts: z.array(z.object({ name: z.string(), size: z.number().int(), md5: z.string() })),
      totalMs: z.number(),
      app: z.string().optional(),
    })
    .optional(),
});
export type FlashJob = z.infer<typeof FlashJob>;

export const SerialLine = z.object({
  /** Increases by one per line of this board since the bench started. */
  seq: z.number().int(),
  time: z.string(),
  text: z.string(),
  /** rx: from the board; tx: typed by someone; info: the bench's own note (flash, reset). */
  kind: z.enum(['rx', 'tx', 'info']),
  partial: z.boolean().optional(),
});
export type SerialLine = z.infer<typeof SerialLine>;

export const BenchSettings = z.object({
  name: z.string(),
  masterUrl: z.string().optional(),
  /** The token itself never leaves the bench; the UI only learns whether one is set. */
  hasToken: z.boolean(),
  /** Topic per board id, where the operator chose one. */
  topics: z.record(z.string(), z.string()),
  /** What a board without its own topic pulls, by type (esp8266 with 4 MB → ourci/test/esp-12e). */
  defaultTopics: z.record(z.string(), z.string()),
  configFile: z.string().optional(),
});
export type BenchSettings = z.infer<typeof BenchSettings>;

export const BenchEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('bench'), bench: BenchSummary }),
  z.object({ type: z.literal('board'), board: BenchBoard }),
  z.object({ type: z.literal('board.removed'), board: z.string() }),
  z.object({ type: z.literal('task'), task: BenchTask }),
  /** Log text of a task as its agent wrote it; `offset` is its byte offset in the master's copy. */
  z.object({ type: z.literal('task.log'), task: z.string(), offset: z.number().int(), text: z.string() }),
  z.object({ type: z.literal('serial'), board: z.string(), lines: z.array(SerialLine) }),
  z.object({ type: z.literal('flash'), flash: FlashJob }),
  z.object({
    type: z.literal('notice'),
    level: z.enum(['info', 'warn', 'error']),
    text: z.string(),
    board: z.string().optional(),
  }),
]);
export type BenchEvent = z.infer<typeof BenchEvent>;
