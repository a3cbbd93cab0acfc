// Agent.* and Board.* contracts: who is pulling, and which boards benches have.
import { z } from 'zod';
import { defineMethod } from '../rpc/contract';
import { ResourceName } from '../pubsub/names';

export const AgentInfo = z.object({
  id: z.string(),
  name: z.string(),
  host: z.string(),
  topics: z.array(z.string()),
  version: z.string().optional(),
  kind: z.enum(['build', 'bench']),
  board: z.string().optional(),
  connectedAt: z.string(),
  state: z.enum(['idle', 'busy', 'paused', 'draining']),
  currentTask: z.string().optional(),
  currentJob: z.string().optional(),
});
export type AgentInfo = z.infer<typeof AgentInfo>;

export const BoardHealth = z.enum(['ok', 'degraded', 'quarantined']);

/** `paused`: the bench stopped pulling for all its boards (the operator's pause). */
export const BoardState = z.enum(['idle', 'busy', 'flashing', 'locked', 'offline', 'quarantined', 'probing', 'paused']);

export const BoardInfo = z.object({
  id: z.string(),
  type: z.string(),
  bench: z.string(),
  port: z.string().optional(),
  mac: z.string().optional(),
  chip: z.string().optional(),
  flashSize: z.number().optional(),
  topic: z.string().optional(),
  state: BoardState,
  health: BoardHealth,
  consecutiveFailures: z.number().int().optional(),
  currentTask: z.string().optional(),
  virtual: z.boolean().optional(),
  lastSeen: z.string().optional(),
});
export type BoardInfo = z.infer<typeof BoardInfo>;

export const AgentRegister = defineMethod({
  name: 'Agent.Register',
  summary: 'Announce this connection as an agent (name, topics) so it shows in Agent.List; repeat to update.',
  params: z.object({
    name: z.string().min(1).max(200),
    host: z.string().max(200).optional(),
    topics: z.array(ResourceName).max(32),
    version: z.string().max(64).optional(),
    kind: z.enum(['build', 'bench']).optional(),
    board: z.string().max(200).optional(),
    state: z.enum(['idle', 'busy', 'paused', 'draining']).optional(),
  }),
  result: z.object({ id: z.string() }),
  scopes: ['agent'],
});

export const AgentList = defineMethod({
  name: 'Agent.List',
  summary: 'Agents connected now, their topics and current task.',
  params: z.object({}),
  result: z.object({ agents: z.array(AgentInfo) }),
  scopes: ['viewer'],
});

export const BoardReport = defineMethod({
  name: 'Board.Report',
  summary: "A bench reports its boards (the full list, replacing what it reported before).",
  params: z.object({ bench: z.string().min(1).max(200), boards: z.array(BoardInfo.omit({ bench: true })).max(256) }),
  result: z.object({ accepted: z.number().int() }),
  scopes: ['agent'],
});

export const BoardList = defineMethod({
  name: 'Board.List',
  summary: 'Boards reported by benches; boards of a disconnected bench show as offline.',
  params: z.object({ bench: z.string().optional(), type: z.string().optional() }),
  result: z.object({ boards: z.array(BoardInfo) }),
  scopes: ['viewer'],
});

export const agentMethods = [AgentRegister, AgentList, BoardReport, BoardList] as const;
