// The bench API (DESIGN.md §7): one transport-agnostic contract, like VS Code's IChannel.
// The Electron IPC wrapper (src/main), the preload's functions (src/preload), the headless
// WebSocket API and the task route (OURCI_BENCH_URL) all serve exactly these methods.
// Scopes: `admin` is the bench operator; `task` is a bench task's token, limited to its board.
import { z } from 'zod';
import { defineMethod, type MethodSpec } from '../rpc/contract';
import { BenchBoard, BenchSettings, BenchSummary, BenchTask, BoardId, FlashJob, SerialLine } from './model';
import type { BenchMethodName } from './method-names';

const Baud = z.number().int().min(300).max(4_000_000);
const JobId = z.string().min(1).max(64);

export const BenchStatus = defineMethod({
  name: 'Bench.Status',
  summary: 'Everything a UI needs to draw: the bench, its boards, current and recent tasks, flash operations.',
  params: z.object({}),
  result: z.object({ bench: BenchSummary, boards: z.array(BenchBoard), tasks: z.array(BenchTask), flashes: z.array(FlashJob) }),
  scopes: ['admin'],
});

export const BenchSetPaused = defineMethod({
  name: 'Bench.SetPaused',
  summary: 'Stop (or resume) pulling new tasks on every board; running tasks finish.',
  params: z.object({ paused: z.boolean() }),
  result: z.object({ bench: BenchSummary }),
  scopes: ['admin'],
});

export const BenchWatch = defineMethod({
  name: 'Bench.Watch',
  summary: 'Which boards\' serial lines and which tasks\' log text this connection receives as events (replaces the previous choice).',
  params: z.object({ boards: z.array(BoardId).max(256).optional(), tasks: z.array(z.string().max(64)).max(64).optional() }),
  result: z.object({}),
  scopes: ['admin', 'task'],
});

export const BenchGetSettings = defineMethod({
  name: 'Bench.GetSettings',
  summary: 'The bench configuration: its name, master URL, whether a token is set, topics per board.',
  params: z.object({}),
  result: z.object({ settings: BenchSettings }),
  scopes: ['admin'],
});

export const BenchSaveSettings = defineMethod({
  name: 'Bench.SaveSettings',
  summary: 'Change and persist the configuration; a new master URL or token reconnects every worker.',
  params: z.object({
    name: z.string().min(1).max(100).regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, . _ -').optional(),
    masterUrl: z.string().max(500).optional(),
    /** Empty string clears it. */
    token: z.string().max(500).optional(),
    /** Topic per board id; an empty string returns the board to its type's default. */
    topics: z.record(BoardId, z.string().max(255)).optional(),
  }),
  result: z.object({ settings: BenchSettings }),
  scopes: ['admin'],
});

const BoardParams = z.object({ board: BoardId });
const BoardResult = z.object({ board: BenchBoard });

export const BoardQuarantine = defineMethod({
  name: 'Board.Quarantine',
  summary: 'Take a board out of service: it stops pulling once its current task ends.',
  params: BoardParams.extend({ reason: z.string().max(500).optional() }),
  result: BoardResult,
  scopes: ['admin'],
});

export const BoardReturnToService = defineMethod({
  name: 'Board.ReturnToService',
  summary: 'Put a quarantined or degraded board back in service; its failure count starts again at zero.',
  params: BoardParams,
  result: BoardResult,
  scopes: ['admin'],
});

export const BoardLock = defineMethod({
  name: 'Board.Lock',
  summary: 'Take (or extend) the manual lock of an idle board: it stops pulling until unlocked or the lock expires.',
  params: BoardParams.extend({ seconds: z.number().int().min(10).max(24 * 3600).optional() }),
  result: BoardResult,
  scopes: ['admin'],
});

export const BoardUnlock = defineMethod({
  name: 'Board.Unlock',
  summary: 'Release the manual lock; the board pulls work again.',
  params: BoardParams,
  result: BoardResult,
  scopes: ['admin'],
});

export const BoardReset = defineMethod({
  name: 'Board.Reset',
  summary: 'Reset the board into its application (RTS pulse); its boot output appears on the serial console.',
  params: BoardParams,
  result: z.object({}),
  scopes: ['admin', 'task'],
});

export const SerialHistory = defineMethod({
  name: 'Serial.History',
  summary: 'The last serial lines of a board (since its last flash or reset inside a task), and its baud rate.',
  params: BoardParams.extend({ limit: z.number().int().min(1).max(5000).optional(), afterSeq: z.number().int().optional() }),
  result: z.object({ lines: z.array(SerialLine), baud: z.number().int() }),
  scopes: ['admin', 'task'],
});

