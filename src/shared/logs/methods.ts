// Log.* contracts: per-attempt logs appended by byte offset (idempotent), read by range.
import { z } from 'zod';
import { defineMethod } from '../rpc/contract';

/** Largest chunk one Log.Append may carry (DESIGN.md §9). */
export const MAX_LOG_CHUNK_BYTES = 64 * 1024;

export const LogAppend = defineMethod({
  name: 'Log.Append',
  summary:
    'Append UTF-8 text at a byte offset of an attempt\'s log. Idempotent: bytes already stored are skipped; ' +
    'a gap is refused with the length to resume from. Refused with 409 once the attempt is not current.',
  params: z.object({
    task: z.string().min(1).max(64),
    attempt: z.number().int().min(1),
    offset: z.number().int().min(0),
    data: z.string().max(MAX_LOG_CHUNK_BYTES),
  }),
  result: z.object({ length: z.number().int() }),
  scopes: ['agent', 'task'],
});

export const LogRead = defineMethod({
  name: 'Log.Read',
  summary:
    'Read an attempt\'s log from a byte offset (default: the latest attempt, from 0). A negative offset counts ' +
    'from the end. Past the size cap the log keeps its head and tail; `omitted` says what was dropped.',
  params: z.object({
    task: z.string().min(1).max(64),
    attempt: z.number().int().min(1).optional(),
    offset: z.number().int().optional(),
    limit: z.number().int().min(1).max(4 * 1024 * 1024).optional(),
  }),
  result: z.object({
    task: z.string(),
    attempt: z.number().int(),
    offset: z.number().int(),
    nextOffset: z.number().int(),
    length: z.number().int(),
    data: z.string(),
    /** True when the attempt has ended, so no more bytes will come. */
    complete: z.boolean(),
    omitted: z.object({ from: z.number().int(), to: z.number().int() }).optional(),
  }),
  scopes: ['viewer', 'task'],
});

export const logMethods = [LogAppend, LogRead] as const;
