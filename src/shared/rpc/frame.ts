// JSON-RPC 2.0 frames with mg_rpc's optional envelope (src, dst, tag). DESIGN.md §3:
// `jsonrpc` may be missing on input, `args` aliases `params`, `tag` is echoed, unknown members ignored.
import { ErrorCode, InvalidParamsError, InvalidRequestError, OurciError, ParseError } from '../errors';

export type RpcId = string | number | null;

export interface RpcRequest {
  /** Absent for notifications. */
  id?: RpcId;
  method: string;
  params: Record<string, unknown>;
  tag?: string;
  src?: string;
  dst?: string;
}

export interface RpcErrorBody {
  code: number;
  message: string;
  data?: unknown;
}

export interface RpcResponse {
  jsonrpc: '2.0';
  id: RpcId;
  result?: unknown;
  error?: RpcErrorBody;
  tag?: string;
}

export type Decoded =
  | { kind: 'request'; request: RpcRequest }
  | { kind: 'response'; response: RpcResponse }
  | { kind: 'invalid'; id: RpcId; tag?: string; error: OurciError };

const MAX_METHOD_LENGTH = 128;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function validId(v: unknown): v is RpcId {
  return v === null || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
}

/** Classifies one text frame. Never throws. */
export function decodeFrame(text: string): Decoded {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'invalid', id: null, error: new ParseError('frame is not valid JSON') };
  }
  return decodeValue(value);
}

/** Like {@link decodeFrame} for an already-parsed JSON value (HTTP bodies). */
export function decodeValue(value: unknown): Decoded {
  if (Array.isArray(value)) {
    return { kind: 'invalid', id: null, error: new InvalidRequestError('batches are not supported; send one frame per message') };
  }
  if (!isPlainObject(value)) {
    return { kind: 'invalid', id: null, error: new InvalidRequestError('frame must be a JSON object') };
  }
  const id = 'id' in value ? value.id : undefined;
  const tag = typeof value.tag === 'string' ? value.tag : undefined;
  if (id !== undefined && !validId(id)) {
    return { kind: 'invalid', id: null, tag, error: new InvalidRequestError('id must be a string, a number or null') };
  }
  if (value.jsonrpc !== undefined && value.jsonrpc !== '2.0') {
    return { kind: 'invalid', id: id ?? null, tag, error: new InvalidRequestError('jsonrpc must be "2.0"') };
  }
  if (!('method' in value) && ('result' in value || 'error' in value) && id !== undefined) {
    const response: RpcResponse = { jsonrpc: '2.0', id };
    if ('error' in value) {
      const e = value.error;
      response.error = isPlainObject(e) && typeof e.code === 'number' && typeof e.message === 'string'
        ? { code: e.code, message: e.message, ...(e.data !== undefined ? { data: e.data } : {}) }
        : { code: ErrorCode.Internal, message: 'malformed error object' };
    } else {
      response.result = value.result;
    }
    if (tag !== undefined) response.tag = tag;
    return { kind: 'response', response };
  }
  const method = value.method;
  if (typeof method !== 'string' || method.length === 0 || method.length > MAX_METHOD_LENGTH) {
    return { kind: 'invalid', id: id ?? null, tag, error: new InvalidRequestError('method must be a non-empty string') };
  }
  const rawParams = value.params !== undefined ? value.params : value.args;
  if (rawParams !== undefined && rawParams !== null && !isPlainObject(rawParams)) {
    return { kind: 'invalid', id: id ?? null, tag, error: new InvalidParamsError('params must be an object') };
  }
  const request: RpcRequest = { method, params: (rawParams as Record<string, unknown> | undefined) ?? {} };
  if (id !== undefined) request.id = id;
  if (tag !== undefined) request.tag = tag;
  if (typeof value.src === 'string') request.src = value.src;
  if (typeof value.dst === 'string') request.dst = value.dst;
  return { kind: 'request', request };
}

export function resultFrame(id: RpcId, result: unknown, tag?: string): RpcResponse {
  const r: RpcResponse = { jsonrpc: '2.0', id, result: result === undefined ? null : result };
  if (tag !== undefined) r.tag = tag;
  return r;
}

export function errorFrame(id: RpcId, error: OurciError | RpcErrorBody, tag?: string): RpcResponse {
  const body: RpcErrorBody = error instanceof OurciError ? error.toJSON() : error;
  const r: RpcResponse = { jsonrpc: '2.0', id, error: body };
  if (tag !== undefined) r.tag = tag;
  return r;
}

export function requestFrame(id: RpcId | undefined, method: string, params: unknown): string {
  return id === undefined
    ? JSON.stringify({ jsonrpc: '2.0', method, params })
    : JSON.stringify({ jsonrpc: '2.0', id, method, params });
}
