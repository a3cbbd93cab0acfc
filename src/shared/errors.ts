// The one error table (DESIGN.md §3). Every error that crosses the wire carries one of these codes.

export const ErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  Internal: -32603,
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  Conflict: 409,
  PayloadTooLarge: 413,
  TooManyRequests: 429,
  Cancelled: 499,
  ServerError: 500,
  Unavailable: 503,
  Timeout: 504,
} as const;

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

const DEFAULT_MESSAGES: Record<number, string> = {
  [-32700]: 'parse error',
  [-32600]: 'invalid request',
  [-32601]: 'method not found',
  [-32602]: 'invalid params',
  [-32603]: 'internal error',
  400: 'bad request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not found',
  409: 'conflict',
  413: 'payload too large',
  429: 'too many requests',
  499: 'cancelled',
  500: 'server error',
  503: 'unavailable',
  504: 'timeout',
};

/** Base class of every error the system reports; `code` is from {@link ErrorCode}. */
export class OurciError extends Error {
  readonly code: number;
  readonly data?: unknown;
  constructor(code: number, message?: string, data?: unknown) {
    super(message ?? DEFAULT_MESSAGES[code] ?? 'error');
    this.name = 'OurciError';
    this.code = code;
    if (data !== undefined) this.data = data;
  }
  toJSON(): { code: number; message: string; data?: unknown } {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

export class ParseError extends OurciError {
  constructor(message = 'parse error') {
    super(ErrorCode.ParseError, message);
  }
}
export class InvalidRequestError extends OurciError {
  constructor(message = 'invalid request', data?: unknown) {
    super(ErrorCode.InvalidRequest, message, data);
  }
}
export class MethodNotFoundError extends OurciError {
  constructor(method: string) {
    super(ErrorCode.MethodNotFound, `method not found: ${method}`);
  }
}
export class InvalidParamsError extends OurciError {
  constructor(message = 'invalid params', data?: unknown) {
    super(ErrorCode.InvalidParams, message, data);
  }
}
export class BadRequestError extends OurciError {
  constructor(message = 'bad request', data?: unknown) {
    super(ErrorCode.BadRequest, message, data);
  }
}
export class UnauthorizedError extends OurciError {
  constructor(message = 'missing or invalid token') {
    super(ErrorCode.Unauthorized, message);
  }
}
export class ForbiddenError extends OurciError {
  constructor(message = 'forbidden') {
    super(ErrorCode.Forbidden, message);
  }
}
export class NotFoundError extends OurciError {
  constructor(message = 'not found', data?: unknown) {
    super(ErrorCode.NotFound, message, data);
  }
}
export class ConflictError extends OurciError {
  constructor(message = 'conflict', data?: unknown) {
    super(ErrorCode.Conflict, message, data);
  }
}
/** A stale ackId or attempt: this holder no longer owns the message (DESIGN.md §2). */
export class LeaseLostError extends OurciError {
  constructor(data?: unknown) {
    super(ErrorCode.Conflict, 'lease lost', data);
  }
}
export class PayloadTooLargeError extends OurciError {
  constructor(message = 'payload too large') {
    super(ErrorCode.PayloadTooLarge, message);
  }
}
export class TooManyRequestsError extends OurciError {
  constructor(message = 'too many requests') {
    super(ErrorCode.TooManyRequests, message);
  }
}
export class CancelledError extends OurciError {
  constructor(message = 'cancelled') {
    super(ErrorCode.Cancelled, message);
  }
}
export class UnavailableError extends OurciError {
  constructor(message = 'unavailable') {
    super(ErrorCode.Unavailable, message);
  }
}
export class TimeoutError extends OurciError {
  constructor(message = 'timeout') {
    super(ErrorCode.Timeout, message);
  }
}

/** Only these, and lost connections, are worth retrying (DESIGN.md §3). */
export function isRetryableCode(code: number): boolean {
  return code === 429 || code === 503 || code === 504;
}

/** HTTP status for an error code, used by `POST /rpc/<Method>` and the HTTP endpoints. */
export function httpStatusFor(code: number): number {
  if (code === ErrorCode.MethodNotFound) return 404;
  if (code === ErrorCode.Internal) return 500;
  if (code < 0) return 400;
  if (code >= 400 && code <= 599) return code;
  return 500;
}

/** Turns anything thrown into an OurciError without leaking internals. */
export function toOurciError(err: unknown): OurciError {
  if (err instanceof OurciError) return err;
  return new OurciError(ErrorCode.Internal, 'internal error');
}