export const SerialWrite = defineMethod({
  name: 'Serial.Write',
  summary: 'Send text to a board; the operator\'s input takes the manual lock of an idle board.',
  params: BoardParams.extend({ data: z.string().max(64 << 10), newline: z.boolean().optional() }),
  result: z.object({}),
  scopes: ['admin', 'task'],
});

export const SerialSetBaud = defineMethod({
  name: 'Serial.SetBaud',
  summary: 'Change the baud rate the bench reads a board at (default 115200).',
  params: BoardParams.extend({ baud: Baud }),
  result: z.object({ baud: z.number().int() }),
  scopes: ['admin', 'task'],
});

export const FlashSource = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('blob'), job: JobId, name: z.string().min(1).max(1024) }),
  z.object({
    kind: z.literal('file'),
    name: z.string().min(1).max(255),
    /** The file's bytes, base64 (firmware is small; the WebSocket allows 32 MiB frames). */
    base64: z.string().min(1).max(48 << 20),
  }),
]);
export type FlashSource = z.infer<typeof FlashSource>;

export const FlashStart = defineMethod({
  name: 'Flash.Start',
  summary: 'Write a blob of the master or an uploaded file to one or more boards; progress and the result come as flash events.',
  params: z.object({
    boards: z.array(BoardId).min(1).max(64),
    source: FlashSource,
    /** Flash offset of a raw ESP file. */
    address: z.number().int().min(0).max(0x1000000).optional(),
    baud: Baud.optional(),
  }),
  result: z.object({ flashes: z.array(FlashJob) }),
  scopes: ['admin', 'task'],
});

export const FlashCancel = defineMethod({
  name: 'Flash.Cancel',
  summary: 'Stop a running flash operation.',
  params: z.object({ flash: z.string().min(1).max(64) }),
  result: z.object({ flash: FlashJob }),
  scopes: ['admin', 'task'],
});

export const MasterJobs = defineMethod({
  name: 'Master.Jobs',
  summary: 'Recent jobs of the master (optionally of one PR), to pick firmware from.',
  params: z.object({ pr: z.number().int().positive().optional(), job: JobId.optional(), limit: z.number().int().min(1).max(100).optional() }),
  result: z.object({
    jobs: z.array(
      z.object({
        id: z.string(),
        status: z.string(),
        title: z.string().optional(),
        repo: z.string().optional(),
        pr: z.number().optional(),
        sha: z.string().optional(),
        createdAt: z.string().optional(),
      }),
    ),
  }),
  scopes: ['admin'],
});

export const MasterBlobs = defineMethod({
  name: 'Master.Blobs',
  summary: "A job's blobs on the master.",
  params: z.object({ job: JobId }),
  result: z.object({ blobs: z.array(z.object({ name: z.string(), size: z.number().int(), createdAt: z.string() })) }),
  scopes: ['admin'],
});

export const TasksLog = defineMethod({
  name: 'Tasks.Log',
  summary:
    "Bytes of a task's log, as the master's Log.Read answers (a negative offset counts from the end): the recent tail " +
    'from the bench itself, older bytes and older tasks from the master.',
  params: z.object({
    task: z.string().min(1).max(64),
    offset: z.number().int().optional(),
    limit: z.number().int().min(1).max(4 << 20).optional(),
  }),
  result: z.object({
    offset: z.number().int(),
    nextOffset: z.number().int(),
    length: z.number().int(),
    data: z.string(),
    complete: z.boolean(),
    omitted: z.object({ from: z.number().int(), to: z.number().int() }).optional(),
  }),
  scopes: ['admin'],
});

export const benchMethods = [
  BenchStatus,
  BenchSetPaused,
  BenchWatch,
  BenchGetSettings,
  BenchSaveSettings,
  BoardQuarantine,
  BoardReturnToService,
  BoardLock,
  BoardUnlock,
  BoardReset,
  SerialHistory,
  SerialWrite,
  SerialSetBaud,
  FlashStart,
  FlashCancel,
  MasterJobs,
  MasterBlobs,
  TasksLog,
] as const;

type ByName<T extends readonly MethodSpec[]> = { [M in T[number] as M['name']]: M };
export type BenchMethodSpecs = ByName<typeof benchMethods>;

// The name list in method-names.ts (for zod-free code) and this one must be the same set.
type Missing = Exclude<BenchMethodName, keyof BenchMethodSpecs> | Exclude<keyof BenchMethodSpecs, BenchMethodName>;
const sameNames: [Missing] extends [never] ? true : Missing = true;
void sameNames;

export const benchMethodByName: ReadonlyMap<string, MethodSpec> = new Map(benchMethods.map((m) => [m.name, m]));
